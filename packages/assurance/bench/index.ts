import {
  createJwtAccessTokenVerifier,
  evaluateAssurance,
  parseAccessTokenClaims,
} from '@stepup/assurance'
import { compareRounds } from 'bench-kit'
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose'

const ISSUER = 'https://as.example.net'
const AUDIENCE = 'https://rs.example.com'
const now = Math.floor(Date.now() / 1000)
const payload = {
  sub: 'someone@example.net',
  client_id: 's6BhdRkqt3',
  scope: 'purchase transfers',
  auth_time: now - 10,
  acr: 'phrh',
  jti: 'e1j3V_bKic8-LAEB_lccD0G',
}

for (const alg of ['ES256', 'RS256', 'EdDSA']) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg }
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey)
  const options = { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [jwk] } }
  const set = createLocalJWKSet({ keys: [jwk] })
  const plain = createJwtAccessTokenVerifier(options)
  const cached = createJwtAccessTokenVerifier({ ...options, cache: { max: 1000 } })
  await cached.verify(token)
  const alone = async () =>
    parseAccessTokenClaims(
      (await jwtVerify(token, publicKey, { issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' }))
        .payload,
    )
  // What the verifier asks of jose: the key from the JWK Set, the RFC 9068 §2.2 claims, a clock.
  const same = async () =>
    parseAccessTokenClaims(
      (
        await jwtVerify(token, set, {
          issuer: ISSUER,
          audience: [AUDIENCE],
          algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
          typ: 'at+jwt',
          requiredClaims: ['iss', 'aud', 'exp', 'sub', 'client_id', 'iat', 'jti'],
          clockTolerance: 0,
          currentDate: new Date(),
        })
      ).payload,
    )
  const baselines = ['jose jwtVerify alone (floor)', 'jose jwtVerify, JWK Set and the same options']
  // CPU time of the process, WebCrypto's threads included: a busy machine does not count.
  await compareRounds(
    `verify an RFC 9068 access token (${alg})`,
    [
      { name: 'jose jwtVerify alone (floor)', fn: alone },
      { name: 'jose jwtVerify, JWK Set and the same options', fn: same },
      { name: '@stepup/assurance verify', fn: () => plain.verify(token) },
      { name: '@stepup/assurance verify, cache hit', fn: () => cached.verify(token) },
    ],
    { baselines, clock: 'cpu' },
  )
  // WebCrypto verifies off the main thread: with requests in flight, as on a busy server, the
  // JavaScript around it is what limits throughput. Each operation is 32 verifications.
  const inFlight = (verify: () => Promise<unknown>) => () =>
    Promise.all(Array.from({ length: 32 }, verify))
  await compareRounds(
    `32 verifications in flight (${alg}); ops/s are batches of 32`,
    [
      { name: 'jose jwtVerify alone (floor)', fn: inFlight(alone) },
      { name: 'jose jwtVerify, JWK Set and the same options', fn: inFlight(same) },
      { name: '@stepup/assurance verify', fn: inFlight(() => plain.verify(token)) },
    ],
    { baselines, clock: 'cpu' },
  )
}

const claims = parseAccessTokenClaims({ ...payload, exp: now + 3600 })
const requirement = { acr_values: ['phr'], max_age: 300, scope: ['transfers'] }
const stale = { ...claims, auth_time: now - 3600 }
// The requirement as code often writes it, an object literal in the call: a new object each
// time, so it is checked at every call (issue #16 target: 1 M decisions/s or more).
await compareRounds(
  'evaluateAssurance (acr_values + max_age + scope unless said)',
  [
    {
      name: 'inline comparisons (floor)',
      fn: () =>
        (claims.acr === 'phr' || claims.acr === 'phrh') &&
        now - (claims.auth_time ?? 0) <= 300 &&
        claims.scopes.includes('transfers'),
    },
    { name: 'evaluateAssurance, allow', fn: () => evaluateAssurance(claims, requirement, { now }) },
    {
      name: 'evaluateAssurance, allow, inline literal { acr_values, max_age }',
      fn: () => evaluateAssurance(claims, { acr_values: ['phr'], max_age: 300 }, { now }),
    },
    {
      name: 'evaluateAssurance, challenge',
      fn: () => evaluateAssurance(stale, requirement, { now }),
    },
  ],
  { baselines: ['inline comparisons (floor)'], clock: 'cpu' },
)
