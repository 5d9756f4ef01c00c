import { checkOptions, invalidArgument } from '@stepup/internal'
import {
  type AccessTokenClaims,
  type AuthorizationDetailsRegistryLike,
  missingClaim,
  parseAccessTokenClaims,
  quoted,
  requiredClaims,
} from './claims.js'
import { AccessTokenError, check } from './errors.js'
import {
  type AccessTokenVerifier,
  checkCacheOptions,
  createVerifier,
  positive,
  type VerifyOptions,
} from './verifier.js'

/**
 * The options of {@link createIntrospectionVerifier}: the endpoint, how the resource server
 * authenticates to it (`clientId` + `clientSecret` as HTTP Basic, or a `clientAuth` hook), the
 * audience the tokens must be for, and how long active results may be cached.
 *
 * @example
 * ```ts
 * const verifier = createIntrospectionVerifier({
 *   endpoint: 'https://as.example.net/introspect',
 *   clientId: 'rs',
 *   clientSecret: 'secret',
 *   audience: 'https://rs.example.com',
 *   cacheTtl: 30,
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export interface IntrospectionVerifierOptions {
  /** The authorization server's introspection endpoint (RFC 7662 §2). */
  readonly endpoint: string | URL
  /** The resource server's client identifier at the authorization server. */
  readonly clientId?: string
  /** Sent with `clientId` as HTTP Basic (RFC 6749 §2.3.1). */
  readonly clientSecret?: string
  /** Authenticate the request another way (private_key_jwt, a bearer token…): edit headers or body. */
  readonly clientAuth?: (request: {
    headers: Headers
    body: URLSearchParams
  }) => void | Promise<void>
  /** The fetch to call the endpoint with; default `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** Seconds an active result may be reused (never past its `exp`); default 0, no caching. */
  readonly cacheTtl?: number
  /**
   * Bound of the result cache, an LRU keyed by the token itself: at most `max` entries (default
   * 1000), never past the token's `exp` nor `cacheTtl`.
   */
  readonly cache?: { readonly max?: number }
  /** Milliseconds before the introspection request is abandoned (default 5000). */
  readonly timeout?: number
  /** When set, `iss` must equal it. */
  readonly issuer?: string
  /**
   * Required: `aud` must contain one of these. An authorization server answers `active: true`
   * for a token issued to any resource server it knows; without an audience check, a token
   * meant for another API would be accepted here (RFC 7662 §4).
   */
  readonly audience: string | readonly string[]
  /**
   * Members an active response must carry besides `active` and `aud` (RFC 7662 §2.2 makes them
   * all optional): for example `['sub', 'exp']` when your API keys on the user and relies on an
   * expiry. Default none.
   */
  readonly requiredClaims?: readonly ('iss' | 'exp' | 'aud' | 'sub' | 'client_id' | 'iat' | 'jti')[]
  /**
   * Checks for `cnf` confirmation methods other than `jkt` and `x5t#S256`, by `cnf` member name
   * (RFC 7800 §3.1): each gets the member's value and how the token was presented, and returns
   * whether the request proves possession of that key. A `cnf` member with no check refuses the
   * token (see `checkConfirmation`).
   */
  readonly confirmation?: Readonly<
    Record<string, (value: unknown, presentation: VerifyOptions) => boolean>
  >
  /** Seconds of leeway for `exp` and `nbf`: finite, not negative (default 0). */
  readonly clockTolerance?: number
  /** Validate the `authorization_details` member with this `@stepup/rar` registry. */
  readonly authorizationDetailsRegistry?: AuthorizationDetailsRegistryLike
  /** Longest token sent for introspection, in characters (default 8192); longer ones are refused. */
  readonly maxTokenLength?: number
  /** The clock, in epoch seconds. */
  readonly now?: () => number
}

const OPTIONS: ReadonlySet<string> = new Set([
  'endpoint',
  'clientId',
  'clientSecret',
  'clientAuth',
  'fetch',
  'cacheTtl',
  'cache',
  'timeout',
  'issuer',
  'audience',
  'requiredClaims',
  'confirmation',
  'clockTolerance',
  'authorizationDetailsRegistry',
  'maxTokenLength',
  'now',
])
const WHERE = 'createIntrospectionVerifier'

const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+')

