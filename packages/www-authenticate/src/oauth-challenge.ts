import type { WwwAuthenticateChallenge } from './challenge.js'
import type { OAuthErrorCode } from './constants.js'
import { every, isScope, NQCHAR, NQSCHAR } from './grammar.js'

/**
 * OAuth's typed view of one challenge, as {@link parseOAuthChallenge} returns it: each known
 * parameter that is valid under its spec, the names of those that are not, and all parameters as
 * received.
 *
 * @example
 * ```ts
 * const [challenge] = parseWwwAuthenticate('Bearer error="insufficient_user_authentication", max_age="5"')
 * const { error, max_age, invalid } = parseOAuthChallenge(challenge!) // 'insufficient_user_authentication', 5, []
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export interface OAuthChallenge {
  /** The auth-scheme, lower-cased (`bearer`, `dpop`). */
  readonly scheme: string
  /** Protection space (RFC 9110 §11.5); any string. */
  readonly realm?: string
  /** Required scopes (RFC 6750 §3), in order. */
  readonly scope?: string[]
  /** Error code (RFC 6750 §3.1, RFC 9470 §3, RFC 9449 §7.1): one of {@link OAuthErrorCode} or an extension code. */
  readonly error?: OAuthErrorCode | (string & {})
  /** Developer-facing explanation; never show it to end users as is. */
  readonly error_description?: string
  /** URI of a page about the error. */
  readonly error_uri?: string
  /** Acceptable `acr` values in order of preference; the token needs one of them (RFC 9470 §3). */
  readonly acr_values?: string[]
  /** Allowed seconds since the last active authentication (RFC 9470 §3). */
  readonly max_age?: number
  /** HTTPS URL of the protected resource metadata, exactly as sent (RFC 9728 §5.1). */
  readonly resource_metadata?: string
  /** JWS algorithms accepted for DPoP proofs (RFC 9449 §7.1). */
  readonly algs?: string[]
  /** The `claims` challenge exactly as sent; see {@link decodeClaimsChallenge}. */
  readonly claims?: string
  /** Names of known parameters present but invalid under their spec, left out of the fields above. */
  readonly invalid: string[]
  /** Every parameter as received (null-prototype, names lower-cased). */
  readonly params: Readonly<Record<string, string>>
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const nqschar = (value: string): string | undefined => (every(value, NQSCHAR) ? value : undefined)

const split = (value: string): string[] | undefined =>
  isScope(value) ? value.split(' ') : undefined

function maxAge(value: string): number | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined
  }
  const n = value.length > 0 && value.length < 17 ? Number(value) : Number.NaN
  return Number.isSafeInteger(n) ? n : undefined
}

const LOOPBACK = /^(?:localhost|127\.0\.0\.1|\[::1\])$/

/**
 * Whether `value` is an absolute `https:` URL made only of NQCHAR (RFC 9728 §5.1, RFC 6750 §3);
 * `http:` is accepted on a loopback host only (`localhost`, `127.0.0.1`, `[::1]`), for
 * development, as RFC 8252 §7.3 does for native apps.
 */
function isMetadataUrl(value: string): boolean {
  if (!every(value, NQCHAR)) return false
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))
  } catch {
    return false
  }
}

/**
 * Each known parameter's check: the typed value when the wire value is valid, else `undefined`.
 * Also the order in which {@link createOAuthChallenge} writes them (as the RFC examples do).
 */
export const CHECKS: Record<string, (value: string) => unknown> = {
  realm: (value) => value,
  error: nqschar,
  error_description: nqschar,
  error_uri: (value) => (every(value, NQCHAR) ? value : undefined),
  scope: split,
  acr_values: split,
  max_age: maxAge,
  algs: split,
  resource_metadata: (value) => (isMetadataUrl(value) ? value : undefined),
  claims: (value) => (value.length > 0 ? value : undefined),
}

/**
 * Reads OAuth's parameters out of a parsed challenge: lists split on single spaces, `max_age` as a
 * number, and every parameter that breaks its spec's syntax left out and named in `invalid`.
 *
 * @example
 * ```ts
 * const [challenge] = parseWwwAuthenticate('Bearer error="insufficient_user_authentication", acr_values="gold silver", max_age="300"')
 * const { acr_values, max_age } = parseOAuthChallenge(challenge!) // ['gold', 'silver'], 300
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function parseOAuthChallenge(challenge: WwwAuthenticateChallenge): OAuthChallenge {
  const params = challenge.params
  const out: Mutable<OAuthChallenge> = {
    scheme: challenge.scheme.toLowerCase(),
    invalid: [],
    params,
  }
  for (const name in CHECKS) {
    const raw = params[name]
    if (raw === undefined) continue
    const value = CHECKS[name]!(raw)
    if (value === undefined) out.invalid.push(name)
    else (out as Record<string, unknown>)[name] = value
  }
  return out
}
