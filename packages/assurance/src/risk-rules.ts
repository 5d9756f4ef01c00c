import { checkOptions, compareDecimalStrings, invalidArgument } from '@stepup/internal'
import type { AuthorizationDetail } from '@stepup/rar'

import { checkRequirement } from './evaluate.js'
import { RISK_REQUIREMENT_KEYS } from './merge.js'
import { InvalidRequestError, normalizePath } from './request-input.js'
import type { RiskContext, RiskRequirement, RiskRule } from './risk-policy.js'
import { epochNow, positive } from './verifier.js'

const DECIMAL = /^\d{1,30}(\.\d{1,30})?$/

const THRESHOLD_KEYS: ReadonlySet<string> = new Set(
  [...RISK_REQUIREMENT_KEYS, 'atLeast'].filter((k) => k !== 'authorization_details'),
)

function checked<T extends RiskRequirement>(
  r: T,
  where: string,
  known: ReadonlySet<string> = RISK_REQUIREMENT_KEYS,
): T {
  try {
    checkRequirement(r, known, where)
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ERR_UNKNOWN_OPTION') throw e
    throw invalidArgument(`${where}: ${(e as Error).message}`, { cause: e })
  }
  return r
}

/** The request's details of `types` (all when not given); none at all is a 400 unless optional. */
function detailsOf(
  { details = [] }: RiskContext,
  types: readonly string[] | undefined,
  optional: boolean,
): readonly AuthorizationDetail[] {
  const found = types ? details.filter((d) => types.includes(d.type)) : details
  if (found.length === 0 && !optional) {
    const which = types ? ` of type ${types.join(' or ')}` : ''
    throw new InvalidRequestError(`The request has no authorization_details${which}`)
  }
  return found
}

/**
 * One step of {@link amountThreshold}: the requirement for amounts from `atLeast` (a decimal
 * string) up.
 *
 * @example
 * ```ts
 * amountThreshold({ type: 'payment_initiation', thresholds: [{ atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true }] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export interface AmountThreshold extends Omit<RiskRequirement, 'authorization_details'> {
  /** The smallest amount this step applies to, a decimal string compared exactly. */
  readonly atLeast: string
}

const AMOUNT_OPTIONS: ReadonlySet<string> = new Set([
  'type',
  'thresholds',
  'amount',
  'bind',
  'optional',
  'name',
])

const member = (v: unknown, k: string): unknown =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined

const defaultAmount = (d: AuthorizationDetail): unknown =>
  member(d['instructedAmount'], 'amount') ?? member(d['transaction'], 'amount') ?? d['amount']

