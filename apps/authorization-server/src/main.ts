import closeWithGrace from 'close-with-grace'
import { createAuthorizationServer } from './server.ts'

const port = Number(process.env['PORT'] ?? 3000)
const resource = process.env['RESOURCE'] ?? 'http://localhost:4000/'
const dataFile = process.env['DATA_FILE'] ?? new URL('../data/users.json', import.meta.url).pathname
const shutdownTimeout = Number(process.env['SHUTDOWN_TIMEOUT_MS'] || 10_000)
const redirectUris = (process.env['REDIRECT_URIS'] ?? 'http://localhost:5173/callback')
  .split(' ')
  .filter(Boolean)

const server = await createAuthorizationServer({
  port,
  resource,
  dataFile,
  shutdownTimeout,
  ...(process.env['ISSUER'] !== undefined && { issuer: process.env['ISSUER'] }),
  clients: [
    {
      client_id: 'bank-web',
      client_name: 'Bank',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris,
    },
  ],
})

console.log(`Authorization server: ${server.issuer}`)
console.log(`  discovery:     ${server.issuer}/.well-known/openid-configuration`)
console.log(`  security keys: ${server.issuer}/account/security`)
console.log(`  resource:      ${resource}`)
console.log(`  data file:     ${dataFile}`)
for (const user of server.store.list()) {
  console.log(
    `  user ${user.username}${user.totpSecret ? `  TOTP secret ${user.totpSecret}` : ''}  (${
      user.credentials.length
    } security key(s))`,
  )
}
console.log('  demo passwords: alice / wonderland, bob / builder')

// SIGTERM/SIGINT: stop accepting, finish what is in flight, exit. `server.close()` closes the
// connections still open at `shutdownTimeout`; close-with-grace exits with 1 if even that has
// not finished a second later (a second signal exits at once).
closeWithGrace({ delay: shutdownTimeout + 1000 }, async ({ signal, err }) => {
  if (err) console.error(err)
  else console.log(`authorization server: ${signal ?? 'exit'}, closing`)
  await server.close()
})
