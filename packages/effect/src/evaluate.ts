import {
  type AssuranceClaimsInput,
  type AssuranceRequirement,
  type EvaluateAssuranceOptions,
  evaluateAssurance,
} from '@stepup/assurance'
import * as Clock from 'effect/Clock'
import * as Effect from 'effect/Effect'
import * as Option from 'effect/Option'
import { AcrRegistry } from './acr-registry.js'
import { AuthorizationDetailsRegistry } from './authorization-details-registry.js'
import { type DecisionTag, fromAssuranceFailure, type StepUpAuthError } from './errors.js'

type Resolved = EvaluateAssuranceOptions & { readonly now: number }

/** The evaluation options with the registries in context and the time from Effect's `Clock`. */
export const evaluationOptions = (
  options: Omit<EvaluateAssuranceOptions, 'acrRegistry' | 'authorizationDetailsRegistry'>,
): Effect.Effect<Resolved> =>
  Effect.map(
    Effect.all([
      Effect.serviceOption(AcrRegistry),
      Effect.serviceOption(AuthorizationDetailsRegistry),
      options.now === undefined ? Clock.currentTimeMillis : Effect.succeed(options.now * 1000),
    ]),
    ([acr, details, millis]) => ({
      ...options,
      ...(Option.isSome(acr) && { acrRegistry: acr.value }),
      ...(Option.isSome(details) && { authorizationDetailsRegistry: details.value }),
      now: options.now ?? millis / 1000,
    }),
  )

/**
 * Runs `evaluateAssurance` as an Effect that succeeds with the claims when they meet the
 * requirement, or fails with a {@link StepUpAuthError} whose reason is the decision (same status,
 * challenge, header and audit reasons).
 *
 * Uses the {@link AcrRegistry} and {@link AuthorizationDetailsRegistry} services when provided and
 * Effect's `Clock` for the time (so `TestClock` freezes it). A malformed requirement is a defect.
 *
 * @example
 * ```ts
 * import { Effect } from 'effect'
 *
 * const program = Effect.gen(function* () {
 *   const claims = yield* evaluate({ acr: 'phr', auth_time: 1_700_000_000 }, { acr_values: ['phrh'] })
 *   return claims.acr
 * }).pipe(
 *   Effect.catchReason('StepUpAuthError', 'InsufficientUserAuthentication', (e) => Effect.succeed(e.challenge)),
 * )
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export const evaluate = <C extends AssuranceClaimsInput>(
  claims: C,
  requirement: AssuranceRequirement,
  options: Omit<EvaluateAssuranceOptions, 'acrRegistry' | 'authorizationDetailsRegistry'> = {},
): Effect.Effect<C, StepUpAuthError<DecisionTag>> =>
  Effect.flatMap(evaluationOptions(options), (o) => {
    const result = evaluateAssurance(claims, requirement, o)
    return result.ok ? Effect.succeed(result.claims) : Effect.fail(fromAssuranceFailure(result))
  })