/**
 * Creates a verifier for opaque tokens using OAuth 2.0 Token Introspection: `active: false` rejects
 * with `ERR_TOKEN_INACTIVE` (→ `invalid_token`); `aud` (required), `exp`, `nbf`, `iss` when
 * configured and the `requiredClaims` are checked, then the sender constraint; an unreachable or
 * failing endpoint is `ERR_VERIFIER_UNAVAILABLE` (answer 503).
 *
 * Concurrent verifications of one token share one introspection call. Active results are cached,
 * frozen, no longer than `cacheTtl` and the token's `exp`. Unknown option keys and a missing
 * `audience` are refused when it is built.
 *
 * @example
 * ```ts
 * const verifier = createIntrospectionVerifier({
 *   endpoint: 'https://as.example.net/introspect',
 *   clientId: 'rs',
 *   clientSecret: process.env.INTROSPECTION_SECRET!,
 *   audience: 'https://rs.example.com',
 *   cacheTtl: 30,
 * })
 * const claims = await verifier.verify(token)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export function createIntrospectionVerifier(
  options: IntrospectionVerifierOptions,
): AccessTokenVerifier {
  checkOptions(options, OPTIONS, WHERE)
  check(options, 'options')
  const { clientId, clientSecret, clientAuth, issuer, cacheTtl = 0, timeout = 5000 } = options
  const {
    clockTolerance = 0,
    authorizationDetailsRegistry: registry,
    fetch: fetcher = fetch,
  } = options
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
  if (
    !Array.isArray(audiences) ||
    !audiences.length ||
    !audiences.every((a) => typeof a === 'string' && a)
  ) {
    throw invalidArgument(
      `${WHERE}: "audience" is required, the resource server's identifier(s) that "aud" must contain`,
    )
  }
  check(issuer === undefined || (typeof issuer === 'string' && issuer), 'issuer')
  const required = requiredClaims(options.requiredClaims ?? [], WHERE)
  positive(cacheTtl, 'cacheTtl')
  // Checked even when nothing is cached (cacheTtl 0): a typo there is an error too.
  checkCacheOptions(options.cache, WHERE)
  positive(timeout, 'timeout')
  positive(clockTolerance, 'clockTolerance', false)
  const basic =
    clientSecret !== undefined && `Basic ${btoa(`${form(clientId!)}:${form(clientSecret)}`)}`
  const unavailable = (message: string, cause: unknown) =>
    new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', message, { cause })
  const invalid = (message: string) => new AccessTokenError('ERR_TOKEN_CLAIM_INVALID', message)
  const introspect = async (token: string, now: number): Promise<AccessTokenClaims> => {
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
      throw unavailable(`introspection at ${endpoint.href} failed`, e)
    }
    const active = (json as { active?: unknown } | null)?.active
    if (typeof active !== 'boolean') {
      throw unavailable(
        'introspection response has no boolean "active" member (RFC 7662 §2.2)',
        undefined,
      )
    }
    if (!active) throw new AccessTokenError('ERR_TOKEN_INACTIVE')
    const claims = parseAccessTokenClaims(json, registry)
    const { exp, nbf, aud } = claims
    if (exp !== undefined && exp <= now - clockTolerance) {
      throw new AccessTokenError(
        'ERR_TOKEN_EXPIRED',
        `introspected "exp" passed ${now - exp} s ago, clockTolerance is ${clockTolerance} s (RFC 7662 §2.2)`,
      )
    }
    if (nbf !== undefined && nbf > now + clockTolerance) {
      throw invalid(
        `introspected "nbf" is ${nbf - now} s ahead, clockTolerance is ${clockTolerance} s (RFC 7662 §2.2)`,
      )
    }
    if (issuer !== undefined && claims.iss !== issuer) {
      throw invalid(
        `introspected "iss" is ${quoted(claims.iss)}, expected exactly ${quoted(issuer)} (RFC 7662 §2.2)`,
      )
    }
    if (!audiences.some((a) => (typeof aud === 'string' ? aud === a : aud?.includes(a)))) {
      throw invalid(
        aud === undefined
          ? 'introspection response has no "aud" member, so the token may be for another resource (RFC 7662 §4)'
          : 'introspected "aud" does not contain the configured audience (RFC 7662 §2.2)',
      )
    }
    const missing = missingClaim(claims.raw, required)
    if (missing) {
      throw invalid(`introspection response has no ${quoted(missing)} member (requiredClaims)`)
    }
    return claims
  }
  // One introspection call per token at a time: concurrent requests with the same token share it
  // (entries leave when the call settles, so the map holds only calls in flight).
  const inflight = new Map<string, Promise<AccessTokenClaims>>()
  return createVerifier(
    (token, now) => {
      let call = inflight.get(token)
      if (!call) {
        call = introspect(token, now).finally(() => inflight.delete(token))
        inflight.set(token, call)
      }
      return call
    },
    { ...options, cache: cacheTtl > 0 ? (options.cache ?? {}) : undefined },
    WHERE,
    cacheTtl,
  )
}
