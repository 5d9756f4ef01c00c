import { type AuthorizationDetailsRegistryLike, parseAccessTokenClaims } from './claims.js'
import { AccessTokenError, check } from './errors.js'
import {
  type AccessTokenVerifier,
  createVerifier,
  positive,
  type VerifierCacheOptions,
} from './verifier.js'

/**
 * Options of {@link createIntrospectionVerifier}: the endpoint, how the resource server
 * authenticates to it (`clientId` + `clientSecret` as HTTP Basic, or a `clientAuth` hook), and
 * how long active results may be cached.
 *
 * @example
 * ```ts
 * const options: IntrospectionVerifierOptions = {
 *   endpoint: 'https://as.example.net/introspect',
 *   clientId: 'rs',
 *   clientSecret: 'secret',
 *   cacheTtl: 30,
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export interface IntrospectionVerifierOptions {
  readonly endpoint: string | URL
  readonly clientId?: string
  /** Sent with `clientId` as HTTP Basic (RFC 6749 §2.3.1). */
  readonly clientSecret?: string
  /** Authenticate the request another way (private_key_jwt, a bearer token…): edit headers or body. */
  readonly clientAuth?: (request: {
    headers: Headers
    body: URLSearchParams
  }) => void | Promise<void>
  readonly fetch?: typeof fetch
  /** Seconds an active result may be reused (never past its `exp`); default 0, no caching. */
  readonly cacheTtl?: number
  /** Bound of the result cache (default 1000 entries). */
  readonly cache?: VerifierCacheOptions
  /** Milliseconds before the introspection request is abandoned (default 5000). */
  readonly timeout?: number
  /** When set, `iss` must equal it. */
  readonly issuer?: string
  /** When set, `aud` must contain one of these. */
  readonly audience?: string | readonly string[]
  /** Seconds of leeway for `exp` and `nbf` (default 0). */
  readonly clockTolerance?: number
  readonly authorizationDetails?: AuthorizationDetailsRegistryLike
  readonly maxTokenLength?: number
  /** The clock, in epoch seconds. */
  readonly now?: () => number
}

const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+')

/**
 * Create a verifier for opaque tokens using OAuth 2.0 Token Introspection: `active: false`
 * rejects with `ERR_TOKEN_INACTIVE` (→ `invalid_token`); `exp`, `nbf` and optionally `iss`/`aud`
 * are checked; an unreachable or failing endpoint is `ERR_VERIFIER_UNAVAILABLE` (answer 503).
 * Active results are cached no longer than `cacheTtl` and the token's `exp`.
 *
 * @example
 * ```ts
 * const verifier = createIntrospectionVerifier({
 *   endpoint: 'https://as.example.net/introspect',
 *   clientId: 'rs',
 *   clientSecret: process.env.INTROSPECTION_SECRET!,
 *   cacheTtl: 30,
 * })
 * const claims = await verifier.verify(token)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export function createIntrospectionVerifier(
  options: IntrospectionVerifierOptions,
): AccessTokenVerifier {
  const { clientId, clientSecret, clientAuth, issuer, cacheTtl = 0, timeout = 5000 } = options
  const { clockTolerance = 0, authorizationDetails: registry, fetch: fetcher = fetch } = options
  const endpoint = URL.parse(String(options.endpoint))
  check(endpoint && /^https?:$/.test(endpoint.protocol), 'endpoint')
  // Exactly one way to authenticate: clientId + clientSecret (HTTP Basic), or the clientAuth hook.
  check(
    clientAuth === undefined
      ? typeof clientId === 'string' && typeof clientSecret === 'string'
      : clientSecret === undefined && typeof clientAuth === 'function',
    'clientAuth',
  )
  const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience
  positive(cacheTtl, 'cacheTtl')
  positive(timeout, 'timeout')
  positive(clockTolerance, 'clockTolerance', false)
  const basic =
    clientSecret !== undefined && `Basic ${btoa(`${form(clientId!)}:${form(clientSecret)}`)}`
  const unavailable = (cause: unknown) =>
    new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', undefined, { cause })
  return createVerifier(
    async (token, now) => {
      const headers = new Headers({
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      })
      if (basic) headers.set('authorization', basic)
      const body = new URLSearchParams({ token, token_type_hint: 'access_token' })
      let json: unknown
      try {
        await clientAuth?.({ headers, body })
        const response = await fetcher(endpoint, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeout),
        })
        if (response.status !== 200) throw new Error(`introspection answered ${response.status}`)
        json = await response.json()
      } catch (e) {
        throw unavailable(e)
      }
      const active = (json as { active?: unknown } | null)?.active
      if (typeof active !== 'boolean') throw unavailable(new Error('no boolean "active" member'))
      if (!active) throw new AccessTokenError('ERR_TOKEN_INACTIVE')
      const claims = parseAccessTokenClaims(json, registry)
      if (claims.exp !== undefined && claims.exp <= now - clockTolerance) {
        throw new AccessTokenError('ERR_TOKEN_EXPIRED')
      }
      const aud = claims.aud
      if (
        (claims.nbf !== undefined && claims.nbf > now + clockTolerance) ||
        (issuer !== undefined && claims.iss !== issuer) ||
        (audiences &&
          !audiences.some((a) => (typeof aud === 'string' ? aud === a : aud?.includes(a))))
      ) {
        throw new AccessTokenError('ERR_TOKEN_CLAIM_INVALID')
      }
      return claims
    },
    { ...options, cache: cacheTtl > 0 ? (options.cache ?? {}) : undefined },
    cacheTtl,
  )
}
