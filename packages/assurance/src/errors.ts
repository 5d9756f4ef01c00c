import { invalidArgument } from '@stepup/internal'
import type { AssuranceChallenge } from './challenge.js'

/**
 * The union of every `code` an {@link AssuranceError} can carry, one stable code per reason, for
 * logs, metrics and branching (the wire says only the OAuth `error`):
 *
 * - `ERR_TOKEN_*` and `ERR_VERIFIER_UNAVAILABLE`: why an {@link AccessTokenError} refused a
 *   token, or that it could not be checked right now;
 * - `ERR_DPOP_*`: why a `DpopProofError` refused a DPoP proof;
 * - `ERR_REQUEST_INVALID`: an `InvalidRequestError`, a request the decision cannot read;
 * - `ERR_GRANT_STORE_*`: why a consumed grant store failed (the guard answers 503): full
 *   (`ERR_GRANT_STORE_FULL`, or one group's share with `ERR_GRANT_STORE_GROUP_FULL`),
 *   unreachable (`ERR_GRANT_STORE_UNAVAILABLE`), or Redis not durable enough for single-use
 *   grants (`ERR_GRANT_STORE_NOT_DURABLE`, `ERR_GRANT_STORE_PERSISTENCE_UNKNOWN`).
 *
 * @example
 * ```ts
 * const claims = await verifier.verify(token).catch((error) => {
 *   if (error instanceof AssuranceError) console.warn(error.code) // e.g. 'ERR_TOKEN_EXPIRED'
 *   throw error
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export type AssuranceErrorCode =
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_ALG_NOT_ALLOWED'
  | 'ERR_TOKEN_KEY_NOT_FOUND'
  | 'ERR_TOKEN_SIGNATURE_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_CLAIM_INVALID'
  | 'ERR_TOKEN_INACTIVE'
  | 'ERR_TOKEN_DPOP_BOUND'
  | 'ERR_TOKEN_DPOP_MISMATCH'
  | 'ERR_TOKEN_CNF_UNSUPPORTED'
  | 'ERR_TOKEN_CNF_MISMATCH'
  | 'ERR_VERIFIER_UNAVAILABLE'
  | 'ERR_DPOP_MISSING'
  | 'ERR_DPOP_MALFORMED'
  | 'ERR_DPOP_ALG_NOT_ALLOWED'
  | 'ERR_DPOP_KEY_INVALID'
  | 'ERR_DPOP_SIGNATURE_INVALID'
  | 'ERR_DPOP_CLAIM_INVALID'
  | 'ERR_DPOP_REPLAYED'
  | 'ERR_DPOP_NONCE_MISSING'
  | 'ERR_DPOP_NONCE_INVALID'
  | 'ERR_REQUEST_INVALID'
  | 'ERR_GRANT_STORE_FULL'
  | 'ERR_GRANT_STORE_GROUP_FULL'
  | 'ERR_GRANT_STORE_UNAVAILABLE'
  | 'ERR_GRANT_STORE_NOT_DURABLE'
  | 'ERR_GRANT_STORE_PERSISTENCE_UNKNOWN'

/** The codes of an {@link AccessTokenError}. */
export type AccessTokenErrorCode = Extract<
  AssuranceErrorCode,
  `ERR_TOKEN_${string}` | 'ERR_VERIFIER_UNAVAILABLE'
>

/** The codes of a consumed grant store's failure. */
export type GrantStoreErrorCode = Extract<AssuranceErrorCode, `ERR_GRANT_STORE_${string}`>

/** What each code means when the thrower names nothing more precise. */
const REASONS: Readonly<Record<AccessTokenErrorCode, string>> = {
  ERR_TOKEN_MALFORMED: 'access token is malformed',
  ERR_TOKEN_TOO_LARGE: 'access token is longer than maxTokenLength',
  ERR_TOKEN_ALG_NOT_ALLOWED: 'token "alg" is not an allowed algorithm (RFC 8725 §3.1)',
  ERR_TOKEN_KEY_NOT_FOUND: 'no configured key fits the token "kid" and "alg" (RFC 9068 §4)',
  ERR_TOKEN_SIGNATURE_INVALID: 'token signature does not verify (RFC 7515 §5.2)',
  ERR_TOKEN_EXPIRED: 'token "exp" has passed (RFC 9068 §4)',
  ERR_TOKEN_CLAIM_INVALID: 'a token claim is missing or invalid (RFC 9068 §4)',
  ERR_TOKEN_INACTIVE: 'introspection answered "active": false (RFC 7662 §2.2)',
  ERR_TOKEN_DPOP_BOUND: 'token bound to a DPoP key ("cnf.jkt") presented as Bearer (RFC 9449 §7.2)',
  ERR_TOKEN_DPOP_MISMATCH: 'DPoP proof key is not the key the token is bound to (RFC 9449 §6.1)',
  ERR_TOKEN_CNF_UNSUPPORTED:
    'token "cnf" names a confirmation method nothing checks (RFC 7800 §3.1)',
  ERR_TOKEN_CNF_MISMATCH: 'request does not prove the key the token is bound to (RFC 8705 §3)',
  ERR_VERIFIER_UNAVAILABLE: 'the key set or introspection endpoint cannot be used right now',
}

