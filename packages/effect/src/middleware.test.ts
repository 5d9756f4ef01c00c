import { transactionBinding } from '@stepup/assurance'
import { parseWwwAuthenticate } from '@stepup/www-authenticate'
import { Effect, Layer } from 'effect'
import { HttpRouter, HttpServer, HttpServerResponse } from 'effect/http'
import { afterEach, describe, expect, it } from 'vitest'
import { AccessTokenVerifier } from './access-token-verifier.js'
import { AcrRegistry } from './acr-registry.js'
import { ConsumedGrantStore } from './consumed-grant-store.js'
import { evaluate } from './evaluate.js'
import {
  protectedResourceMetadata,
  requireAssurance,
  type StepUpOptions,
  stepUpMiddleware,
  VerifiedClaims,
} from './middleware.js'
import { RiskPolicy } from './risk-policy.js'

const now = () => Math.floor(Date.now() / 1000)
const transfer = [
  { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '10000' } },
]
const Verifier = AccessTokenVerifier.test({
  strong: { sub: 'alice', scope: 'accounts:read', acr: 'phrh', auth_time: now() - 5 },
  weak: { sub: 'bob', scope: 'accounts:read', acr: 'urn:bank:pwd', auth_time: now() - 5 },
  hardware: { sub: 'carol', acr: 'urn:bank:hw', auth_time: now() - 5 },
  bound: { sub: 'dave', acr: 'phrh', auth_time: now() - 5, cnf: { jkt: 'k' } },
  granted: {
    sub: 'erin',
    jti: 'g-1',
    acr: 'phrh',
    auth_time: now() - 5,
    authorization_details: transfer,
  },
})

const hello = VerifiedClaims.useSync(({ claims, decision }) =>
  HttpServerResponse.jsonUnsafe({ sub: claims.sub, fired: decision.fired }),
)

const disposers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(disposers.splice(0).map((d) => d()))
})

function serve<A, E, R>(app: Layer.Layer<A, E, R>) {
  const { handler, dispose } = HttpRouter.toWebHandler(
    app.pipe(Layer.provide(HttpServer.layerServices)) as never,
    { disableLogger: true },
  ) as { handler: (r: Request) => Promise<Response>; dispose: () => Promise<void> }
  disposers.push(dispose)
  return (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers)
    if (init.token) headers.set('authorization', `Bearer ${init.token}`)
    return handler(new Request(`http://localhost${path}`, { ...init, headers }))
  }
}

const guarded = (options: StepUpOptions, path: `/${string}` = '/r') =>
  HttpRouter.add('GET', path, requireAssurance(options)(hello))

