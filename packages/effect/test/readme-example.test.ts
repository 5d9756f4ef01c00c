import { amountThreshold } from '@stepup/assurance'
import {
  expectGuardReadsBody,
  runTransferRecipe,
  transferRequest,
} from '@stepup/internal/transfer-recipe'
import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { Effect, Layer } from 'effect'
import { HttpRouter, HttpServer, HttpServerResponse } from 'effect/http'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AccessTokenVerifier,
  AuthorizationDetailsRegistry,
  RiskPolicy,
  stepUpMiddleware,
  VerifiedClaims,
} from '../src/index.ts'

// --- README example (kept identical) ---
const Transfers = HttpRouter.add(
  'POST',
  '/transfers',
  Effect.gen(function* () {
    const { claims } = yield* VerifiedClaims
    return HttpServerResponse.jsonUnsafe({ ok: true, sub: claims.sub })
  }),
).pipe(
  Layer.provide(stepUpMiddleware({ requirement: { acr_values: ['phrh'], max_age: 300 } }).layer),
)

export const App = Transfers.pipe(
  Layer.provide(
    AccessTokenVerifier.jwt({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks: new URL('https://as.example.com/jwks'),
    }),
  ),
)
// --- end of README example ---

const disposers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(disposers.splice(0).map((d) => d()))
})

/** Serve an app layer with `HttpRouter.toWebHandler`; requests go to http://localhost. */
function serve<E, R>(app: Layer.Layer<never, E, R>) {
  const { handler, dispose } = HttpRouter.toWebHandler(
    app.pipe(Layer.provide(HttpServer.layerServices)) as never,
    { disableLogger: true },
  ) as { handler: (r: Request) => Promise<Response>; dispose: () => Promise<void> }
  disposers.push(dispose)
  return (path: string, init: RequestInit = {}) =>
    handler(new Request(`http://localhost${path}`, init))
}

describe('README example', () => {
  it('runs with the test verifier in place of the JWT one', async () => {
    const now = Math.floor(Date.now() / 1000)
    const fetch = serve(
      Transfers.pipe(
        Layer.provide(
          AccessTokenVerifier.test({
            strong: { sub: 'alice', acr: 'phrh', auth_time: now - 10 },
            weak: { sub: 'bob', acr: 'phr', auth_time: now - 10 },
          }),
        ),
      ),
    )
    const post = (token: string) =>
      fetch('/transfers', { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    const ok = await post('strong')
    expect(await ok.json()).toEqual({ ok: true, sub: 'alice' })
    const stepUp = await post('weak')
    expect(stepUp.status).toBe(401)
    expect(stepUp.headers.get('www-authenticate')).toContain('acr_values="phrh"')
  })
})

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

describe('README recipes', () => {
  it('any valid token: the middleware without a requirement', async () => {
    // --- README recipe: any valid token ---
    const Me = HttpRouter.add(
      'GET',
      '/me',
      Effect.gen(function* () {
        const { claims } = yield* VerifiedClaims
        return HttpServerResponse.jsonUnsafe({ sub: claims.sub, scopes: claims.scopes })
      }),
    ).pipe(Layer.provide(stepUpMiddleware({ realm: 'bank' }).layer))
    // --- end of README recipe ---

    const fetch = serve(
      Me.pipe(
        Layer.provide(
          AccessTokenVerifier.jwt({
            issuer: 'https://as.example.com',
            audience: 'https://api.example.com',
            jwks,
          }),
        ),
      ),
    )
    const anonymous = await fetch('/me')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
    expect(await anonymous.text()).toBe('')
    const forged = await fetch('/me', { headers: { authorization: 'Bearer not.a.token' } })
    expect(forged.status).toBe(401)
    expect(await forged.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
    const ok = await fetch('/me', {
      headers: { authorization: `Bearer ${await token({ scope: 'accounts:read' })}` },
    })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'alice', scopes: ['accounts:read'] })
  })

  it('a risk policy with RAR coverage: the registry on the verifier and as a service', async () => {
    // --- README recipe: risk policy with RAR coverage (with a local key set) ---
    // The detail types this API understands, in one registry for every part that reads details.
    const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])

    const Transfers = HttpRouter.add(
      'POST',
      '/transfers',
      Effect.gen(function* () {
        const { decision } = yield* VerifiedClaims
        return HttpServerResponse.jsonUnsafe({ fired: decision.fired }, { status: 201 })
      }),
    ).pipe(Layer.provide(stepUpMiddleware({ requirement: RiskPolicy, realm: 'bank' }).layer))

    const TransfersApp = Transfers.pipe(
      Layer.provide(
        Layer.mergeAll(
          AccessTokenVerifier.jwt({
            issuer: 'https://as.example.com',
            audience: 'https://api.example.com',
            jwks,
            authorizationDetailsRegistry: registry, // parses the token's authorization_details claim
          }),
          // parses the body's authorization_details (400 if invalid) and decides coverage
          Layer.succeed(AuthorizationDetailsRegistry, registry),
          // the rules; the middleware hands them the registry service above
          RiskPolicy.layer([
            amountThreshold({
              type: 'urn:bank:params:oauth:request:transaction',
              thresholds: [
                { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
                { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
              ],
            }),
          ]),
        ),
      ),
    )
    // --- end of README recipe ---

    const fetch = serve(TransfersApp)
    const post = (bearer: string, body: unknown, type = 'application/json') =>
      fetch('/transfers', transferRequest(bearer, body, type))

    const recipe = { post, token, paid: (_amount: string, fired: readonly string[]) => ({ fired }) }
    const { strong } = await runTransferRecipe(recipe)
    await expectGuardReadsBody(recipe, strong)
  })
})
