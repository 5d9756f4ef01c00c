import { invalidArgument } from '@stepup/internal'
import type { AuthorizationDetail, AuthorizationDetailsRegistry } from '@stepup/rar'

export type { AuthorizationDetail } from '@stepup/rar'

import { AccessTokenError } from './errors.js'
import type { VerifyOptions } from './verifier.js'

/**
 * The part of an `@stepup/rar` registry this package uses, as the `authorizationDetailsRegistry`
 * option: `parse` (throws on invalid details) and `covers` (compares granted and requested).
 *
 * @example
 * ```ts
 * import { createAuthorizationDetailsRegistry } from '@stepup/rar'
 * import { paymentInitiationDetailType } from '@stepup/rar/types/payment-initiation'
 * createStepUpGuard({ verify, authorizationDetailsRegistry: createAuthorizationDetailsRegistry([paymentInitiationDetailType]) })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6.1
 */
export type AuthorizationDetailsRegistryLike = Pick<
  AuthorizationDetailsRegistry,
  'parse' | 'covers'
>

/**
 * The verified claims of an access token (RFC 9068 §2.2, RFC 7662 §2.2), typed, with `scope`
 * also split into `scopes`, and every claim as received in `raw`.
 *
 * @example
 * ```ts
 * const claims = await verifier.verify(token)
 * claims.scopes.includes('purchase') && claims.acr === 'phrh'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export interface AccessTokenClaims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | readonly string[]
  readonly exp?: number
  readonly iat?: number
  readonly nbf?: number
  readonly jti?: string
  readonly client_id?: string
  /** The space-separated scope as sent. */
  readonly scope?: string
  /** `scope` split into its scope-tokens (empty when the token has no scope). */
  readonly scopes: readonly string[]
  readonly acr?: string
  readonly auth_time?: number
  readonly amr?: readonly string[]
  readonly authorization_details?: readonly AuthorizationDetail[]
  /**
   * Confirmation (RFC 7800): `jkt` binds the token to a DPoP key (RFC 9449 §6), `x5t#S256` to a
   * client certificate (RFC 8705 §3); see {@link checkConfirmation}.
   */
  readonly cnf?: {
    readonly jkt?: string
    readonly 'x5t#S256'?: string
    readonly [member: string]: unknown
  }
  /** Every claim (or introspection member) as received. */
  readonly raw: Readonly<Record<string, unknown>>
}

const STRINGS = ['iss', 'sub', 'jti', 'client_id', 'scope', 'acr'] as const
const NUMBERS = ['exp', 'iat', 'nbf', 'auth_time'] as const
const COPIED: readonly string[] = [...STRINGS, ...NUMBERS, 'aud', 'amr', 'cnf']

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string')

/** A value from the token for a log message: JSON-quoted, at most 64 characters. */
export const quoted = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 64 ? `${text.slice(0, 61)}...` : text
}

