import type { AcrRegistry } from '@stepup/acr'
import { checkOptions, invalidArgument } from '@stepup/internal'
import type { AuthorizationDetail } from '@stepup/rar'
import type { AccessTokenClaims, AuthorizationDetailsRegistryLike } from './claims.js'
import { type ConsumedGrantStore, createMemoryConsumedGrantStore } from './consumed-grant-store.js'
import { check } from './errors.js'
import {
  type AssuranceRequirement,
  type AssuranceResult,
  type EvaluateAssuranceOptions,
  evaluateAssurance,
  fail,
} from './evaluate.js'
import { canonicalJson, mergeRequirements } from './merge.js'
import { normalizePath } from './request-input.js'
import { sha256 } from './token-cache.js'
import { epochNow, positive } from './verifier.js'

/**
 * What a risk rule sees: the verified claims, the request, the parsed `authorization_details` of
 * the request body (if any), app-supplied signals (device, IP reputation, amount…) and the time.
 *
 * @example
 * ```ts
 * const { requirement, fired } = await policy.decide({
 *   claims,
 *   request: { method: 'POST', url: '/transfers', headers: request.headers },
 *   details: registry.parse(body.authorization_details),
 *   signals: { newDevice: true },
 * })
 * ```
 */
export interface RiskContext {
  /** The verified claims of the access token. */
  readonly claims: AccessTokenClaims
  /** The request: method, target, normalised path and headers. */
  readonly request: {
    readonly method: string
    /** The request target, origin-form or absolute. */
    readonly url: string
    /**
     * The path as rules compare it, RFC 3986 §6.2.2 normalised (dot segments resolved, unreserved
     * escapes decoded, `//` collapsed: `//admin/./%61` reads as `/admin/a`). Leave it out:
     * `decide` sets it from `url` before the rules run (a target that is not origin-form or
     * absolute, or has a bad `%` escape, throws `InvalidRequestError`), so a rule can read it.
     */
    readonly path?: string
    readonly headers?: Headers | Readonly<Record<string, string | readonly string[] | undefined>>
  }
  /** The `authorization_details` of the request body, parsed by the registry. */
  readonly details?: readonly AuthorizationDetail[]
  /** App-supplied signals (device, IP reputation, …), from the `signals` option. */
  readonly signals?: Readonly<Record<string, unknown>>
  /** Epoch seconds (default the system clock). */
  readonly now?: number
}

/**
 * A partial requirement from one rule; `singleUse` asks that the grant covering the request's
 * `authorization_details` serve this request only.
 *
 * @example
 * ```ts
 * createRiskPolicy([{ name: 'large-transfer', evaluate: () => ({ acr_values: ['phrh'], max_age: 60, singleUse: true }) }])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface RiskRequirement extends AssuranceRequirement {
  readonly singleUse?: boolean
}

/**
 * A named rule: returns the partial requirement it imposes, or nothing when it does not fire.
 *
 * @example
 * ```ts
 * const policy = createRiskPolicy([{
 *   name: 'admin-area',
 *   evaluate: ({ request }) => (request.url.startsWith('/admin') ? { acr_values: ['phrh'] } : undefined),
 * }])
 * ```
 */
export interface RiskRule {
  /** The name reported in `fired` when the rule applies. */
  readonly name: string
  /** The partial requirement it imposes on this request, or `undefined` when it does not fire. */
  evaluate(context: RiskContext): RiskRequirement | undefined | Promise<RiskRequirement | undefined>
}

/**
 * The explainable outcome of a policy's `decide`: the merged requirement, the names of the rules
 * that fired (in rule order), whether the grant is single-use, and the {@link evaluateAssurance}
 * result of the token against that requirement (the grant consumed when single-use).
 *
 * @example
 * ```ts
 * const { requirement, fired, result } = await policy.decide(context) // fired: ['large-transfer']
 * ```
 */
export interface RiskAssessment {
  /** The requirements of the rules that fired, merged into the strictest. */
  readonly requirement: AssuranceRequirement
  /** The names of the rules that fired, in rule order. */
  readonly fired: readonly string[]
  /** Whether the grant covering the request serves this request only. */
  readonly singleUse: boolean
  /** The {@link evaluateAssurance} result of the token against `requirement`. */
  readonly result: AssuranceResult
}

/** What the rules ask for, before the token is evaluated against it. */
type RiskDecision = Omit<RiskAssessment, 'result'>

/** Marks the policies {@link createRiskPolicy} made; only it adds to the set. */
const POLICIES = new WeakSet<object>()

declare const RISK_POLICY: unique symbol

/**
 * A risk policy made by {@link createRiskPolicy}: a frozen object whose `decide` computes the
 * requirement of a request from its rules, evaluates the token against it and consumes a
 * single-use grant. Only `createRiskPolicy` makes one: the guard tells a policy from a
 * requirement object by that, never by its shape, so an object that merely has a `decide` method
 * is not a policy.
 *
 * @example
 * ```ts
 * const { result, fired } = await policy.decide({ claims, request, details })
 * ```
 */
export interface RiskPolicy {
  readonly [RISK_POLICY]: true
  decide(context: RiskContext, options?: EvaluateAssuranceOptions): Promise<RiskAssessment>
}

/**
 * Whether `value` is a policy {@link createRiskPolicy} made (the guard tells a policy from a
 * requirement object this way, never by its shape).
 */
