import { type AcrRegistry, createAcrRegistry } from '@stepup/acr'
import { checkOptions, OAUTH_ERROR_STATUS } from '@stepup/internal'
import { type AuthorizationDetail, coversAuthorizationDetails } from '@stepup/rar'
import { isScopeToken } from '@stepup/www-authenticate'
import {
  type AssuranceChallenge,
  type ChallengeOptions,
  renderWwwAuthenticate,
} from './challenge.js'
import type { AccessTokenClaims, AuthorizationDetailsRegistryLike } from './claims.js'
import { check } from './errors.js'

/**
 * What a request needs from its access token: one of `acr_values`, an authentication no older
 * than `max_age` seconds, all of `scope`, and `authorization_details` covered by the token's.
 *
 * @example
 * ```ts
 * const result = evaluateAssurance(claims, { acr_values: ['phrh'], max_age: 60, scope: ['payments'] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface AssuranceRequirement {
  /** Any of these (in order of preference), compared with the acr registry. */
  readonly acr_values?: readonly string[]
  /** Seconds allowed since `auth_time`; `0` means "just now" (within the clock tolerance). */
  readonly max_age?: number
  /** Every one of these scope-tokens. */
  readonly scope?: readonly string[]
  /** Each must be covered by the token's `authorization_details`. */
  readonly authorization_details?: readonly AuthorizationDetail[]
}

/**
 * The union of the OAuth error codes a resource server answers with: `invalid_request` (400),
 * `invalid_token` (401), `insufficient_user_authentication` (401), `insufficient_scope` (403),
 * `insufficient_authorization_details` (403), the DPoP errors `invalid_dpop_proof` and
 * `use_dpop_nonce` (401), and `temporarily_unavailable` (503) when the token could not be
 * verified right now. A failed decision answers with four of them (its `error`).
 *
 * @example
 * ```ts
 * const result = evaluateAssurance({ scope: 'accounts' }, { scope: ['payments'] })
 * const error: ResourceServerErrorCode | undefined = result.ok ? undefined : result.error // 'insufficient_scope'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export type ResourceServerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_user_authentication'
  | 'insufficient_scope'
  | 'insufficient_authorization_details'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'temporarily_unavailable'

/** The errors of a failed decision, most fundamental first. */
type DecisionError = AssuranceFailure['error']

/**
 * Why a decision failed, for audit logs: the rule, a stable code, what was required and what
 * was missing (requirement values only; never the token's subject or claims).
 *
 * @example
 * ```ts
 * const result = evaluateAssurance({ acr: 'phr' }, { acr_values: ['phrh'] })
 * if (!result.ok) console.log(result.reasons) // [{ rule: 'acr', code: 'acr_not_satisfied', required: ['phrh'] }]
 * ```
 */
export interface AssuranceReason {
  /** The part of the requirement (or of the token) that failed. */
  readonly rule: 'claims' | 'acr' | 'max_age' | 'scope' | 'authorization_details' | 'grant'
  readonly code:
    | 'claims_malformed'
    | 'acr_malformed'
    | 'auth_time_malformed'
    | 'auth_time_in_future'
    | 'scope_malformed'
    | 'authorization_details_malformed'
    | 'acr_missing'
    | 'acr_not_satisfied'
    | 'auth_time_missing'
    | 'auth_time_stale'
    | 'scope_missing'
    | 'authorization_details_not_covered'
    | 'grant_consumed'
  /** What the requirement asked for: the `acr_values`, the `max_age` or the `scope`. */
  readonly required?: readonly string[] | number
  /** What the token lacks: scope-tokens, or authorization details it does not cover. */
  readonly missing?: readonly (string | AuthorizationDetail)[]
}