/**
 * Type-check a JWT payload or an active introspection response and return the typed claims;
 * throws {@link AccessTokenError} (`ERR_TOKEN_CLAIM_INVALID`, its message naming the claim and
 * the rule) when a registered claim has the wrong type or `authorization_details` does not parse.
 *
 * @example
 * ```ts
 * const claims = parseAccessTokenClaims({ sub: 'a', scope: 'read write', acr: 'phr' })
 * claims.scopes // ['read', 'write']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export function parseAccessTokenClaims(
  payload: unknown,
  registry?: AuthorizationDetailsRegistryLike,
): AccessTokenClaims {
  const bad = (claim: string, rule: string, cause?: unknown) =>
    new AccessTokenError('ERR_TOKEN_CLAIM_INVALID', `token "${claim}" ${rule}`, { cause })
  if (!isObject(payload)) {
    throw new AccessTokenError('ERR_TOKEN_CLAIM_INVALID', 'claims are not a JSON object')
  }
  for (const k of STRINGS)
    if (payload[k] !== undefined && typeof payload[k] !== 'string') {
      throw bad(k, 'is not a string (RFC 7519 §4.1, RFC 9068 §2.2)')
    }
  for (const k of NUMBERS) {
    if (payload[k] !== undefined && !Number.isFinite(payload[k])) {
      throw bad(k, 'is not a number of seconds (RFC 7519 §2 NumericDate)')
    }
  }
  const { aud, amr, cnf, scope, authorization_details: ad } = payload
  if (aud !== undefined && typeof aud !== 'string' && !isStrings(aud)) {
    throw bad('aud', 'is neither a string nor an array of strings (RFC 7519 §4.1.3)')
  }
  if (amr !== undefined && !isStrings(amr)) {
    throw bad('amr', 'is not an array of strings (OpenID Connect Core §2)')
  }
  if (cnf !== undefined) {
    if (!isObject(cnf)) throw bad('cnf', 'is not a JSON object (RFC 7800 §3.1)')
    if (cnf['jkt'] !== undefined && typeof cnf['jkt'] !== 'string') {
      throw bad('cnf.jkt', 'is not a string (RFC 9449 §6.1)')
    }
    if (cnf['x5t#S256'] !== undefined && typeof cnf['x5t#S256'] !== 'string') {
      throw bad('cnf.x5t#S256', 'is not a string (RFC 8705 §3.1)')
    }
  }
  let details: readonly AuthorizationDetail[] | undefined
  if (ad !== undefined) {
    // A JSON array, never JSON text: `registry.parse` also reads a string (a form field).
    if (!Array.isArray(ad)) {
      throw bad('authorization_details', 'is not an array of typed objects (RFC 9396 §2)')
    }
    if (registry) {
      try {
        details = registry.parse(ad)
      } catch (cause) {
        throw bad('authorization_details', 'does not parse with the registry (RFC 9396 §2)', cause)
      }
    } else if (ad.every((d) => isObject(d) && typeof d['type'] === 'string')) {
      details = ad as AuthorizationDetail[]
    } else throw bad('authorization_details', 'is not an array of typed objects (RFC 9396 §2)')
  }
  const out: Record<string, unknown> = {
    scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    raw: payload,
  }
  for (const k of COPIED) if (payload[k] !== undefined) out[k] = payload[k]
  if (details) out['authorization_details'] = details
  return out as unknown as AccessTokenClaims
}

/** A claim a verifier can require (its `requiredClaims` option): the RFC 9068 §2.2 set. */
export type RequiredClaim = 'iss' | 'exp' | 'aud' | 'sub' | 'client_id' | 'iat' | 'jti'

/** RFC 9068 §2.2: every JWT access token carries these. */
export const RFC9068_CLAIMS: readonly RequiredClaim[] = [
  'iss',
  'exp',
  'aud',
  'sub',
  'client_id',
  'iat',
  'jti',
]

/** Check a `requiredClaims` option once, when the verifier is built. */
export function requiredClaims(value: unknown, where: string): readonly RequiredClaim[] {
  if (
    !Array.isArray(value) ||
    !value.every((c) => (RFC9068_CLAIMS as readonly unknown[]).includes(c))
  ) {
    throw invalidArgument(
      `${where}: "requiredClaims" must list claims among ${RFC9068_CLAIMS.join(', ')}`,
    )
  }
  return value
}

/** The first of `required` the payload lacks (absent, or an empty string), if any. */
export function missingClaim(
  payload: Record<string, unknown>,
  required: readonly string[],
): string | undefined {
  return required.find((c) => payload[c] === undefined || payload[c] === '')
}

/** The `confirmation` option of the verifiers: a check per `cnf` member name (RFC 7800 §3.1). */
export type ConfirmationChecks = Readonly<
  Record<string, (value: unknown, presentation: VerifyOptions) => boolean>
>

const confirmationError = (
  code: 'ERR_TOKEN_CNF_UNSUPPORTED' | 'ERR_TOKEN_CNF_MISMATCH',
  message: string,
) => new AccessTokenError(code, message)

