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
import { protectedResourceMetadata, type StepUpEnv, stepUp } from '../src/index.ts'

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

const bearer = async (claims: Record<string, unknown>) => ({
  authorization: `Bearer ${await token(claims)}`,
})

it('README example', async () => {
  const app = new Hono()

  // --- README example ---
  const requireAssurance = stepUp({ verify: verifier, realm: 'bank' })

  app.post('/transfers', requireAssurance({ acr_values: ['phr'], max_age: 300 }), (c) =>
    c.json({ from: c.get('auth').claims.sub }, 201),
  )
  // --- end of README example ---

  const post = async (acr: string) =>
    app.request('/transfers', { method: 'POST', headers: await bearer({ acr }) })
  const weak = await post('pwd')
  expect(weak.status).toBe(401)
  expect(weak.headers.get('www-authenticate')).toBe(
    'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="300"',
  )
  const strong = await post('phr')
  expect(strong.status).toBe(201)
  expect(await strong.json()).toEqual({ from: 'alice' })
})

describe('README recipes', () => {
  it('any valid token: requireAssurance() on a route, or app-wide', async () => {
    const app = new Hono()
    const requireAssurance = stepUp({ verify: verifier, realm: 'bank' })
    // --- README recipe: any valid token ---
    app.get('/me', requireAssurance(), (c) => {
      const { claims } = c.get('auth')
      return c.json({ sub: claims.sub, scopes: claims.scopes })
    })
    // --- end of README recipe ---
    // --- README recipe: app-wide ---
    const api = new Hono<StepUpEnv>()
    api.use(requireAssurance())
    api.get('/accounts', (c) => c.json({ owner: c.get('auth').claims.sub }))
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
    const ok = await app.request('/me', { headers: await bearer({ scope: 'accounts:read' }) })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'alice', scopes: ['accounts:read'] })
    expect((await api.request('/accounts')).status).toBe(401)
    const owner = await api.request('/accounts', { headers: await bearer({}) })
    expect(await owner.json()).toEqual({ owner: 'alice' })
  })

  it('a per-route requirement: fixed, or from the request', async () => {
    const app = new Hono()
    const requireAssurance = stepUp({ verify: verifier, realm: 'bank' })
    // --- README recipe: per-route requirement ---
    app.get('/statements', requireAssurance({ scope: ['accounts:read'] }), (c) =>
      c.json({ owner: c.get('auth').claims.sub }),
    )
    // Closing an account needs a fresh phishing-resistant sign-in; closing a savings one, hardware.
    app.delete(
      '/accounts/:id',
      requireAssurance((c) => ({
        acr_values: c.req.param('id')?.startsWith('savings-') ? ['phrh'] : ['phr'],
        max_age: 60,
      })),
      (c) => c.body(null, 204),
    )
    // --- end of README recipe ---

    const noScope = await app.request('/statements', {
      headers: await bearer({ scope: 'profile' }),
    })
    expect(noScope.status).toBe(403)
    expect(noScope.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token", scope="accounts:read"',
    )
    const scoped = await app.request('/statements', {
      headers: await bearer({ scope: 'accounts:read' }),
    })
    expect(scoped.status).toBe(200)
    const close = async (id: string, acr: string) =>
      (await app.request(`/accounts/${id}`, { method: 'DELETE', headers: await bearer({ acr }) }))
        .status
    expect(await close('current-1', 'phr')).toBe(204)
    expect(await close('savings-1', 'phr')).toBe(401)
    expect(await close('savings-1', 'phrh')).toBe(204)
  })

  it('a risk policy with RAR coverage: the registry on the verifier, the policy and stepUp', async () => {
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
    // parses the body's authorization_details (400 if invalid) and decides coverage
    const requireAssurance = stepUp({
      verify: verifier,
      realm: 'bank',
      authorizationDetailsRegistry,
    })

    app.post('/transfers', requireAssurance(transfers), async (c) => {
      // The guard read a clone of the request: its body is still the route's.
      const { authorization_details } = await c.req.json()
      const amount = authorization_details[0].transaction.amount
      return c.json({ amount, fired: c.get('auth').decision.fired }, 201)
    })
    // --- end of README recipe ---

    const post = (bearer: string, body: unknown, type = 'application/json') =>
      app.request('/transfers', transferRequest(bearer, body, type))

    const recipe = { post, token }
    const { strong } = await runTransferRecipe(recipe)
    await expectGuardReadsBody(recipe, strong)
  })

  it('metadata: the RFC 9728 document, before the app-wide guard, named in every challenge', async () => {
    // --- README recipe: metadata ---
    const app = new Hono<StepUpEnv>()
    app.use(
      protectedResourceMetadata({
        resource: 'https://api.example.com/accounts',
        authorization_servers: ['https://as.example.com'],
        acr_values_supported: ['phr', 'phrh'],
      }),
    )
    app.use(
      stepUp({
        verify: verifier,
        resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource/accounts',
      })(),
    )
    app.get('/accounts', (c) => c.json({ owner: c.get('auth').claims.sub }))
    // --- end of README recipe ---

    const metadata = await app.request(
      'https://api.example.com/.well-known/oauth-protected-resource/accounts',
    )
    expect(metadata.status).toBe(200)
    expect(await metadata.json()).toEqual({
      resource: 'https://api.example.com/accounts',
      authorization_servers: ['https://as.example.com'],
      acr_values_supported: ['phr', 'phrh'],
    })
    const anonymous = await app.request('/accounts')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/accounts"',
    )
  })
})
