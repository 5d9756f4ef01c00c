import type { Attributes, Meter, SpanStatusCode, Tracer } from '@opentelemetry/api'
import { checkOptions, invalidArgument } from '@stepup/internal'

import type { StepUpEvent } from './http.js'

/**
 * Classifies a guard's decision the way the metrics and spans do (their `stepup.outcome`), so logs
 * can use the same label: `allowed` (the route runs), `challenged` (`401` asking the client to
 * authenticate: no credentials, RFC 6750 §3.1, or `insufficient_user_authentication`, RFC 9470
 * §3), `unavailable` (`5xx`: a dependency failed) or `refused` (every other failure: a token,
 * scope, grant, proof or request that a new sign-in does not fix).
 *
 * @example
 * ```ts
 * const onDecision = (event: StepUpEvent) => console.log(classifyDecision(event), event.error)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function classifyDecision(
  event: StepUpEvent,
): 'allowed' | 'challenged' | 'refused' | 'unavailable' {
  if (event.ok) return 'allowed'
  if (event.status >= 500) return 'unavailable'
  const stepUp = event.error === undefined || event.error === 'insufficient_user_authentication'
  return event.status === 401 && stepUp ? 'challenged' : 'refused'
}

const OTEL_OPTIONS: ReadonlySet<string> = new Set([
  'tracer',
  'meter',
  'recordSubject',
  'onDecision',
])
const WHERE = 'createOpenTelemetryDecisionHook'
/** `SpanStatusCode.ERROR`, without loading `@opentelemetry/api` at run time. */
const STATUS_ERROR = 2 as SpanStatusCode.ERROR

/**
 * An `onDecision` hook that records each decision of a guard with OpenTelemetry: a
 * `stepup.decision` span and a `stepup.decisions` counter (unit `{decision}`). Give a `tracer`, a
 * `meter` or both; unknown option keys are refused.
 *
 * The span carries `stepup.outcome` (see {@link classifyDecision}), `http.response.status_code`
 * when the guard answered, `stepup.error` (the OAuth `error` code), `stepup.reasons` (reason
 * codes), `stepup.fired` (the risk rules that applied), `stepup.acr_values` (asked), `stepup.acr`
 * (held) and, for a `503`, `error.type` (the cause's `code`, else its name) with an error status.
 * The counter carries `stepup.outcome`, `stepup.error` and `error.type` only (bounded values). The
 * token is never recorded, nor the subject unless `recordSubject` is `true` (span only).
 *
 * The hook runs when the guard has decided, so the span starts and ends at that moment: it marks
 * the decision inside the request's trace (as a child of the active span, such as the HTTP server
 * span) and does not time the guard. To time it, run the guard inside a span of your own: the
 * decision span becomes its child. What the hook or the telemetry throws is swallowed; then
 * `onDecision`, if given, is called.
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api'
 * import { withStepUp } from '@stepup/fetch'
 * export const POST = withStepUp(() => new Response(null, { status: 201 }), {
 *   verify,
 *   requirement: { acr_values: ['phrh'] },
 *   onDecision: createOpenTelemetryDecisionHook({
 *     tracer: trace.getTracer('bank-api'),
 *     meter: metrics.getMeter('bank-api'),
 *   }),
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function createOpenTelemetryDecisionHook(options: {
  /** Records a `stepup.decision` span per decision, under the span active at that moment. */
  readonly tracer?: Tracer | undefined
  /** Counts decisions in `stepup.decisions` (by `stepup.outcome`, `stepup.error`, `error.type`). */
  readonly meter?: Meter | undefined
  /** Put the token's `sub` on the span as `enduser.id` (default `false`); never on metrics. */
  readonly recordSubject?: boolean | undefined
  /** Your own hook (an audit log), called after the telemetry is recorded. */
  readonly onDecision?: ((event: StepUpEvent) => void) | undefined
}): (event: StepUpEvent) => void {
  checkOptions(options, OTEL_OPTIONS, WHERE)
  const { tracer, meter, recordSubject = false, onDecision } = options ?? {}
  if (tracer === undefined && meter === undefined)
    throw invalidArgument(`${WHERE}: give a tracer, a meter or both`, { code: 'ERR_MISSING_ARGS' })
  if (tracer !== undefined && typeof tracer?.startSpan !== 'function')
    throw invalidArgument(`${WHERE}: tracer must be an OpenTelemetry Tracer`, {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  if (meter !== undefined && typeof meter?.createCounter !== 'function')
    throw invalidArgument(`${WHERE}: meter must be an OpenTelemetry Meter`, {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  if (typeof recordSubject !== 'boolean')
    throw invalidArgument(`${WHERE}: recordSubject must be true or false`, {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  if (onDecision !== undefined && typeof onDecision !== 'function')
    throw invalidArgument(`${WHERE}: onDecision must be a function`, {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  const decisions = meter?.createCounter('stepup.decisions', {
    description: 'Decisions of the step-up guard, by outcome and OAuth error code',
    unit: '{decision}',
  })

  const record = (event: StepUpEvent): void => {
    const outcome = classifyDecision(event)
    const errorType = outcome === 'unavailable' ? causeType(event.cause) : undefined
    const counted: Attributes = {
      'stepup.outcome': outcome,
      ...(event.error !== undefined && { 'stepup.error': event.error }),
      ...(errorType !== undefined && { 'error.type': errorType }),
    }
    decisions?.add(1, counted)
    if (!tracer) return
    const span = tracer.startSpan('stepup.decision', {
      attributes: {
        ...counted,
        ...(!event.ok && { 'http.response.status_code': event.status }),
        ...(nonEmpty(event.reasons) && { 'stepup.reasons': event.reasons.map((r) => r.code) }),
        ...(nonEmpty(event.fired) && { 'stepup.fired': [...event.fired] }),
        ...(nonEmpty(event.acr_values) && { 'stepup.acr_values': [...event.acr_values] }),
        ...(event.acr !== undefined && { 'stepup.acr': event.acr }),
        ...(recordSubject && event.sub !== undefined && { 'enduser.id': event.sub }),
      },
    })
    if (errorType !== undefined) span.setStatus({ code: STATUS_ERROR, message: errorType })
    span.end()
  }

  return (event) => {
    try {
      record(event)
    } catch {
      // Telemetry that fails must not change the answer, nor keep the app's own hook from running.
    }
    onDecision?.(event)
  }
}

const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] =>
  list !== undefined && list.length > 0

/** A bounded label for what failed: a `code` such as `ERR_GRANT_STORE_UNAVAILABLE`, else a name. */
function causeType(cause: unknown): string {
  const code = (cause as { code?: unknown } | null | undefined)?.code
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return code
  const name = cause instanceof Error ? cause.name : undefined
  return name && /^[A-Za-z][\w.]{0,63}$/.test(name) ? name : '_OTHER'
}