/**
 * A rule on the amount of the request's authorization details of one type: the highest threshold
 * reached applies (e.g. `>= 1000 → phr within 300 s`, `>= 10000 → phrh within 60 s`, single-use),
 * and with `bind` the token must carry details covering every detail of that type in the request.
 *
 * A request without such a detail is refused (`400 invalid_request`) unless `optional`; an amount
 * that cannot be read counts as above every threshold.
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
export function amountThreshold(options: {
  /** The authorization details `type` whose amount is read. */
  readonly type: string
  /** The steps, each applying from its `atLeast`; the highest one reached applies. */
  readonly thresholds: readonly AmountThreshold[]
  /**
   * Reads the amount of a detail (default: `instructedAmount.amount` as in RFC 9396's
   * `payment_initiation`, else `transaction.amount`, else `amount`). A value that is not a
   * non-negative decimal string or number counts as above every threshold (fail closed).
   */
  readonly amount?: (detail: AuthorizationDetail) => unknown
  /** Also require the token's `authorization_details` to cover the details of `type` (default true). */
  readonly bind?: boolean
  /**
   * Let requests without a detail of `type` through this rule (default false: such a request is
   * `400 invalid_request`, since the rule cannot tell what it would cost).
   */
  readonly optional?: boolean
  /** The name reported in `fired` (default `amount:<type>`). */
  readonly name?: string
}): RiskRule {
  checkOptions(options, AMOUNT_OPTIONS, 'amountThreshold')
  const {
    type,
    thresholds,
    amount = defaultAmount,
    bind = true,
    optional = false,
    name = `amount:${type}`,
  } = options
  if (typeof type !== 'string' || !Array.isArray(thresholds) || thresholds.length === 0) {
    throw invalidArgument('amountThreshold needs a type and at least one threshold')
  }
  const steps = thresholds
    .map(({ atLeast, ...r }, i) => {
      if (typeof atLeast !== 'string' || !DECIMAL.test(atLeast)) {
        throw invalidArgument(`thresholds[${i}].atLeast must be a decimal string`)
      }
      return { atLeast, r: checked(r, `amountThreshold: thresholds[${i}]`, THRESHOLD_KEYS) }
    })
    .sort((a, b) => compareDecimalStrings(b.atLeast, a.atLeast))
  return {
    name,
    evaluate(context) {
      const hits = detailsOf(context, [type], optional)
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

const NEW_DEVICE_OPTIONS: ReadonlySet<string> = new Set(['signal', 'requirement', 'name'])

/**
 * A rule firing when the app's signal says the device is new (default signal `newDevice`,
 * requirement `acr_values: ['mod-mf']`). A signal that is not a boolean (not wired, misspelt)
 * makes the decision fail (the guard answers 503), never "not new".
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
  checkOptions(options, NEW_DEVICE_OPTIONS, 'newDevice')
  const { signal = 'newDevice', name = 'new-device' } = options
  const requirement = checked(options.requirement ?? { acr_values: ['mod-mf'] }, 'newDevice')
  return {
    name,
    evaluate({ signals }) {
      const value = signals?.[signal]
      // A rule that cannot get its input denies: the app must say true or false.
      if (typeof value !== 'boolean')
        throw new TypeError(`newDevice: the signal "${signal}" must be true or false`)
      return value ? requirement : undefined
    },
  }
}

const SESSION_OPTIONS: ReadonlySet<string> = new Set(['requirement', 'name'])

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
  checkOptions(options, SESSION_OPTIONS, 'sessionOlderThan')
  const requirement = checked({ ...options.requirement, max_age: seconds }, 'sessionOlderThan')
  return {
    name: options.name ?? `session-older-than:${seconds}`,
    evaluate({ claims, now = epochNow() }) {
      const t = claims.auth_time
      return typeof t === 'number' && now - t <= seconds ? undefined : requirement
    },
  }
}

const DESTRUCTIVE_OPTIONS: ReadonlySet<string> = new Set(['path', 'requirement', 'methods', 'name'])

/**
 * A rule firing for an unsafe method on a path (e.g. `DELETE /accounts/…` needs `phr`). The
 * path is compared as RFC 3986 §6.2.2 normalises it, empty segments collapsed and a string
 * prefix without regard to case, so every spelling a router may accept fires the rule.
 *
 * @example
 * ```ts
 * destructiveMethod({ methods: ['DELETE'], path: '/accounts', requirement: { acr_values: ['phr'] } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
 */
export function destructiveMethod(options: {
  /**
   * A path prefix (segment-wise, ignoring case) or a pattern tested against the request's
   * normalised path (`/Admin//users/./1` reads as `/Admin/users/1`).
   */
  readonly path: string | RegExp
  /** What a request with one of `methods` under `path` requires. */
  readonly requirement: RiskRequirement
  /** Default `POST`, `PUT`, `PATCH`, `DELETE` (the methods that are not safe). */
  readonly methods?: readonly string[]
  /** The name reported in `fired` (default `destructive:<path>`). */
  readonly name?: string
}): RiskRule {
  checkOptions(options, DESTRUCTIVE_OPTIONS, 'destructiveMethod')
  const {
    path,
    methods = ['POST', 'PUT', 'PATCH', 'DELETE'],
    name = `destructive:${path}`,
  } = options
  const requirement = checked(options.requirement, 'destructiveMethod')
  if (!(typeof path === 'string' && path.startsWith('/')) && !(path instanceof RegExp))
    throw invalidArgument('destructiveMethod: path must be a string starting with "/" or a RegExp')
  const prefix =
    typeof path === 'string' ? normalizePath(path).replace(/\/$/, '').toLowerCase() : ''
  const upper = new Set(methods.map((m) => m.toUpperCase()))
  return {
    name,
    evaluate({ request }) {
      if (!upper.has(request.method.toUpperCase())) return undefined
      const p = request.path ?? normalizePath(request.url)
      if (typeof path !== 'string') path.lastIndex = 0
      const lower = p.toLowerCase()
      const hit =
        typeof path === 'string' ? lower === prefix || lower.startsWith(`${prefix}/`) : path.test(p)
      return hit ? requirement : undefined
    },
  }
}

const BINDING_OPTIONS: ReadonlySet<string> = new Set(['types', 'singleUse', 'optional', 'name'])

/**
 * A rule binding the request to the token (transaction binding): when the request carries
 * authorization details (of `types`, if given), the token's must cover every one of them,
 * optionally single-use. A request without such details is refused (`400 invalid_request`)
 * unless `optional`.
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
    /** Let requests without such details through this rule (default false: 400). */
    readonly optional?: boolean
    readonly name?: string
  } = {},
): RiskRule {
  checkOptions(options, BINDING_OPTIONS, 'transactionBinding')
  const { types, singleUse = false, optional = false, name = 'transaction-binding' } = options
  return {
    name,
    evaluate(context) {
      const bound = detailsOf(context, types, optional)
      return bound.length > 0 ? { authorization_details: bound, singleUse } : undefined
    },
  }
}