/**
 * Checks the token's sender constraint against how it was presented, and throws
 * {@link AccessTokenError} unless every `cnf` member is proven:
 *
 * - `jkt` (RFC 9449 §6): only with the `DPoP` scheme and the proof key's thumbprint `jkt`; as
 *   Bearer it is `ERR_TOKEN_DPOP_BOUND` (§7.2), another key `ERR_TOKEN_DPOP_MISMATCH`. A token
 *   without `cnf.jkt` presented with `DPoP` is `ERR_TOKEN_DPOP_MISMATCH` too, and an
 *   introspection `token_type` of `DPoP` marks a token as bound.
 * - `x5t#S256` (RFC 8705 §3): `x5tS256`, the base64url SHA-256 thumbprint of the client
 *   certificate of the TLS connection, must equal it: `ERR_TOKEN_CNF_MISMATCH`.
 * - any other member: its check in `checks` (a function per member name, given the member's
 *   value and the presentation, as the verifiers' `confirmation` option) must return `true`
 *   (`ERR_TOKEN_CNF_MISMATCH`); with no check, or a `cnf` that is not an object or names no
 *   method, `ERR_TOKEN_CNF_UNSUPPORTED`.
 *
 * The verifiers call it on every `verify`; call it yourself on claims you verified otherwise.
 *
 * @example
 * ```ts
 * checkConfirmation(claims, { scheme: 'DPoP', jkt: proof.jkt })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function checkConfirmation(
  claims: Pick<AccessTokenClaims, 'cnf' | 'raw'>,
  presentation: VerifyOptions = {},
  checks: Readonly<Record<string, (value: unknown, presentation: VerifyOptions) => boolean>> = {},
): void {
  const { scheme = 'Bearer', jkt, x5tS256 } = presentation
  const cnf: unknown = claims.cnf
  let members: string[] = []
  if (cnf !== undefined) {
    if (!isObject(cnf)) {
      throw confirmationError(
        'ERR_TOKEN_CNF_UNSUPPORTED',
        'token "cnf" is not a JSON object (RFC 7800 §3.1)',
      )
    }
    members = Object.keys(cnf)
    if (!members.length) {
      throw confirmationError(
        'ERR_TOKEN_CNF_UNSUPPORTED',
        'token "cnf" names no confirmation method (RFC 7800 §3.1)',
      )
    }
    for (const m of members) {
      if (m !== 'jkt' && m !== 'x5t#S256' && !Object.hasOwn(checks, m)) {
        throw confirmationError(
          'ERR_TOKEN_CNF_UNSUPPORTED',
          `token "cnf" member ${quoted(m)} is a confirmation method nothing checks (RFC 7800 §3.1)`,
        )
      }
    }
  }
  const confirmed = cnf as Record<string, unknown> | undefined
  const bound = confirmed?.['jkt']
  const tokenType = claims.raw?.['token_type']
  if (scheme === 'DPoP') {
    if (bound === undefined) {
      throw new AccessTokenError(
        'ERR_TOKEN_DPOP_MISMATCH',
        'token presented with the DPoP scheme has no "cnf.jkt" (RFC 9449 §7.1)',
      )
    }
    if (bound !== jkt) {
      throw new AccessTokenError(
        'ERR_TOKEN_DPOP_MISMATCH',
        'DPoP proof key thumbprint is not the token "cnf.jkt" (RFC 9449 §6.1)',
      )
    }
  } else if (
    bound !== undefined ||
    (typeof tokenType === 'string' && tokenType.toLowerCase() === 'dpop')
  ) {
    throw new AccessTokenError(
      'ERR_TOKEN_DPOP_BOUND',
      'token bound to a DPoP key presented as Bearer (RFC 9449 §7.2)',
    )
  }
  const x5t = confirmed?.['x5t#S256']
  if (x5t !== undefined && x5t !== x5tS256) {
    throw confirmationError(
      'ERR_TOKEN_CNF_MISMATCH',
      x5tS256 === undefined
        ? 'token bound to a client certificate ("cnf.x5t#S256") came without one (RFC 8705 §3)'
        : 'client certificate thumbprint is not the token "cnf.x5t#S256" (RFC 8705 §3)',
    )
  }
  for (const m of members) {
    const check = m !== 'jkt' && m !== 'x5t#S256' ? checks[m] : undefined
    if (check && check(confirmed?.[m], presentation) !== true) {
      throw confirmationError(
        'ERR_TOKEN_CNF_MISMATCH',
        `request does not prove the token "cnf" member ${quoted(m)} (RFC 7800 §3.1)`,
      )
    }
  }
}
