import { Effect, Layer } from 'effect'
import { HttpRouter, HttpServer, HttpServerResponse } from 'effect/http'
import { describe, expect, it } from 'vitest'
import { AccessTokenVerifier, stepUpMiddleware, VerifiedClaims } from '../src/index.ts'

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

describe('README example', () => {
  it('runs with the test verifier in place of the JWT one', async () => {
    const now = Math.floor(Date.now() / 1000)
    const TestApp = Transfers.pipe(
      Layer.provide(
        AccessTokenVerifier.test({
          strong: { sub: 'alice', acr: 'phrh', auth_time: now - 10 },
          weak: { sub: 'bob', acr: 'phr', auth_time: now - 10 },
        }),
      ),
      Layer.provide(HttpServer.layerServices),
    )
    const { handler, dispose } = HttpRouter.toWebHandler(TestApp, { disableLogger: true })
    const post = (token: string) =>
      handler(
        new Request('http://localhost/transfers', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        }),
      )
    const ok = await post('strong')
    expect(await ok.json()).toEqual({ ok: true, sub: 'alice' })
    const stepUp = await post('weak')
    expect(stepUp.status).toBe(401)
    expect(stepUp.headers.get('www-authenticate')).toContain('acr_values="phrh"')
    await dispose()
  })
})
