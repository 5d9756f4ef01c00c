import type { AuthorizationDetail } from '@stepup/rar'
import { createOAuthChallenge } from '@stepup/www-authenticate'

/**
 * The typed wire values of a failure: what goes into the `WWW-Authenticate` challenge and the
 * JSON body, never anything taken from the token.
 *
 * @example
 * ```ts
 * const result = evaluateAssurance({ acr: 'pwd' }, { acr_values: ['phr'] })
 * if (!result.ok) console.log(result.challenge) // { error: 'insufficient_user_authentication', …, acr_values: ['phr'] }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface AssuranceChallenge {
  /** The OAuth error code; absent when the request carried no credentials (RFC 6750 §3.1). */
  readonly error?: string
  /** Developer-facing explanation, never shown to end users as is. */
  readonly error_description?: string
  /** Acceptable classes in order of preference; one of them is required. */
  readonly acr_values?: readonly string[]
  /** Allowable seconds since the last active authentication. */
  readonly max_age?: number
  /** The scope necessary to access the resource. */
  readonly scope?: readonly string[]
  /** The authorization details the token does not cover (sent in the JSON body only). */
  readonly authorization_details?: readonly AuthorizationDetail[]
}

/**
 * How {@link toErrorResponse} renders a challenge: the scheme the request used, every scheme the
 * resource server accepts, the DPoP `algs`, a `realm` and the RFC 9728 `resource_metadata` URL.
 *
 * @example
 * ```ts
 * toErrorResponse({ status: 401, challenge: { error: 'invalid_token' } }, {
 *   scheme: 'DPoP',
 *   schemes: ['Bearer', 'DPoP'],
 *   algs: ['ES256'],
 *   resource_metadata: 'https://rs.example.com/.well-known/oauth-protected-resource',
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.2
 */
export interface ChallengeOptions {
  /** The scheme the request used; its challenge carries the error (default `Bearer`). */
  readonly scheme?: 'Bearer' | 'DPoP'
  /** Every scheme to challenge with, in order (default: `[scheme]`). */
  readonly schemes?: readonly ('Bearer' | 'DPoP')[]
  /** JWS algorithms accepted for DPoP proofs, sent as `algs` in the DPoP challenge. */
  readonly algs?: readonly string[]
  /** The protection space, sent as `realm` in every challenge (RFC 9110 §11.5). */
  readonly realm?: string
  /** The protected resource metadata URL, sent in every challenge (RFC 9728 §5.1). */
  readonly resource_metadata?: string
}

/**
 * The ready-to-send error response {@link toErrorResponse} returns: status, lower-cased header
 * names and the JSON body (`null` when the request carried no credentials).
 *
 * @example
 * ```ts
 * const { status, headers, body } = toErrorResponse(result)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface ErrorResponse {
  /** The HTTP status: 400, 401, 403 or 503 as the OAuth `error` asks (RFC 6750 §3.1). */
  readonly status: number
  /** `www-authenticate`, and `retry-after` on a 503 that has one, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * The JSON body (RFC 6750 §3), or `null` for a challenge without error information: the OAuth
   * `error` as in the challenge, its `error_description` when it has one, and the
   * `authorization_details` the token does not cover (RFC 9396), for the client to request.
   */
  readonly body: {
    readonly error: string
    readonly error_description?: string
    readonly authorization_details?: readonly AuthorizationDetail[]
  } | null
}

type Body = NonNullable<ErrorResponse['body']>

/** Serialise the challenge(s) for a failure, one per scheme, the error in the one used. */
export function renderWwwAuthenticate(c: AssuranceChallenge, o: ChallengeOptions = {}): string {
  const used = o.scheme ?? 'Bearer'
  return (o.schemes ?? [used])
    .map((scheme) =>
      createOAuthChallenge({
        scheme,
        realm: o.realm,
        ...(scheme === used && {
          error: c.error,
          error_description: c.error_description,
          scope: c.scope,
          acr_values: c.acr_values,
          max_age: c.max_age,
        }),
        algs: scheme === 'DPoP' ? o.algs : undefined,
        resource_metadata: o.resource_metadata,
      }),
    )
    .join(', ')
}

/**
 * Builds the ready-to-send HTTP response for any failure: status, `WWW-Authenticate` challenge and
 * JSON body. The failure is anything with the `status` to answer with and the `challenge` values
 * to render: a failed {@link AssuranceResult}, an {@link AccessTokenError}, or your own.
 *
 * The challenge has no error information when the request carried no credentials, and there is
 * none at all for a 503. The body is `{ error, error_description }` plus the uncovered
 * `authorization_details`. A 503 whose source knows when to retry (an `AccessTokenError` with
 * `retryAfter`) also gets `Retry-After` in seconds.
 *
 * @example
 * ```ts
 * toErrorResponse({ status: 401, challenge: {} }, { realm: 'api' })
 * // { status: 401, headers: { 'www-authenticate': 'Bearer realm="api"' }, body: null }
 * const result = evaluateAssurance(claims, { acr_values: ['phrh'] })
 * if (!result.ok) return toErrorResponse(result, { realm: 'api' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function toErrorResponse(
  failure: {
    readonly status: number
    readonly challenge: AssuranceChallenge
    readonly retryAfter?: number | undefined
  },
  options?: ChallengeOptions,
): ErrorResponse {
  const { status, challenge: c, retryAfter } = failure
  const headers: Record<string, string> = {}
  if (status !== 503) headers['www-authenticate'] = renderWwwAuthenticate(c, options)
  else if (Number.isSafeInteger(retryAfter) && (retryAfter as number) > 0) {
    headers['retry-after'] = String(retryAfter)
  }
  if (c.error === undefined) return { status, headers, body: null }
  headers['content-type'] = 'application/json'
  const body: { -readonly [K in keyof Body]: Body[K] } = {
    error: c.error,
  }
  if (c.error_description !== undefined) body.error_description = c.error_description
  if (c.authorization_details) body.authorization_details = c.authorization_details
  return { status, headers, body }
}
