import type { StepUpAuth, StepUpGuard, StepUpGuardOptions, StepUpOutcome } from '@stepup/assurance'
import { createStepUpGuard, readRequestBody } from '@stepup/assurance'

/**
 * The options of {@link withStepUp} and {@link evaluateRequest}: `verify`, `requirement`, `realm`,
 * `resourceMetadata`, `acrRegistry`, `authorizationDetailsRegistry`, `dpop`, `exposeChallenge`,
 * `onDecision`, …
 *
 * @example
 * ```ts
 * const result = await evaluateRequest(request, { verify, requirement: { acr_values: ['phr'], max_age: 300 } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type StepUpOptions = StepUpGuardOptions<Request>

const guards = new WeakMap<StepUpOptions, StepUpGuard<Request>>()

const view = (request: Request) => ({
  method: request.method,
  url: request.url,
  headers: request.headers,
  // Read from a clone, within the limit, leaving the request's own body to the handler.
  body: (limit: number) =>
    readRequestBody(request.headers.get('content-type'), request.clone().body, limit),
})

/**
 * Verifies the access token of a web-standard `Request` and decides: `{ ok: true, auth }` or the
 * failure to send (`status`, `headers`, JSON `body`), for frameworks that build their own responses.
 *
 * @example
 * ```ts
 * const result = await evaluateRequest(request, { verify, requirement: { scope: ['read'] } })
 * if (!result.ok) return Response.json(result.body, result)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function evaluateRequest(request: Request, options: StepUpOptions): Promise<StepUpOutcome> {
  let guard = guards.get(options)
  if (!guard) {
    guard = createStepUpGuard(options, 'evaluateRequest')
    guards.set(options, guard)
  }
  return guard(view(request), request)
}

/**
 * Wraps a `(request, auth) => Response` handler so it runs only once the request's access token
 * meets the requirement, and otherwise answers with the status, `WWW-Authenticate` and JSON body.
 *
 * @example
 * ```ts
 * export const POST = withStepUp((req, auth) => Response.json({ sub: auth.claims.sub }), {
 *   verify,
 *   requirement: { acr_values: ['phr'], max_age: 300 },
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function withStepUp(
  handler: (request: Request, auth: StepUpAuth) => Response | Promise<Response>,
  options: StepUpOptions,
): (request: Request) => Promise<Response> {
  const guard = createStepUpGuard(options, 'withStepUp')
  return async (request) => {
    const outcome = await guard(view(request), request)
    if (outcome.ok) return handler(request, outcome.auth)
    const text = outcome.body ? JSON.stringify(outcome.body) : null
    return new Response(text, { status: outcome.status, headers: outcome.headers })
  }
}
