import {
  type CompactJWSHeaderParameters,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FlattenedJWSInput,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  type KeyInput,
  type RemoteJWKSetOptions,
} from 'jose'
import { type AuthorizationDetailsRegistryLike, parseAccessTokenClaims } from './claims.js'
import { AccessTokenError, type AccessTokenErrorCode, check } from './errors.js'
import {
  ASYMMETRIC,
  ascii,
  COMPACT,
  fromBase64Url,
  jsonSegment,
  jwsAlgorithm,
  keyFits,
  mediaType,
} from './jws.js'
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

const KNOWN = new Set([...ASYMMETRIC, 'HS256', 'HS384', 'HS512'])

const codeOf = (e: unknown): unknown => (e as { code?: unknown } | null)?.code
/** jose's JWK Set errors for a `kid`/`alg` that selects no key, or more than one. */
const noKey = (e: unknown): boolean =>
  codeOf(e) === 'ERR_JWKS_NO_MATCHING_KEY' || codeOf(e) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'

/** The configured key (or the one a JWK Set selected) as a CryptoKey imported for `alg`. */
async function toCryptoKey(key: unknown, alg: string): Promise<CryptoKey> {
  if ((key as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'CryptoKey') {
    return key as CryptoKey
  }
  if (key instanceof Uint8Array) {
    const hmac = { name: 'HMAC', hash: jwsAlgorithm(alg)[1] as string }
    return crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, hmac, false, ['verify'])
  }
  // A JWK, or a Node KeyObject exported as one.
  const jwk = ((key as { export?(o: object): JWK }).export?.({ format: 'jwk' }) ?? key) as JWK
  if ((jwk.alg ?? alg) !== alg) throw new AccessTokenError('ERR_TOKEN_KEY_NOT_FOUND')
  return toCryptoKey(await importJWK(jwk, alg), alg)
}

/**
 * Create a verifier for RFC 9068 JWT access tokens: compact JWS with an allow-listed algorithm,
 * checked on WebCrypto with the issuer's key (selected and imported by jose, from a remote or
 * local JWK Set or the one key given), `typ` `at+jwt`, exact `iss`, `aud`, `exp` (required),
 * `nbf` and `iat` with tolerance, then the typed claims; a DPoP-bound token presented as Bearer
 * is refused. Failures reject with {@link AccessTokenError}; an unreachable JWK Set is
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
  let select: (header: CompactJWSHeaderParameters, jws: FlattenedJWSInput) => unknown
  if (jwks instanceof URL) {
    const remote = createRemoteJWKSet(jwks, {
      ...options.jwksOptions,
      ...(options.fetch && { [customFetch]: options.fetch }),
    })
    select = async (header, jws) => {
      try {
        return await remote(header, jws)
      } catch (e) {
        if (noKey(e)) throw e
        throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', undefined, { cause: e })
      }
    }
  } else {
    check(typeof jwks === 'object' && jwks, 'jwks')
    if (!(jwks instanceof Uint8Array) && 'keys' in jwks) {
      let local: JWTVerifyGetKey | undefined
      try {
        local = createLocalJWKSet(jwks as JSONWebKeySet)
      } catch {}
      check(local, 'jwks')
      select = local
    } else {
      // One key: imported once per algorithm it is used with.
      const imported = new Map<string, Promise<CryptoKey>>()
      select = (header) => {
        const alg = header.alg as string
        let key = imported.get(alg)
        if (!key) {
          key = toCryptoKey(jwks, alg)
          imported.set(alg, key)
        }
        return key
      }
    }
  }
  const allowed = new Map(algorithms.map((alg) => [alg, jwsAlgorithm(alg)]))
  const expectedTyp = mediaType(typ)
  const { authorizationDetails: registry } = options
  const fail = (code: AccessTokenErrorCode, message?: string, cause?: unknown) =>
    new AccessTokenError(code, message, { cause })
  const invalid = (claim: string) => fail('ERR_TOKEN_CLAIM_INVALID', claim)
  return createVerifier(async (token, now) => {
    // RFC 7515 §5.2: three base64url segments (an empty signature only so that alg "none" is
    // refused as an algorithm), a JSON object header, no extension (crit, b64) understood.
    const [h = '', p = '', s = ''] = token.split('.')
    const header = COMPACT.test(token) ? jsonSegment(h) : undefined
    if (!header || header['crit'] !== undefined || header['b64'] !== undefined) {
      throw fail('ERR_TOKEN_MALFORMED')
    }
    const alg = allowed.get(header['alg'] as string)
    if (!alg) throw fail('ERR_TOKEN_ALG_NOT_ALLOWED')
    if (typeof header['typ'] !== 'string' || mediaType(header['typ']) !== expectedTyp) {
      throw invalid('typ')
    }
    let key: CryptoKey
    let ok: boolean
    try {
      key = await toCryptoKey(
        await select(header as CompactJWSHeaderParameters, {
          protected: h,
          payload: p,
          signature: s,
        }),
        header['alg'] as string,
      )
    } catch (e) {
      throw e instanceof AccessTokenError
        ? e
        : fail(noKey(e) ? 'ERR_TOKEN_KEY_NOT_FOUND' : 'ERR_TOKEN_MALFORMED', undefined, e)
    }
    if (!keyFits(key, alg)) throw fail('ERR_TOKEN_KEY_NOT_FOUND')
    try {
      ok = await crypto.subtle.verify(alg[0], key, fromBase64Url(s), ascii.encode(`${h}.${p}`))
    } catch (e) {
      throw fail('ERR_TOKEN_MALFORMED', undefined, e)
    }
    if (!ok) throw fail('ERR_TOKEN_SIGNATURE_INVALID')
    const payload = jsonSegment(p)
    if (!payload) throw fail('ERR_TOKEN_MALFORMED')
    const { iss, aud, exp, nbf, iat } = payload
    if (iss !== issuer) throw invalid('iss')
    if (
      !(typeof aud === 'string'
        ? audiences.includes(aud)
        : Array.isArray(aud) && aud.some((a) => audiences.includes(a)))
    ) {
      throw invalid('aud')
    }
    if (typeof exp !== 'number') throw invalid('exp')
    if (exp <= now - clockTolerance) throw fail('ERR_TOKEN_EXPIRED')
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + clockTolerance)) {
      throw invalid('nbf')
    }
    if (iat !== undefined && (typeof iat !== 'number' || iat > now + clockTolerance)) {
      throw invalid('iat')
    }
    return parseAccessTokenClaims(payload, registry)
  }, options)
}
