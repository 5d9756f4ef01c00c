import closeWithGrace from 'close-with-grace'
import { EnvironmentError, readServerEnvironment, type ServerEnvironment } from './env.ts'
import { createAuthorizationServer } from './server.ts'

let config: ServerEnvironment
try {
  config = readServerEnvironment(
    process.env,
    new URL('../data/users.json', import.meta.url).pathname,
  )
} catch (error) {
  if (!(error instanceof EnvironmentError)) throw error
  console.error(`authorization server: not starting: ${error.message}`)
  process.exit(1)
}

const server = await createAuthorizationServer({
  port: config.port,
  resource: config.resource,
  dataFile: config.dataFile,
  shutdownTimeout: config.shutdownTimeout,
  ...(config.issuer !== undefined && { issuer: config.issuer }),
  ...(config.redisUrl !== undefined && { redisUrl: config.redisUrl }),
  accessTokenTtl: config.accessTokenTtl,
  refreshTokenTtl: config.refreshTokenTtl,
  sessionTtl: config.sessionTtl,
  interactionTtl: config.interactionTtl,
  enrolmentCodeTtl: config.enrolmentCodeTtl,
  clients: [
    {
      client_id: 'bank-web',
      client_name: 'Bank',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: config.redirectUris,
      post_logout_redirect_uris: config.postLogoutRedirectUris,
    },
  ],
})

console.log(`Authorization server: ${server.issuer}`)
console.log(`  discovery:     ${server.issuer}/.well-known/openid-configuration`)
console.log(`  security keys: ${server.issuer}/account/security`)
console.log(`  sign out:      ${server.endSessionEndpoint}`)
console.log(`  resource:      ${config.resource}`)
console.log(`  data file:     ${config.dataFile}`)
console.log(`  throttle:      ${config.redisUrl ? 'Redis' : 'in memory'}`)
for (const user of server.store.list()) {
  console.log(
    `  user ${user.username}${user.totpSecret ? `  TOTP secret ${user.totpSecret}` : ''}  (${
      user.credentials.length
    } security key(s))`,
  )
}
for (const [username, { code, expiresAt }] of server.enrolmentCodes) {
  const until = new Date(expiresAt).toISOString().slice(11, 16)
  console.log(
    `  enrolment code for ${username}: ${code}  (adds a first key; one use, until ${until} UTC)`,
  )
}
console.log('  demo passwords: alice / wonderland, bob / builder')

// SIGTERM/SIGINT: stop accepting, finish what is in flight, exit. `server.close()` closes the
// connections still open at `shutdownTimeout`; close-with-grace exits with 1 if even that has
// not finished a second later (a second signal exits at once).
closeWithGrace({ delay: config.shutdownTimeout + 1000 }, async ({ signal, err }) => {
  if (err) console.error(err)
  else console.log(`authorization server: ${signal ?? 'exit'}, closing`)
  await server.close()
})