/**
 * A failed decision: the status, the error, the typed challenge values, the serialised
 * `WWW-Authenticate` value and the audit reasons.
 *
 * @example
 * ```ts
 * if (!result.ok) console.log(result.status, result.wwwAuthenticate, result.reasons)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface AssuranceFailure {
  readonly ok: false
  /** 401, or 403 for `insufficient_scope` and `insufficient_authorization_details`. */
  readonly status: 401 | 403
  /** The OAuth error to answer with, most fundamental first. */
  readonly error: Extract<
    ResourceServerErrorCode,
    | 'invalid_token'
    | 'insufficient_scope'
    | 'insufficient_authorization_details'
    | 'insufficient_user_authentication'
  >
  /** The challenge values: `acr_values`, `max_age`, `scope`, uncovered `authorization_details`. */
  readonly challenge: AssuranceChallenge
  /** The `WWW-Authenticate` value, rendered with the `challenge` option. */
  readonly wwwAuthenticate: string
  /** Why, for audit logs (never the token's subject or claims). */
  readonly reasons: readonly AssuranceReason[]
}

/**
 * What {@link evaluateAssurance} returns: allow (with the claims), or the challenge to send.
 *
 * @example
 * ```ts
 * const result = evaluateAssurance(claims, { acr_values: ['phr'] })
 * if (!result.ok) return new Response(null, { status: result.status, headers: { 'www-authenticate': result.wwwAuthenticate } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type AssuranceResult<C = AccessTokenClaims> =
  | { readonly ok: true; readonly claims: C }
  | AssuranceFailure

/**
 * The options of {@link evaluateAssurance}: the clock, the registries, the clock tolerance and
 * how the challenge is rendered.
 *
 * @example
 * ```ts
 * evaluateAssurance(claims, { max_age: 300 }, { now: 1646340300, clockTolerance: 5 })
 * ```
 */
export interface EvaluateAssuranceOptions {
  /** The current time in epoch seconds (default the system clock). */
  readonly now?: number
  /** The `@stepup/acr` registry deciding `satisfies` (default: the built-in classes). */
  readonly acrRegistry?: Pick<AcrRegistry, 'satisfies'>
  /** The `@stepup/rar` registry deciding coverage (default: RFC 9396's conservative comparison). */
  readonly authorizationDetailsRegistry?: AuthorizationDetailsRegistryLike
  /** Seconds of leeway for `auth_time` in the future and for `max_age` (default 0). */
  readonly clockTolerance?: number
  /** How to render `wwwAuthenticate` (scheme, realm, resource_metadata, DPoP algs). */
  readonly challenge?: ChallengeOptions
}

/**
 * The claims {@link evaluateAssurance} takes: verified {@link AccessTokenClaims}, or a raw claims
 * set such as a JWT payload.
 *
 * @example
 * ```ts
 * evaluateAssurance({ acr: 'phrh', auth_time: 1646340000 }, { acr_values: ['phr'], max_age: 600 }, { now: 1646340300 }).ok // true
 * ```
 */
export type AssuranceClaimsInput =
  | Readonly<Partial<AccessTokenClaims>>
  | Readonly<Record<string, unknown>>

/**
 * Requirements already found well-formed, per set of allowed keys (they are treated as immutable
 * once used): a requirement a risk rule accepted with `singleUse` is not thereby accepted where
 * only the members of {@link AssuranceRequirement} are.
 */
const checkedFor = new WeakMap<ReadonlySet<string>, WeakSet<object>>()
function checkedWith(known: ReadonlySet<string>): WeakSet<object> {
  let seen = checkedFor.get(known)
  if (seen === undefined) {
    seen = new WeakSet()
    checkedFor.set(known, seen)
  }
  return seen
}
let defaultAcr: AcrRegistry | undefined

/** The registry of the built-in classes, created on first use. */
export function builtInAcr(): AcrRegistry {
  if (!defaultAcr) defaultAcr = createAcrRegistry()
  return defaultAcr
}

const DESCRIPTIONS = {
  invalid_token: 'The access token is invalid',
  insufficient_scope: 'The request requires higher privileges than provided by the access token',
  insufficient_authorization_details:
    'The authorization details of the access token do not cover this request',
  acr: 'A different authentication level is required',
  max_age: 'More recent authentication is required',
}

// A list of RFC 6749 §3.3 scope-tokens (also the syntax of acr values in `acr_values`): each can
// go, unchanged, into a space-separated challenge parameter.
const tokens = (v: unknown): v is readonly string[] => {
  if (!Array.isArray(v)) return false
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i]
    if (typeof s !== 'string' || !isScopeToken(s)) return false
  }
  return true
}