describe('requireAssurance', () => {
  it('lets a request through with VerifiedClaims, or answers with the challenge', async () => {
    const fetch = serve(
      guarded({ requirement: { acr_values: ['phrh'] }, realm: 'bank' }).pipe(
        HttpRouter.provideRequest(Verifier),
      ),
    )
    const ok = await fetch('/r', { token: 'strong' })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'alice', fired: [] })

    const denied = await fetch('/r', { token: 'weak' })
    expect(denied.status).toBe(401)
    expect(parseWwwAuthenticate(denied.headers.get('www-authenticate')!)).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'bank',
          error: 'insufficient_user_authentication',
          error_description: 'A different authentication level is required',
          acr_values: 'phrh',
        },
      },
    ])
    expect(await denied.json()).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
    })

    const none = await fetch('/r')
    expect([none.status, none.headers.get('www-authenticate'), await none.text()]).toEqual([
      401,
      'Bearer realm="bank"',
      '',
    ])
  })

  it('refuses a DPoP-bound token presented as Bearer, and unknown tokens, with invalid_token', async () => {
    const fetch = serve(guarded({}).pipe(HttpRouter.provideRequest(Verifier)))
    for (const token of ['bound', 'forged']) {
      const res = await fetch('/r', { token })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({
        error: 'invalid_token',
        error_description: 'The access token is invalid',
      })
    }
  })

  it('takes the requirement as an Effect of the request', async () => {
    const fetch = serve(
      guarded({
        requirement: (request) =>
          Effect.succeed({ max_age: request.url.includes('fresh') ? 0 : 300 }),
      }).pipe(HttpRouter.provideRequest(Verifier)),
    )
    expect((await fetch('/r', { token: 'strong' })).status).toBe(200)
    const fetchFresh = serve(
      HttpRouter.add(
        'GET',
        '/fresh',
        requireAssurance({
          requirement: (r) => Effect.succeed({ max_age: r.url.includes('fresh') ? 0 : 300 }),
        })(hello),
      ).pipe(HttpRouter.provideRequest(Verifier)),
    )
    const stale = await fetchFresh('/fresh', { token: 'strong' })
    expect(stale.status).toBe(401)
    expect(parseWwwAuthenticate(stale.headers.get('www-authenticate')!)[0]?.params.max_age).toBe(
      '0',
    )
  })

  it('uses the AcrRegistry service when it is provided', async () => {
    const route = guarded({ requirement: { acr_values: ['phrh'] } })
    const without = serve(route.pipe(HttpRouter.provideRequest(Verifier)))
    expect((await without('/r', { token: 'hardware' })).status).toBe(401)
    const withRegistry = serve(
      route.pipe(
        HttpRouter.provideRequest(
          Layer.merge(Verifier, AcrRegistry.layer([{ value: 'urn:bank:hw', satisfies: ['phrh'] }])),
        ),
      ),
    )
    expect((await withRegistry('/r', { token: 'hardware' })).status).toBe(200)
  })

  it('refuses unknown options, and options its services provide, when built', () => {
    expect(() => requireAssurance({ relam: 'bank' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'requireAssurance: unknown option "relam" (did you mean "realm"?)',
      }),
    )
    expect(() => requireAssurance({ requirement: { acr_value: ['phr'] } } as never)).toThrow(
      'requirement: unknown option "acr_value" (did you mean "acr_values"?)',
    )
    expect(() => requireAssurance({ verify: async () => ({}) } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }),
    )
  })

  it('runs the RiskPolicy service, marking single-use grants in the ConsumedGrantStore', async () => {
    const Policy = RiskPolicy.layer([
      transactionBinding({ types: ['payment_initiation'], singleUse: true }),
    ])
    const fetch = serve(
      HttpRouter.add(
        'POST',
        '/transfers',
        requireAssurance({ requirement: RiskPolicy })(hello),
      ).pipe(
        HttpRouter.provideRequest(
          Layer.merge(Verifier, Policy.pipe(Layer.provide(ConsumedGrantStore.memory()))),
        ),
      ),
    )
    const send = () =>
      fetch('/transfers', {
        method: 'POST',
        token: 'granted',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ authorization_details: transfer }),
      })
    const first = await send()
    expect(first.status).toBe(200)
    expect((await first.json()).fired).toHaveLength(1)
    const replay = await send()
    expect(replay.status).toBe(403)
    expect((await replay.json()).error).toBe('insufficient_authorization_details')
  })

  it('answers 500 when the RiskPolicy service it names is missing (fails closed)', async () => {
    const fetch = serve(
      HttpRouter.add('GET', '/r', requireAssurance({ requirement: RiskPolicy })(hello)).pipe(
        HttpRouter.provideRequest(Verifier),
      ),
    )
    expect((await fetch('/r', { token: 'strong' })).status).toBe(500)
  })

  it('checks its options when called, with coded TypeErrors', () => {
    expect(() => requireAssurance({ requirement: { max_age: -1 } })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
    expect(() => stepUpMiddleware({ requirement: { acr_values: [] } })).toThrow(TypeError)
  })
})

describe('tagged errors are rendered by the server', () => {
  it('a handler failing with InsufficientUserAuthentication answers 401 with its challenge', async () => {
    const fetch = serve(
      HttpRouter.add(
        'GET',
        '/late',
        Effect.flatMap(VerifiedClaims, ({ claims }) =>
          Effect.as(
            evaluate(claims, { acr_values: ['phrh'], max_age: 0 }),
            HttpServerResponse.empty(),
          ),
        ).pipe(requireAssurance({})),
      ).pipe(HttpRouter.provideRequest(Verifier)),
    )
    const res = await fetch('/late', { token: 'weak' })
    expect(res.status).toBe(401)
    expect(parseWwwAuthenticate(res.headers.get('www-authenticate')!)[0]?.params).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: 'phrh',
      max_age: '0',
    })
  })
})

describe('stepUpMiddleware', () => {
  it('provides VerifiedClaims to the routes it is provided to', async () => {
    const route = HttpRouter.add('GET', '/accounts', hello).pipe(
      Layer.provide(stepUpMiddleware({ requirement: { scope: ['accounts:read'] } }).layer),
      Layer.provide(Verifier),
    )
    const fetch = serve(route)
    expect((await fetch('/accounts', { token: 'strong' })).status).toBe(200)
    const res = await fetch('/accounts', { token: 'hardware' })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toContain('scope="accounts:read"')
  })
})

describe('protectedResourceMetadata', () => {
  it('serves the RFC 9728 document at its well-known path', async () => {
    const fetch = serve(
      protectedResourceMetadata({
        resource: 'https://api.example.com/accounts',
        authorization_servers: ['https://as.example.com'],
      }),
    )
    const res = await fetch('/.well-known/oauth-protected-resource/accounts')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({
      resource: 'https://api.example.com/accounts',
      authorization_servers: ['https://as.example.com'],
    })
  })
})
