import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
  type KeyInput,
  type RemoteJWKSetOptions,
} from 'jose'
import { type AuthorizationDetailsRegistryLike, parseAccessTokenClaims } from './claims.js'
import { AccessTokenError, type AccessTokenErrorCode, check } from './errors.js'
import {
  type AccessTokenVerifier,
  createVerifier,
  positive,
  type VerifierCacheOptions,
} from './verifier.js'

/**
 * Options of {@link createJwtAccessTokenVerifier}.
 *
 * @example
 * ```ts
 * const options: JwtAccessTokenVerifierOptions = {
 *   issuer: 'https://as.example.net',
 *   audience: 'https://rs.example.com',
 *   jwks: new URL('https://as.example.net/jwks'),
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export interface JwtAccessTokenVerifierOptions {
  /** Must exactly match `iss` (RFC 9068 §4). */
  readonly issuer: string
  /** `aud` must contain one of these (RFC 9068 §4). */
  readonly audience: string | readonly string[]
  /** A remote JWK Set URL (cached by jose, refetched after a cooldown on an unknown `kid`), a JWK Set, or one key. */
  readonly jwks: URL | JSONWebKeySet | KeyInput
  /** Allowed `alg` values; default every asymmetric JWS algorithm. `none` is never allowed; `HS*` only when listed. */
  readonly algorithms?: readonly string[]
  /** Seconds of leeway for `exp`, `nbf` and `iat` (default 0). */
  readonly clockTolerance?: number
  /** Expected `typ`, compared as a media type (case-insensitive, `application/` optional); default `at+jwt`. */
  readonly typ?: string
  /** Validate the `authorization_details` claim with this `@stepup/rar` registry. */
  readonly authorizationDetails?: AuthorizationDetailsRegistryLike
  /** Keep verified tokens in a bounded LRU (keyed by SHA-256 of the token, never past `exp`). */
  readonly cache?: VerifierCacheOptions
  /** Longest token accepted, in characters (default 8192). */
  readonly maxTokenLength?: number
  /** Remote JWK Set timeouts, cooldown and cache age (jose's options, milliseconds). */
  readonly jwksOptions?: Pick<
    RemoteJWKSetOptions,
    'timeoutDuration' | 'cooldownDuration' | 'cacheMaxAge' | 'headers'
  >
  /** The fetch used for the remote JWK Set. */
  readonly fetch?: typeof fetch
  /** The clock, in epoch seconds (default `Date.now() / 1000`). */
  readonly now?: () => number
}

const ASYMMETRIC = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519'.split(' ')
const KNOWN = new Set([...ASYMMETRIC, 'HS256', 'HS384', 'HS512'])

/** jose's error codes for a refused token; anything else is `ERR_TOKEN_MALFORMED`. */
const JOSE_CODES: Record<string, AccessTokenErrorCode> = {
  ERR_JWT_EXPIRED: 'ERR_TOKEN_EXPIRED',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'ERR_TOKEN_CLAIM_INVALID',
  ERR_JOSE_ALG_NOT_ALLOWED: 'ERR_TOKEN_ALG_NOT_ALLOWED',
  ERR_JWKS_NO_MATCHING_KEY: 'ERR_TOKEN_KEY_NOT_FOUND',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'ERR_TOKEN_KEY_NOT_FOUND',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'ERR_TOKEN_SIGNATURE_INVALID',
}

const codeOf = (e: unknown): unknown => (e as { code?: unknown } | null)?.code

/**
 * Create a verifier for RFC 9068 JWT access tokens (with jose): signature with an allow-listed
 * algorithm and the issuer's keys, `typ` `at+jwt`, exact `iss`, `aud`, `exp` (required), `nbf`
 * and `iat` with tolerance, then the typed claims; a DPoP-bound token presented as Bearer is
 * refused. Failures reject with {@link AccessTokenError}; an unreachable JWK Set is
 * `ERR_VERIFIER_UNAVAILABLE` (`temporary`, answer 503).
 *
 * @example
 * ```ts
 * const verifier = createJwtAccessTokenVerifier({
 *   issuer: 'https://as.example.net',
 *   audience: 'https://rs.example.com',
 *   jwks: new URL('https://as.example.net/jwks'),
 *   cache: { max: 10_000 },
 * })
 * const claims = await verifier.verify(token)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function createJwtAccessTokenVerifier(
  options: JwtAccessTokenVerifierOptions,
): AccessTokenVerifier {
  const { issuer, audience, jwks, clockTolerance = 0, typ = 'at+jwt' } = options
  const algorithms = options.algorithms ?? ASYMMETRIC
  check(typeof issuer === 'string' && issuer, 'issuer')
  const audiences = typeof audience === 'string' ? [audience] : audience
  check(
    Array.isArray(audiences) &&
      audiences.length &&
      audiences.every((a) => typeof a === 'string' && a),
    'audience',
  )
  // `none` and unknown names are refused; a shared secret only goes with HS* algorithms.
  check(
    Array.isArray(algorithms) &&
      algorithms.length &&
      algorithms.every(
        (a) => KNOWN.has(a) && (!(jwks instanceof Uint8Array) || a.startsWith('HS')),
      ),
    'algorithms',
  )
  positive(clockTolerance, 'clockTolerance', false)
  check(typeof typ === 'string' && typ, 'typ')
  let key: KeyInput | JWTVerifyGetKey
  if (jwks instanceof URL) {
    const remote = createRemoteJWKSet(jwks, {
      ...options.jwksOptions,
      ...(options.fetch && { [customFetch]: options.fetch }),
    })
    key = async (header, token) => {
      try {
        return await remote(header, token)
      } catch (e) {
        const c = codeOf(e)
        if (c === 'ERR_JWKS_NO_MATCHING_KEY' || c === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw e
        throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', undefined, { cause: e })
      }
    }
  } else {
    check(typeof jwks === 'object' && jwks, 'jwks')
    try {
      key =
        !(jwks instanceof Uint8Array) && 'keys' in jwks
          ? createLocalJWKSet(jwks as JSONWebKeySet)
          : (jwks as KeyInput)
    } catch {
      check(false, 'jwks')
    }
  }
  const { authorizationDetails: registry } = options
  return createVerifier(async (token, now) => {
    let payload: Record<string, unknown>
    try {
      ;({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        issuer,
        audience: audiences,
        algorithms: algorithms as string[],
        clockTolerance,
        typ,
        requiredClaims: ['exp'],
        currentDate: new Date(now * 1000),
      }))
    } catch (e) {
      if (e instanceof AccessTokenError) throw e
      const code = JOSE_CODES[String(codeOf(e))] ?? 'ERR_TOKEN_MALFORMED'
      throw new AccessTokenError(code, undefined, { cause: e })
    }
    if (typeof payload['iat'] === 'number' && payload['iat'] > now + clockTolerance) {
      throw new AccessTokenError('ERR_TOKEN_CLAIM_INVALID', 'iat')
    }
    return parseAccessTokenClaims(payload, registry)
  }, options)
}