/** The members of {@link AssuranceRequirement}. */
export const REQUIREMENT_KEYS: ReadonlySet<string> = new Set([
  'acr_values',
  'max_age',
  'scope',
  'authorization_details',
])
/** Requirements found well-formed as {@link AssuranceRequirement}s. */
const checked = checkedWith(REQUIREMENT_KEYS)

/**
 * Throw a coded TypeError unless `r` is a well-formed requirement whose keys are all in `known`
 * (`ERR_UNKNOWN_OPTION` for a typo such as `acr_value` or `maxAge`).
 */
export function checkRequirement(
  r: AssuranceRequirement,
  known: ReadonlySet<string> = REQUIREMENT_KEYS,
  where = 'requirement',
): void {
  const seen = checkedWith(known)
  if (seen.has(r)) return
  assertRequirement(r, known, where)
  seen.add(r)
}

/**
 * The checks of {@link checkRequirement}, without remembering `r`: what `evaluateAssurance` runs
 * on a requirement no factory checked, such as an object literal written in the call, which
 * would otherwise fill the set of checked requirements with one entry per call.
 */
function assertRequirement(r: AssuranceRequirement, known: ReadonlySet<string>, where: string) {
  check(typeof r === 'object' && r, 'requirement')
  checkOptions(r, known, where)
  const { acr_values: acr, max_age: age, scope, authorization_details: ad } = r
  check(acr === undefined || (tokens(acr) && acr.length > 0), 'acr_values')
  check(age === undefined || (Number.isSafeInteger(age) && age >= 0), 'max_age')
  check(scope === undefined || tokens(scope), 'scope')
  check(ad === undefined || Array.isArray(ad), 'authorization_details')
}

const EVALUATE_OPTIONS: ReadonlySet<string> = new Set([
  'now',
  'acrRegistry',
  'authorizationDetailsRegistry',
  'clockTolerance',
  'challenge',
])

