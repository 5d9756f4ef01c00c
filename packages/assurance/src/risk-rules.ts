import { type AuthorizationDetail, compareDecimalStrings } from '@stepup/rar'
import { argumentError } from './errors.js'
import { checkRequirement } from './evaluate.js'
import type { RiskRequirement, RiskRule } from './risk-policy.js'
import { epochNow, positive } from './verifier.js'

const DECIMAL = /^\d{1,30}(\.\d{1,30})?$/

function checked<T extends RiskRequirement>(r: T, where: string): T {
  try {
    checkRequirement(r)
  } catch (e) {
    throw argumentError(`${where}: ${(e as Error).message}`)
  }
  return r
}

/**
 * One step of {@link amountThreshold}: from `atLeast` (a decimal string), require this.
 *
 * @example
 * ```ts
 * const step: AmountThreshold = { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export interface AmountThreshold extends Omit<RiskRequirement, 'authorization_details'> {
  readonly atLeast: string
}

/**
 * Options of {@link amountThreshold}.
 *
 * @example
 * ```ts
 * const options: AmountThresholdOptions = {
 *   type: 'payment_initiation',
 *   thresholds: [{ atLeast: '1000', acr_values: ['phr'], max_age: 300 }],
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export interface AmountThresholdOptions {
  /** The authorization details `type` whose amount is read. */
  readonly type: string
  readonly thresholds: readonly AmountThreshold[]
  /**
   * Reads the amount of a detail (default: `instructedAmount.amount` as in RFC 9396's
   * `payment_initiation`, else `transaction.amount`, else `amount`). A value that is not a
   * non-negative decimal string or number counts as above every threshold (fail closed).
   */
  readonly amount?: (detail: AuthorizationDetail) => unknown
  /** Also require the token's `authorization_details` to cover the detail (default true). */
  readonly bind?: boolean
  readonly name?: string
}

const member = (v: unknown, k: string): unknown =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined

const defaultAmount = (d: AuthorizationDetail): unknown =>
  member(d['instructedAmount'], 'amount') ?? member(d['transaction'], 'amount') ?? d['amount']

/**
 * A rule on the amount of the request's authorization details of one type: the highest
 * threshold reached applies (e.g. `>= 1000 → phr within 300 s`, `>= 10000 → phrh within 60 s`,
 * single-use), and with `bind` the token must carry details covering the transaction.
 *
 * @example
 * ```ts
 * amountThreshold({
 *   type: 'urn:bank:params:oauth:request:transaction',
 *   thresholds: [
 *     { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
 *     { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
 *   ],
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export function amountThreshold(options: AmountThresholdOptions): RiskRule {
  const { type, thresholds, amount = defaultAmount, bind = true, name = `amount:${type}` } = options
  if (typeof type !== 'string' || !Array.isArray(thresholds) || thresholds.length === 0) {
    throw argumentError('amountThreshold needs a type and at least one threshold')
  }
  const steps = thresholds
    .map(({ atLeast, ...r }, i) => {
      if (typeof atLeast !== 'string' || !DECIMAL.test(atLeast)) {
        throw argumentError(`thresholds[${i}].atLeast must be a decimal string`)
      }
      return { atLeast, r: checked(r, `thresholds[${i}]`) }
    })
    .sort((a, b) => compareDecimalStrings(b.atLeast, a.atLeast))
  return {
    name,
    evaluate({ details = [] }) {
      const hits = details.filter((d) => d.type === type)
      let step: (typeof steps)[number] | undefined
      for (const d of hits) {
        const v = amount(d)
        const s = typeof v === 'number' && Number.isFinite(v) && v >= 0 ? String(v) : v
        const reached =
          typeof s === 'string' && DECIMAL.test(s)
            ? steps.find((x) => compareDecimalStrings(s, x.atLeast) >= 0)
            : steps[0]
        if (reached && (!step || compareDecimalStrings(reached.atLeast, step.atLeast) > 0))
          step = reached
      }
      if (!step) return undefined
      return bind ? { ...step.r, authorization_details: hits } : step.r
    },
  }
}

/**
 * A rule firing when the app's signal says the device is new (default signal `newDevice`,
 * requirement `acr_values: ['mod-mf']`).
 *
 * @example
 * ```ts
 * newDevice({ signal: 'unknownDevice', requirement: { acr_values: ['phr'] } })
 * ```
 * @see https://openid.net/specs/openid-connect-modrna-authentication-1_0.html
 */
