import type { EvaluateAssuranceOptions } from '@stepup/assurance'
import {
  type RiskPolicy as CoreRiskPolicy,
  createRiskPolicy,
  type RiskAssessment,
  type RiskContext,
  type RiskRule,
} from '@stepup/assurance'
import * as Context from 'effect/Context'
import * as Effect from 'effect/Effect'
import * as Layer from 'effect/Layer'
import * as Option from 'effect/Option'
import { AcrRegistry } from './acr-registry.js'
import { ConsumedGrantStore, toCoreStore } from './consumed-grant-store.js'
import { type DecisionTag, fromAssuranceFailure, type StepUpAuthError } from './errors.js'
import { evaluationOptions } from './evaluate.js'

const RiskPolicyBase: Context.ServiceClass<
  RiskPolicy,
  '@stepup/effect/RiskPolicy',
  CoreRiskPolicy
> = /*#__PURE__*/ Context.Service<RiskPolicy, CoreRiskPolicy>()('@stepup/effect/RiskPolicy')

/**
 * A `@stepup/assurance` risk policy as a service: named rules over the claims, the request, the
 * request's `authorization_details` and app signals, merged to the strictest requirement. Give it
 * to the middleware as `requirement: RiskPolicy`, or run it with `RiskPolicy.decide(context)`.
 *
 * @example
 * ```ts
 * const PolicyLive = RiskPolicy.layer([
 *   amountThreshold({ type: 'payment_initiation', thresholds: [{ atLeast: '1000', acr_values: ['phr'], max_age: 300 }] }),
 * ])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export class RiskPolicy extends RiskPolicyBase {
  /**
   * Build a policy from rules (checked now, with coded `TypeError`s), using the
   * {@link AcrRegistry} and {@link ConsumedGrantStore} services when they are provided.
   */
  static layer(
    rules: readonly RiskRule[],
    options: { readonly grantTtl?: number } = {},
  ): Layer.Layer<RiskPolicy> {
    createRiskPolicy(rules, options)
    return Layer.effect(
      RiskPolicy,
      Effect.map(
        Effect.all([Effect.serviceOption(AcrRegistry), Effect.serviceOption(ConsumedGrantStore)]),
        ([acr, grants]) =>
          createRiskPolicy(rules, {
            ...options,
            ...(Option.isSome(acr) && { acrRegistry: acr.value }),
            ...(Option.isSome(grants) && { grants: toCoreStore(grants.value) }),
          }),
      ),
    )
  }

  /** Provide an existing `createRiskPolicy` result. */
  static fromPolicy(policy: CoreRiskPolicy): Layer.Layer<RiskPolicy> {
    return Layer.succeed(RiskPolicy, policy)
  }

  /**
   * Runs the policy's `decide` for a request and evaluates the token against the merged
   * requirement (consuming a single-use grant): the explainable assessment (which rules fired,
   * the requirement), or a {@link StepUpAuthError} whose reason is the refused decision.
   *
   * Uses the {@link AcrRegistry} and {@link AuthorizationDetailsRegistry} services when provided
   * and Effect's `Clock` for the time, as {@link evaluate} does.
   *
   * @example
   * ```ts
   * const { requirement, fired } = yield* RiskPolicy.decide({ claims, request: { method: 'POST', url: '/transfers' }, details })
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
   */
  static decide(
    context: RiskContext,
    options: Omit<EvaluateAssuranceOptions, 'acrRegistry' | 'authorizationDetailsRegistry'> = {},
  ): Effect.Effect<RiskAssessment, StepUpAuthError<DecisionTag>, RiskPolicy> {
    return Effect.flatMap(
      Effect.all([
        RiskPolicy,
        evaluationOptions({ ...options, ...(context.now !== undefined && { now: context.now }) }),
      ]),
      ([policy, o]) =>
        Effect.flatMap(
          Effect.promise(() => policy.decide({ ...context, now: o.now }, o)),
          (assessment) =>
            assessment.result.ok
              ? Effect.succeed(assessment)
              : Effect.fail(fromAssuranceFailure(assessment.result)),
        ),
    )
  }
}