/**
 * The base class of every error this package throws for a request it refuses or cannot decide:
 * {@link AccessTokenError}, `DpopProofError`, `InvalidRequestError`, and the consumed grant
 * stores' failures (thrown as `AssuranceError` itself). Caller mistakes are `TypeError`s with a
 * Node-style `code` instead.
 *
 * @example
 * ```ts
 * const isOurs = (error: unknown) => error instanceof AssuranceError && error.code.startsWith('ERR_GRANT_STORE_')
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class AssuranceError extends Error {
  override readonly name: string = 'AssuranceError'
  /** Why; stable, for logs, metrics and branching. */
  readonly code: AssuranceErrorCode

  constructor(code: AssuranceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/**
 * Thrown by the verifiers when an access token is refused (`error: 'invalid_token'`, status 401) or
 * cannot be verified right now (`temporary: true`, status 503, with `retryAfter` in seconds when
 * the verifier knows when it may try again).
 *
 * The `message` says what was wrong and names the rule (`token has no "jti" claim (RFC 9068
 * §2.2)`), for logs; it never contains the token or the claims that identify the user. The wire
 * only carries the generic `challenge`; the underlying error, if any, is in `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token)
 * } catch (err) {
 *   if (err instanceof AccessTokenError) return toErrorResponse(err)
 *   throw err
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export class AccessTokenError extends AssuranceError {
  override readonly name: string = 'AccessTokenError'
  /** Why the token was refused, or `ERR_VERIFIER_UNAVAILABLE`; stable, for logs and metrics. */
  declare readonly code: Extract<
    AssuranceErrorCode,
    `ERR_TOKEN_${string}` | 'ERR_VERIFIER_UNAVAILABLE'
  >
  /** The OAuth error code for the response body. */
  readonly error: 'invalid_token' | 'temporarily_unavailable'
  /** True when the failure is on the server's side (JWKS or introspection unreachable). */
  readonly temporary: boolean
  /** 401, or 503 when `temporary`. */
  readonly status: 401 | 503
  /** The typed wire values of the response (generic description, nothing from the token). */
  readonly challenge: AssuranceChallenge
  /**
   * For `ERR_VERIFIER_UNAVAILABLE` when the verifier knows it: whole seconds (≥ 1) until it may
   * fetch the key set again. `toErrorResponse` sends it as `Retry-After` (RFC 9110 §10.2.3).
   */
  declare readonly retryAfter?: number

  constructor(
    code: Extract<AssuranceErrorCode, `ERR_TOKEN_${string}` | 'ERR_VERIFIER_UNAVAILABLE'>,
    message: string = REASONS[code] ?? code,
    options?: { cause?: unknown; retryAfter?: number | undefined },
  ) {
    super(code, message, options)
    this.temporary = code === 'ERR_VERIFIER_UNAVAILABLE'
    const retryAfter = options?.retryAfter
    if (this.temporary && retryAfter !== undefined && Number.isFinite(retryAfter)) {
      this.retryAfter = Math.max(1, Math.ceil(retryAfter))
    }
    this.error = this.temporary ? 'temporarily_unavailable' : 'invalid_token'
    this.status = this.temporary ? 503 : 401
    this.challenge = this.temporary
      ? { error: this.error, error_description: 'The access token cannot be verified right now' }
      : { error: this.error, error_description: 'The access token is invalid' }
  }
}

/** Throw `ERR_INVALID_ARG_VALUE` naming the option unless `ok`. */
export function check(ok: unknown, name: string): asserts ok {
  if (!ok) throw invalidArgument(`invalid option "${name}"`)
}
