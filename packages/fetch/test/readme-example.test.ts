import { amountThreshold, createJwtAccessTokenVerifier, createRiskPolicy } from '@stepup/assurance'
import {
  expectGuardReadsBody,
  runTransferRecipe,
  transferRequest,
} from '@stepup/internal/transfer-recipe'
import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { Hono } from 'hono'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { withStepUp } from '../src/index.ts'

const { publicKey, privateKey } = await generateKeyPair('ES256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] }
const verifier = createJwtAccessTokenVerifier({
  issuer: 'https://as.example.com',
  audience: 'https://api.example.com',
  jwks,
})

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

it('README example: Hono in two lines', async () => {
  const app = new Hono()

  // --- README example ---
  const transfer = withStepUp(
    (_req, auth) => Response.json({ from: auth.claims.sub }, { status: 201 }),
    { verify: verifier, requirement: { acr_values: ['phr'], max_age: 300 } },
  )
  app.post('/transfers', (c) => transfer(c.req.raw))
  // --- end of README example ---

  const post = async (acr: string) =>
    app.request('/transfers', {
      method: 'POST',
      headers: { authorization: `Bearer ${await token({ acr })}` },
    })
  const weak = await post('pwd')
  expect(weak.status).toBe(401)
  expect(weak.headers.get('www-authenticate')).toBe(
    'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="300"',
  )
  const strong = await post('phr')
  expect(strong.status).toBe(201)
  expect(await strong.json()).toEqual({ from: 'alice' })
})

describe('README recipes', () => {
  it('any valid token: no requirement', async () => {
    const app = new Hono()
    // --- README recipe: any valid token ---
    const me = withStepUp(
      (_req, auth) => Response.json({ sub: auth.claims.sub, scopes: auth.claims.scopes }),
      { verify: verifier, realm: 'bank' },
    )
    app.get('/me', (c) => me(c.req.raw))
    // --- end of README recipe ---

    const anonymous = await app.request('/me')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
    expect(await anonymous.text()).toBe('')
    const forged = await app.request('/me', { headers: { authorization: 'Bearer not.a.token' } })
    expect(forged.status).toBe(401)
    expect(await forged.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
    const ok = await app.request('/me', {
      headers: { authorization: `Bearer ${await token({ scope: 'accounts:read' })}` },
    })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'alice', scopes: ['accounts:read'] })
  })

  it('a risk policy with RAR coverage: the registry on the verifier, the policy and withStepUp', async () => {
    const app = new Hono()
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

    const transfer = withStepUp(
      async (request, auth) => {
        // The guard read a clone of the request: its body is still the handler's.
        const { authorization_details } = await request.json()
        const amount = authorization_details[0].transaction.amount
        return Response.json({ amount, fired: auth.decision.fired }, { status: 201 })
      },
      // parses the body's authorization_details (400 if invalid) and decides coverage
      { verify: verifier, realm: 'bank', requirement: transfers, authorizationDetailsRegistry },
    )
    app.post('/transfers', (c) => transfer(c.req.raw))
    // --- end of README recipe ---

    const post = (bearer: string, body: unknown, type = 'application/json') =>
      app.request('/transfers', transferRequest(bearer, body, type))

    const recipe = { post, token }
    const { strong } = await runTransferRecipe(recipe)
    await expectGuardReadsBody(recipe, strong)
  })
})
