import {
  createStepUpGuard,
  type HttpRequestView,
  type RequirementSource,
  readRequestBody,
  type StepUpAuth,
  type StepUpGuard,
  type StepUpGuardOptions,
} from '@stepup/assurance'
import { invalidArgument } from '@stepup/internal'
import type { Context, Env, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { StatusCode } from 'hono/utils/http-status'

/**
 * The Hono environment the middleware adds to a route, in which `c.get('auth')` (and
 * `c.var.auth`) is the verified token, its claims and the decision.
 *
 * Give it to `new Hono<StepUpEnv>()` when an app-wide `app.use(requireAssurance())` guards routes
 * declared apart from it.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * const app = new Hono<StepUpEnv>()
 * app.get('/me', (c) => c.json({ sub: c.get('auth').claims.sub }))
 * ```
 */
export type StepUpEnv = { Variables: { auth: StepUpAuth } }

/**
 * The options of {@link stepUp}, shared by every route it guards: `verify`, `realm`,
 * `resourceMetadata`, `acrRegistry`, `authorizationDetailsRegistry`, `signals`, `bodyLimit`, `dpop`,
 * `exposeChallenge`, `onDecision`, … The functions among them get the Hono `Context` (typed
 * with your app's `E`: `c.env`, `c.req.param()`). The requirement is per route, the argument of
 * the function `stepUp()` returns.
 *
 * @example
 * ```ts
 * const requireAssurance = stepUp({ verify, realm: 'bank', signals: (c) => ({ newDevice: !c.req.header('x-device') }) })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type StepUpOptions<E extends Env = Env> = Omit<StepUpGuardOptions<Context<E>>, 'requirement'>

/**
 * The function {@link stepUp} returns: a route's requirement in, a Hono middleware out, which
 * sets `c.get('auth')` or answers the failure. Without an argument, any token the verifier
 * accepts passes.
 *
 * @example
 * ```ts
 * const requireAssurance = stepUp({ verify })
 * app.post('/transfers', requireAssurance({ acr_values: ['phr'], max_age: 300 }), (c) => c.body(null, 201))
 * ```
 */
export type RequireAssurance<E extends Env = Env> = (
  /**
   * A fixed requirement (`{}` or nothing: any valid token), a function of the context computing
   * one for each request (may be async; a throw is a 503), or a policy made by `createRiskPolicy`.
   */
  requirement?: RequirementSource<Context<E>>,
) => MiddlewareHandler<StepUpEnv>

/**
 * The request as the guard reads it. The body is read only when a decision needs it, from a
 * clone of the raw `Request` within the limit, so the handler (or a validator after the guard)
 * still reads it; if a middleware before the guard read it through Hono (`c.req.json()`, a
 * validator), from Hono's copy.
 */
const view = (c: Context): HttpRequestView => ({
  method: c.req.method,
  url: c.req.url,
  headers: c.req.raw.headers,
  body: async (limit: number) => {
    const raw = c.req.raw
    const stream = raw.bodyUsed ? new Response(await c.req.arrayBuffer()).body : raw.clone().body
    return readRequestBody(raw.headers.get('content-type'), stream, limit)
  },
})

const middleware = (guard: StepUpGuard<Context>): MiddlewareHandler<StepUpEnv> =>
  createMiddleware<StepUpEnv>(async (c, next) => {
    const outcome = await guard(view(c), c)
    if (!outcome.ok) {
      const text = outcome.body ? JSON.stringify(outcome.body) : null
      // Through the context, so headers set by earlier middleware (CORS, a request id) are kept.
      return c.newResponse(text, outcome.status as StatusCode, outcome.headers)
    }
    c.set('auth', outcome.auth)
    return next()
  })

/**
 * Creates the Hono step-up middleware factory: give the options every route shares, get back
 * `requireAssurance(requirement | fn | policy)`, which makes each route's middleware.
 *
 * It extracts
 * the token (RFC 6750 §2), verifies it, decides, and either sets `c.get('auth')` and calls the
 * route, or answers as the other `@stepup` adapters do: the status, `WWW-Authenticate` and a JSON
 * body (RFC 6750 §3, RFC 9470 §3), `400 invalid_request` for a body a policy cannot read, `503`
 * without a challenge when a dependency fails. Options and requirements are checked when the
 * middleware is made: unknown keys throw a `TypeError` coded `ERR_UNKNOWN_OPTION`.
 *
 * @example
 * ```ts
 * const requireAssurance = stepUp({ verify, realm: 'bank' })
 * app.get('/me', requireAssurance(), (c) => c.json({ sub: c.get('auth').claims.sub }))
 * app.post('/transfers', requireAssurance({ acr_values: ['phr'], max_age: 300 }), (c) =>
 *   c.json({ acr: c.get('auth').claims.acr }, 201),
 * )
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function stepUp<E extends Env = Env>(options: StepUpOptions<E>): RequireAssurance<E> {
  if (typeof options !== 'object' || options === null)
    throw invalidArgument('stepUp: options must be an object', { code: 'ERR_INVALID_ARG_TYPE' })
  if ('requirement' in options)
    throw invalidArgument(
      `stepUp: "requirement" goes to each route's requireAssurance(), not to stepUp()`,
      { code: 'ERR_UNKNOWN_OPTION' },
    )
  const shared = options as StepUpGuardOptions<Context>
  // Checks the options now; it also serves every route that asks for any valid token.
  const anyToken = middleware(createStepUpGuard(shared, 'stepUp'))
  return ((requirement?: RequirementSource<Context>) => {
    if (requirement === undefined) return anyToken
    return middleware(
      createStepUpGuard(
        { ...shared, requirement: requirement as RequirementSource<Context> },
        'requireAssurance',
      ),
    )
  }) as RequireAssurance<E>
}
