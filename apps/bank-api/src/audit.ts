import type { StepUpEvent } from '@stepup/assurance'
import { classifyDecision } from '@stepup/assurance/otel'
import type { Logger } from 'pino'

/**
 * The audit log of the operating guide (docs/operating.md): one JSON line per decision, with
 * the outcome label the metrics use, what was asked and held, and why. It picks its fields, so
 * neither the token nor the token's `sub` is ever written.
 */
export const auditDecisions =
  (log: Logger) =>
  (event: StepUpEvent): void => {
    const line = {
      outcome: classifyDecision(event),
      status: event.status,
      error: event.error,
      reason: event.reason,
      reasons: event.reasons?.map((r) => r.code),
      fired: event.fired,
      acr_values: event.acr_values,
      acr: event.acr,
    }
    if (event.status >= 500) log.error({ ...line, err: event.cause }, 'step-up decision')
    else log.info(line, 'step-up decision')
  }