export function isRiskPolicy(value: unknown): value is RiskPolicy {
  return typeof value === 'object' && value !== null && POLICIES.has(value)
}

const POLICY_OPTIONS: ReadonlySet<string> = new Set([
  'acrRegistry',
  'authorizationDetailsRegistry',
  'grants',
  'grantTtl',
])

/**
 * The key under which a single-use grant is marked: SHA-256 (hex) over the issuer, the token's
 * `jti` (or, lacking one, all its claims) and the canonical JSON of its `authorization_details`
 * (RFC 9396 §6).
 */
export function grantKey(claims: AccessTokenClaims): Promise<string> {
  return sha256(
    [
      claims.iss,
      claims.jti ?? canonicalJson(claims.raw),
      canonicalJson(claims.authorization_details ?? []),
    ].join('\0'),
  )
}

/**
 * Creates a risk policy from named rules: every rule sees the context, the partial requirements of
 * those that fire merge into the strictest (minimum `max_age`, union of `scope`, each
 * `authorization_details` entry once, the `acr_values` that satisfy every listed set, in the acr
 * registry's order; none satisfying them all throws `ERR_ACR_CONFLICT` when `decide` runs), and the
 * decision lists which rules fired.
 *
 * Rules asking for `singleUse` make `decide` mark the token's grant in the {@link
 * ConsumedGrantStore}; a second use is refused with `insufficient_authorization_details`.
 *
 * @example
 * ```ts
 * const policy = createRiskPolicy([
 *   amountThreshold({ type: 'payment_initiation', thresholds: [
 *     { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
 *     { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
 *   ] }),
 *   newDevice(),
 * ])
 * const { result, fired } = await policy.decide({ claims, request, details, signals })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function createRiskPolicy(
  rules: readonly RiskRule[],
  options: {
    /** Orders and intersects `acr_values` (default: the built-in classes). */
    readonly acrRegistry?: AcrRegistry
    /**
     * The `@stepup/rar` registry `decide` compares details with (its types' `covers`, e.g. "amount
     * no larger than granted"); without it the conservative default comparison applies.
     */
    readonly authorizationDetailsRegistry?: AuthorizationDetailsRegistryLike
    /** Where single-use grants are marked (default: in memory, this process only). */
    readonly grants?: ConsumedGrantStore
    /** Seconds a consumed mark lives when the token has no `exp` (default 86400). */
    readonly grantTtl?: number
  } = {},
): RiskPolicy {
  checkOptions(options, POLICY_OPTIONS, 'createRiskPolicy')
  check(Array.isArray(rules), 'rules')
  // Every rule needs a unique non-empty name (it is what `fired` reports) and an evaluate function.
  const names = new Set(rules.map((r) => r?.name))
  check(
    names.size === rules.length &&
      rules.every((r) => typeof r?.name === 'string' && r.name && typeof r.evaluate === 'function'),
    'rules',
  )
  const {
    acrRegistry,
    authorizationDetailsRegistry,
    grants = createMemoryConsumedGrantStore(),
    grantTtl = 86_400,
  } = options
  positive(grantTtl, 'grantTtl')
  const requirementOf = async (given: RiskContext): Promise<RiskDecision> => {
    const { request } = given
    // Rules read `request.path`; a caller of `decide` may pass only `url` (the guard sets both).
    if (typeof request.url !== 'string') {
      throw invalidArgument('decide: request.url must be a string', {
        code: 'ERR_INVALID_ARG_TYPE',
      })
    }
    const context =
      request.path === undefined
        ? { ...given, request: { ...request, path: normalizePath(request.url) } }
        : given
    const parts = await Promise.all(rules.map((r) => r.evaluate(context)))
    const fire = parts.filter((p) => p !== undefined)
    const fired = rules.filter((_, i) => parts[i] !== undefined).map((r) => r.name)
    return {
      requirement: mergeRequirements(fire, { ...(acrRegistry && { acrRegistry }), names: fired }),
      fired,
      singleUse: fire.some((p) => p.singleUse === true),
    }
  }
  const policy = Object.freeze({
    async decide(
      context: RiskContext,
      evaluate: EvaluateAssuranceOptions = {},
    ): Promise<RiskAssessment> {
      const decision = await requirementOf(context)
      const now = evaluate.now ?? context.now ?? epochNow()
      const o = {
        ...(acrRegistry && { acrRegistry }),
        ...(authorizationDetailsRegistry && { authorizationDetailsRegistry }),
        ...evaluate,
        now,
      }
      const result = evaluateAssurance(context.claims, decision.requirement, o)
      if (!result.ok || !decision.singleUse) return { ...decision, result }
      const { claims } = context
      const ttl =
        claims.exp === undefined
          ? grantTtl
          : Math.max(1, Math.ceil(claims.exp - now + (o.clockTolerance ?? 0)))
      if (await grants.add(await grantKey(claims), ttl)) return { ...decision, result }
      const error = 'insufficient_authorization_details'
      const challenge = {
        error,
        error_description: 'The authorization for this transaction has already been used',
        ...(decision.requirement.authorization_details && {
          authorization_details: decision.requirement.authorization_details,
        }),
      }
      return {
        ...decision,
        result: fail(error, challenge, [{ rule: 'grant', code: 'grant_consumed' }], o),
      }
    },
  }) as RiskPolicy
  POLICIES.add(policy)
  return policy
}
