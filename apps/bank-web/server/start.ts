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

const users = stack.as.store
  .list()
  .map(
    (user) =>
      `     ${user.username.padEnd(6)} ${
        user.totpSecret ? `authenticator app secret ${user.totpSecret}` : 'password only'
      }`,
  )
  .join('\n')
const codes = [...stack.as.enrolmentCodes]
  .map(
    ([username, { code, expiresAt }]) =>
      `     ${username.padEnd(6)} ${code}  (one use, until ${new Date(expiresAt).toISOString().slice(11, 16)} UTC)`,
  )
  .join('\n')

console.log(`
  Step-up Bank is running. Open ${stack.web}

  sign-in service  ${stack.as.issuer}
  bank API         ${stack.api.url}   (${framework})
  web app          ${stack.web}

  Customers (passwords alice / wonderland, bob / builder):
${users}
  One-time enrolment codes, to add a first security key after a password sign-in:
${codes}

  1. Sign in as alice, then "Manage your security keys": enter alice's enrolment code and add a
     security key (a USB key; Chrome DevTools → More tools → WebAuthn can add a virtual one).
  2. Back in the app, send $10,000.00 to a payee: the bank asks for the security key, and the
     sign-in window shows the amount and the payee the key confirms (allow pop-ups for
     ${stack.web}, or the page goes there and comes back instead). From $1,000.00 a passkey
     is enough; each $10,000.00 transfer needs the key again.
  3. "Sign out" ends the session at the sign-in service too: the next sign-in asks the password.
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
