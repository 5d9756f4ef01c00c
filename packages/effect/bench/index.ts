import { createStepUpGuard, evaluateAssurance, parseAccessTokenClaims } from '@stepup/assurance'
import { AccessTokenVerifier, evaluate, stepUpMiddleware, VerifiedClaims } from '@stepup/effect'
import { compare } from 'bench-kit'
import { Effect, Layer } from 'effect'
import { HttpRouter, HttpServer, HttpServerResponse } from 'effect/http'

const NOW = Math.floor(Date.now() / 1000)
const raw = { sub: 'alice', scope: 'accounts:read', acr: 'phrh', auth_time: NOW - 5 }
const claims = parseAccessTokenClaims(raw)
const requirement = { acr_values: ['phr'], max_age: 300, scope: ['accounts:read'] }

await compare(
  'evaluate (allow path)',
  [
    {
      name: 'evaluateAssurance (core, the floor)',
      fn: () => evaluateAssurance(claims, requirement, { now: NOW }),
    },
    {
      name: 'evaluate (Effect.runSync)',
      fn: () => Effect.runSync(evaluate(claims, requirement, { now: NOW })),
    },
  ],
  { baseline: 'evaluateAssurance (core, the floor)' },
)

const guard = createStepUpGuard<Request>({ verify: async () => claims, requirement })
const viewOf = (r: Request) => ({
  method: r.method,
  url: r.url,
  headers: r.headers,
  body: () => undefined,
})
const App = HttpRouter.add(
  'GET',
  '/accounts',
  VerifiedClaims.useSync(({ claims: c }) => HttpServerResponse.jsonUnsafe({ sub: c.sub })),
).pipe(
  Layer.provide(stepUpMiddleware({ requirement }).layer),
  Layer.provide(AccessTokenVerifier.test({ token: raw })),
  Layer.provide(HttpServer.layerServices),
)
const bare = HttpRouter.add(
  'GET',
  '/accounts',
  HttpServerResponse.jsonUnsafe({ sub: 'alice' }),
).pipe(Layer.provide(HttpServer.layerServices))
const guarded = HttpRouter.toWebHandler(App, { disableLogger: true })
const open = HttpRouter.toWebHandler(bare, { disableLogger: true })
const request = () =>
  new Request('http://localhost/accounts', { headers: { authorization: 'Bearer token' } })

await compare(
  'one request through HttpRouter.toWebHandler (no network)',
  [
    { name: 'Effect router, no auth', fn: () => open.handler(request()) },
    {
      name: 'guard of @stepup/assurance + Response (what @stepup/fetch does)',
      fn: async () => {
        const r = request()
        const outcome = await guard(viewOf(r), r)
        return outcome.ok ? Response.json({ sub: outcome.auth.claims.sub }) : null
      },
    },
    { name: 'Effect router + stepUpMiddleware', fn: () => guarded.handler(request()) },
  ],
  { baseline: 'Effect router, no auth' },
)
await Promise.all([guarded.dispose(), open.dispose()])
