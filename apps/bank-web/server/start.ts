// `pnpm start`: the authorization server, the bank API and the web client (Vite dev server).
import { startWebStack } from './stack.ts'

const framework = process.argv.includes('fastify') ? 'fastify' : 'express'
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback)

const stack = await startWebStack({
  framework,
  asPort: port('AS_PORT', 3000),
  apiPort: port('API_PORT', 4000),
  webPort: port('WEB_PORT', 5173),
  web: 'dev',
})

console.log(`
  Step-up Bank is running. Open ${stack.web}

  authorization server  ${stack.as.issuer}   (users: alice / wonderland, bob / builder)
  bank API              ${stack.api.url}   (${framework})
  web client            ${stack.web}

  1. Sign in as alice, then "Register a security key" (a platform authenticator or a USB key;
     Chrome DevTools → More tools → WebAuthn can add a virtual one).
  2. Back in the app, send $10,000: the API asks for a security key within 60 s; confirm it in
     the popup (allow popups for ${stack.web}, or the page goes there and comes back instead).
  Tokens are DPoP-bound to a key this browser keeps in IndexedDB.
  Users, keys and balances live in memory: a restart starts fresh. Ctrl+C stops everything.
`)

const stop = (): void => {
  stack.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