/**
 * Decides, synchronously and purely, whether verified claims meet a requirement: allow, or the one
 * challenge that fixes everything unmet.
 *
 * Malformed `acr`/`auth_time` (or `auth_time` in the future) fail closed with `invalid_token`;
 * missing `acr`/`auth_time` is a step-up. An unmet user authentication answers `401
 * insufficient_user_authentication` with `acr_values`/`max_age` (both whenever the requirement has
 * both), plus the `scope` and the uncovered `authorization_details` that the same new authorization
 * must obtain; `403 insufficient_scope` (then `insufficient_authorization_details`) only when the
 * user authentication already suffices, and never with `acr_values`/`max_age`. Unknown requirement
 * keys throw `ERR_UNKNOWN_OPTION`.
 *
 * @example
 * ```ts
 * const result = evaluateAssurance(claims, { acr_values: ['phrh'], max_age: 300 })
 * if (!result.ok) return new Response(null, {
 *   status: result.status,
 *   headers: { 'www-authenticate': result.wwwAuthenticate },
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function evaluateAssurance<C extends AssuranceClaimsInput>(
  claims: C,
  requirement: AssuranceRequirement,
  options: EvaluateAssuranceOptions = {},
): AssuranceResult<C> {
  if (!checked.has(requirement)) assertRequirement(requirement, REQUIREMENT_KEYS, 'requirement')
  checkOptions(options, EVALUATE_OPTIONS, 'evaluateAssurance')
  const tolerance = options.clockTolerance ?? 0
  const now = options.now ?? Date.now() / 1000
  const c = (typeof claims === 'object' && claims !== null ? claims : {}) as Record<string, unknown>
  const { acr, auth_time: authTime, scope, scopes, authorization_details: granted } = c
  const reasons: AssuranceReason[] = []
  const bad = (code: AssuranceReason['code']) => reasons.push({ rule: 'claims', code })

  if (c !== claims) bad('claims_malformed')
  if (acr !== undefined && typeof acr !== 'string') bad('acr_malformed')
  if (authTime !== undefined && !Number.isFinite(authTime)) bad('auth_time_malformed')
  else if ((authTime as number) > now + tolerance) bad('auth_time_in_future')
  // `scopes` (from parseAccessTokenClaims) is only ever searched, so a foreign entry cannot match.
  let tokenScopes: readonly unknown[] = []
  if (Array.isArray(scopes)) tokenScopes = scopes
  else if (typeof scope === 'string') tokenScopes = scope.split(' ')
  else if (scope !== undefined) bad('scope_malformed')
  if (granted !== undefined && !Array.isArray(granted)) bad('authorization_details_malformed')
  if (reasons.length > 0) {
    const challenge = { error: 'invalid_token', error_description: DESCRIPTIONS.invalid_token }
    return fail('invalid_token', challenge, reasons, options)
  }

  const {
    acr_values: acrValues,
    max_age: maxAge,
    scope: needed,
    authorization_details: details,
  } = requirement
  if (acrValues && !(options.acrRegistry ?? builtInAcr()).satisfies(acr, acrValues)) {
    reasons.push({
      rule: 'acr',
      code: acr === undefined ? 'acr_missing' : 'acr_not_satisfied',
      required: acrValues,
    })
  }
  const acrUnmet = reasons.length > 0
  if (maxAge !== undefined) {
    if (authTime === undefined)
      reasons.push({ rule: 'max_age', code: 'auth_time_missing', required: maxAge })
    else if (now - (authTime as number) > maxAge + tolerance) {
      reasons.push({ rule: 'max_age', code: 'auth_time_stale', required: maxAge })
    }
  }
  const userUnmet = reasons.length > 0
  const missing =
    needed?.every((s) => tokenScopes.includes(s)) === false
      ? needed.filter((s) => !tokenScopes.includes(s))
      : []
  if (missing.length > 0) reasons.push({ rule: 'scope', code: 'scope_missing', missing })
  let uncovered: readonly AuthorizationDetail[] | undefined
  if (details && details.length > 0) {
    // Without a registry, RFC 9396's default comparison, which does not load zod.
    const have = (granted as AuthorizationDetail[] | undefined) ?? []
    const coverage = options.authorizationDetailsRegistry
      ? options.authorizationDetailsRegistry.covers(have, details)
      : coversAuthorizationDetails(have, details)
    if (!coverage.covered) {
      uncovered = coverage.uncovered
      reasons.push({
        rule: 'authorization_details',
        code: 'authorization_details_not_covered',
        missing: uncovered,
      })
    }
  }
  if (reasons.length === 0) return { ok: true, claims }

  // RFC 9470 §3 defines acr_values and max_age for insufficient_user_authentication only, and one
  // new authorization must fix everything: when the user authentication is unmet, that is the
  // error, and the scope (RFC 6750 §3 allows it on any Bearer challenge) and the uncovered
  // authorization_details (JSON body) ride along. The 403s come only once the user is strong enough.
  const error: DecisionError = userUnmet
    ? 'insufficient_user_authentication'
    : missing.length > 0
      ? 'insufficient_scope'
      : 'insufficient_authorization_details'
  const challenge: { -readonly [K in keyof AssuranceChallenge]: AssuranceChallenge[K] } = {
    error,
    error_description:
      error === 'insufficient_user_authentication'
        ? DESCRIPTIONS[acrUnmet ? 'acr' : 'max_age']
        : DESCRIPTIONS[error],
  }
  if (userUnmet) {
    if (acrValues) challenge.acr_values = acrValues
    if (maxAge !== undefined) challenge.max_age = maxAge
  }
  if (needed && missing.length > 0) challenge.scope = needed
  if (uncovered) challenge.authorization_details = uncovered
  return fail(error, challenge, reasons, options)
}

/** Build a failed result (also used by the risk policy for a consumed grant). */
export function fail(
  error: DecisionError,
  challenge: AssuranceChallenge,
  reasons: readonly AssuranceReason[],
  options: EvaluateAssuranceOptions,
): AssuranceFailure {
  return {
    ok: false,
    status: OAUTH_ERROR_STATUS[error],
    error,
    challenge,
    wwwAuthenticate: renderWwwAuthenticate(challenge, options.challenge),
    reasons,
  }
}
