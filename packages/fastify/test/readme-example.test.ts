import { amountThreshold, createJwtAccessTokenVerifier, createRiskPolicy } from '@stepup/assurance'
import { runTransferRecipe, TRANSFER } from '@stepup/internal/transfer-recipe'
import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import Fastify from 'fastify'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import stepUp from '../src/index.ts'

const { publicKey, privateKey } = await generateKeyPair('ES256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] }

/** An RFC 9068 access token from the README's issuer, for the README's audience. */
const token = (claims: Record<string, unknown>) =>
  new SignJWT({
    sub: 'alice',
    client_id: 'bank-web',
    auth_time: Math.floor(Date.now() / 1000),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setJti(crypto.randomUUID())
    .setIssuer('https://as.example.com')
    .setAudience('https://api.example.com')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)

it('README example: a transfer needs phr within 300 s', async () => {
  // --- README example (with a local key set instead of the issuer's JWKS URL) ---
  const verifier = createJwtAccessTokenVerifier({
    issuer: 'https://as.example.com',
    audience: 'https://api.example.com',
    jwks,
  })
  const app = Fastify()
  await app.register(stepUp, { verify: verifier, realm: 'bank' })
  app.post(
    '/transfers',
    { preHandler: app.requireAssurance({ acr_values: ['phr'], max_age: 300 }) },
    async (request, reply) => reply.code(201).send({ from: request.auth?.claims.sub }),
  )
  // --- end of README example ---

  const post = async (acr: string) =>
    app.inject({
      method: 'POST',
      url: '/transfers',
      headers: { authorization: `Bearer ${await token({ acr })}` },
    })
  const weak = await post('pwd')
  expect(weak.statusCode).toBe(401)
  expect(weak.headers['www-authenticate']).toBe(
    'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="300"',
  )
  const strong = await post('phr')
  expect(strong.statusCode).toBe(201)
  expect(strong.json()).toEqual({ from: 'alice' })
})

describe('README recipes', () => {
  it('any valid token: requireAssurance() without a requirement', async () => {
    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
    })
    const app = Fastify()
    await app.register(stepUp, { verify: verifier, realm: 'bank' })
    // --- README recipe: any valid token ---
    app.get('/me', { preHandler: app.requireAssurance() }, async (request) => ({
      sub: request.auth?.claims.sub,
      scopes: request.auth?.claims.scopes,
    }))
    // --- end of README recipe ---

    const anonymous = await app.inject({ url: '/me' })
    expect(anonymous.statusCode).toBe(401)
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="bank"')
    expect(anonymous.body).toBe('')
    const forged = await app.inject({
      url: '/me',
      headers: { authorization: 'Bearer not.a.token' },
    })
    expect(forged.statusCode).toBe(401)
    expect(forged.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
    const ok = await app.inject({
      url: '/me',
      headers: { authorization: `Bearer ${await token({ scope: 'accounts:read' })}` },
    })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ sub: 'alice', scopes: ['accounts:read'] })
  })

  it('a risk policy with RAR coverage: the registry on the verifier, the policy and the plugin', async () => {
    // --- README recipe: risk policy with RAR coverage (with a local key set) ---
    // The detail types this API understands, in one registry for every part that reads details.
    const authorizationDetailsRegistry = createAuthorizationDetailsRegistry([
      bankTransactionDetailType,
    ])

    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
      authorizationDetailsRegistry, // parses the token's authorization_details claim
    })
    const transfers = createRiskPolicy(
      [
        amountThreshold({
          type: 'urn:bank:params:oauth:request:transaction',
          thresholds: [
            { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
            { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
          ],
        }),
      ],
      { authorizationDetailsRegistry }, // compares granted and requested details when you call decide()
    )

    const app = Fastify()
    // The plugin's registry parses the body's authorization_details (400 if invalid) and
    // decides coverage for every requireAssurance() hook.
    await app.register(stepUp, { verify: verifier, realm: 'bank', authorizationDetailsRegistry })
    app.post(
      '/transfers',
      // Fastify parses the body before any hook, within its own bodyLimit (1 MiB by default).
      { preHandler: app.requireAssurance(transfers), bodyLimit: 65_536 },
      async (request, reply) => reply.code(201).send({ fired: request.auth?.decision.fired }),
    )
    // --- end of README recipe ---

    const post = async (bearer: string, payload: unknown, type = 'application/json') => {
      const res = await app.inject({
        method: 'POST',
        url: '/transfers',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': type },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      })
      return {
        status: res.statusCode,
        headers: { get: (name: string) => (res.headers[name] as string | undefined) ?? null },
        json: async () => res.json() as Record<string, unknown>,
      }
    }

    const recipe = { post, token, paid: (_amount: string, fired: readonly string[]) => ({ fired }) }
    const { strong } = await runTransferRecipe(recipe)
    // Fastify's own parsers answer first: malformed JSON, a media type it cannot parse, too large.
    const malformed = await post(strong, '{"authorization_details":')
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).code).toBe('FST_ERR_CTP_INVALID_JSON_BODY')
    const xml = await post(strong, '<transfer/>', 'application/xml')
    expect(xml.status).toBe(415)
    expect((await xml.json()).code).toBe('FST_ERR_CTP_INVALID_MEDIA_TYPE')
    const large = await post(strong, { authorization_details: [TRANSFER], pad: 'x'.repeat(70_000) })
    expect(large.status).toBe(413)
    expect((await large.json()).code).toBe('FST_ERR_CTP_BODY_TOO_LARGE')
  })
})