export function newDevice(
  options: {
    readonly signal?: string
    readonly requirement?: RiskRequirement
    readonly name?: string
  } = {},
): RiskRule {
  const { signal = 'newDevice', name = 'new-device' } = options
  const requirement = checked(options.requirement ?? { acr_values: ['mod-mf'] }, 'newDevice')
  return { name, evaluate: ({ signals }) => (signals?.[signal] === true ? requirement : undefined) }
}

/**
 * A rule firing when the authentication is older than `seconds` (or its time unknown): it then
 * requires `max_age: seconds`, plus `requirement` if given.
 *
 * @example
 * ```ts
 * sessionOlderThan(900)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function sessionOlderThan(
  seconds: number,
  options: { readonly requirement?: RiskRequirement; readonly name?: string } = {},
): RiskRule {
  positive(seconds, 'seconds')
  const requirement = checked({ ...options.requirement, max_age: seconds }, 'sessionOlderThan')
  return {
    name: options.name ?? `session-older-than:${seconds}`,
    evaluate({ claims, now = epochNow() }) {
      const t = claims.auth_time
      return typeof t === 'number' && now - t <= seconds ? undefined : requirement
    },
  }
}

/**
 * Options of {@link destructiveMethod}.
 *
 * @example
 * ```ts
 * const options: DestructiveMethodOptions = { path: '/accounts', requirement: { acr_values: ['phr'] } }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
 */
export interface DestructiveMethodOptions {
  /** A path prefix (segment-wise) or a pattern tested against the request's path. */
  readonly path: string | RegExp
  readonly requirement: RiskRequirement
  /** Default `POST`, `PUT`, `PATCH`, `DELETE` (the methods that are not safe). */
  readonly methods?: readonly string[]
  readonly name?: string
}

/**
 * A rule firing for an unsafe method on a path (e.g. `DELETE /accounts/…` needs `phr`).
 *
 * @example
 * ```ts
 * destructiveMethod({ methods: ['DELETE'], path: '/accounts', requirement: { acr_values: ['phr'] } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
 */
export function destructiveMethod(options: DestructiveMethodOptions): RiskRule {
  const {
    path,
    methods = ['POST', 'PUT', 'PATCH', 'DELETE'],
    name = `destructive:${path}`,
  } = options
  const requirement = checked(options.requirement, 'destructiveMethod')
  if (typeof path !== 'string' && !(path instanceof RegExp))
    throw argumentError('path must be a string or RegExp')
  const prefix = typeof path === 'string' ? path.replace(/\/$/, '') : ''
  const upper = new Set(methods.map((m) => m.toUpperCase()))
  return {
    name,
    evaluate({ request }) {
      if (!upper.has(request.method.toUpperCase())) return undefined
      const p = new URL(request.url, 'http://localhost').pathname
      if (typeof path !== 'string') path.lastIndex = 0
      const hit =
        typeof path === 'string' ? p === prefix || p.startsWith(`${prefix}/`) : path.test(p)
      return hit ? requirement : undefined
    },
  }
}

/**
 * A rule binding the request to the token (transaction binding): when the request carries
 * authorization details (of `types`, if given), the token's must cover them, optionally single-use.
 *
 * @example
 * ```ts
 * transactionBinding({ types: ['payment_initiation'], singleUse: true })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export function transactionBinding(
  options: {
    readonly types?: readonly string[]
    readonly singleUse?: boolean
    readonly name?: string
  } = {},
): RiskRule {
  const { types, singleUse = false, name = 'transaction-binding' } = options
  return {
    name,
    evaluate({ details = [] }) {
      const bound = types ? details.filter((d) => types.includes(d.type)) : details
      return bound.length > 0 ? { authorization_details: bound, singleUse } : undefined
    },
  }
}
