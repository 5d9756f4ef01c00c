import { checkOptions } from '@stepup/internal'
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
import {
  type AuthorizationDetailsRegistryLike,
  type ConfirmationChecks,
  missingClaim,
  parseAccessTokenClaims,
  quoted,
  type RequiredClaim,
  RFC9068_CLAIMS,
  requiredClaims,
} from './claims.js'
import { AccessTokenError, type AccessTokenErrorCode, argumentError, check } from './errors.js'
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
  /** Seconds of leeway for `exp`, `nbf` and `iat`: finite, not negative (default 0). */
  readonly clockTolerance?: number
  /** Expected `typ`, compared as a media type (case-insensitive, `application/` optional); default `at+jwt`. */
  readonly typ?: string
  /**
   * Claims a token must carry, besides `iss`, `aud` and `exp` which are always required. Default:
   * all of RFC 9068 §2.2 (`iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`). For an issuer
   * that is not RFC 9068, list what your API relies on (`['sub']`, or `[]`) rather than switch
   * a profile off: the list says which claims your code may count on, and a missing one is
   * refused with a message naming it.
   */
  readonly requiredClaims?: readonly RequiredClaim[]
  /** Checks for `cnf` confirmation methods other than `jkt` and `x5t#S256` (see `checkConfirmation`). */
  readonly confirmation?: ConfirmationChecks
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

const OPTIONS: ReadonlySet<string> = new Set([
  'issuer',
  'audience',
  'jwks',
  'algorithms',
  'clockTolerance',
  'typ',
  'requiredClaims',
  'confirmation',
  'authorizationDetails',
  'cache',
  'maxTokenLength',
  'jwksOptions',
  'fetch',
  'now',
])
const JWKS_OPTIONS: ReadonlySet<string> = new Set([
  'timeoutDuration',
  'cooldownDuration',
  'cacheMaxAge',
  'headers',
])
const WHERE = 'createJwtAccessTokenVerifier'

const KNOWN = new Set([...ASYMMETRIC, 'HS256', 'HS384', 'HS512'])
/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const hashBytes = (alg: string): number => Number(alg.slice(2)) / 8
const isCryptoKey = (key: unknown): key is CryptoKey =>
  (key as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'CryptoKey'

/** The length in bytes of a shared secret given as the one key, or undefined for any other key. */
function secretLength(key: unknown): number | undefined {
  if (key instanceof Uint8Array) return key.length
  if (isCryptoKey(key)) {
    const a = key.algorithm as KeyAlgorithm & { length?: number }
    return a.name === 'HMAC' ? (a.length ?? 0) / 8 : undefined
  }
  const k = key as { type?: unknown; symmetricKeySize?: unknown; kty?: unknown; k?: unknown }
  if (k.type === 'secret') return typeof k.symmetricKeySize === 'number' ? k.symmetricKeySize : 0
  if (k.kty === 'oct') return typeof k.k === 'string' ? Math.floor((k.k.length * 3) / 4) : 0
  return undefined
}

/** Refuse, when the verifier is built, one key that may not verify signatures. */
function checkOneKey(key: unknown, algorithms: readonly string[]): void {
  const secret = secretLength(key)
  for (const alg of algorithms) {
    if (secret === undefined) continue
    if (!alg.startsWith('HS')) {
      throw argumentError(`${WHERE}: "algorithms" lists ${alg}, but the key is a shared secret`)
    }
    if (secret < hashBytes(alg)) {
      throw argumentError(
        `${WHERE}: the ${alg} secret is ${secret} bytes; RFC 7518 §3.2 requires at least ${hashBytes(alg)}`,
      )
    }
  }
  const { use, key_ops: ops } = key as { use?: unknown; key_ops?: unknown }
  const usages = isCryptoKey(key) ? key.usages : ops
  if (
    (use !== undefined && use !== 'sig') ||
    (usages !== undefined && !(Array.isArray(usages) && usages.includes('verify')))
  ) {
    throw argumentError(
      `${WHERE}: the configured key is not for verifying signatures ("use" must be "sig", "key_ops" must include "verify"; RFC 7517 §4.2, §4.3)`,
    )
  }
}

const codeOf = (e: unknown): unknown => (e as { code?: unknown } | null)?.code
/** jose's JWK Set errors for a `kid`/`alg` that selects no key, or more than one. */
const noKey = (e: unknown): boolean =>
  codeOf(e) === 'ERR_JWKS_NO_MATCHING_KEY' || codeOf(e) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'

/** The configured key (or the one a JWK Set selected) as a CryptoKey imported for `alg`. */
async function toCryptoKey(key: unknown, alg: string): Promise<CryptoKey> {
  if (isCryptoKey(key)) return key
  if (key instanceof Uint8Array) {
    if (!alg.startsWith('HS') || key.length < hashBytes(alg)) {
      throw new AccessTokenError(
        'ERR_TOKEN_KEY_NOT_FOUND',
        `the key is a shared secret too short for ${alg} or not for an HS algorithm (RFC 7518 §3.2)`,
      )
    }
    const hmac = { name: 'HMAC', hash: jwsAlgorithm(alg)[1] as string }
    return crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, hmac, false, ['verify'])
  }
  // A JWK, or a Node KeyObject exported as one.
  const jwk = ((key as { export?(o: object): JWK }).export?.({ format: 'jwk' }) ?? key) as JWK
  if ((jwk.alg ?? alg) !== alg) {
    throw new AccessTokenError(
      'ERR_TOKEN_KEY_NOT_FOUND',
      `the key is for ${quoted(jwk.alg)}, the token "alg" is ${quoted(alg)} (RFC 7517 §4.4)`,
    )
  }
  return toCryptoKey(await importJWK(jwk, alg), alg)
}

/**
 * Create a verifier for RFC 9068 JWT access tokens: compact JWS with an allow-listed algorithm,
 * checked on WebCrypto with the issuer's key (selected and imported by jose, from a remote or
 * local JWK Set or the one key given), `typ` `at+jwt`, exact `iss`, `aud`, `exp`, `nbf` and `iat`
 * with tolerance, the RFC 9068 §2.2 claims present (see `requiredClaims`), then the typed claims
 * and the sender constraint (`checkConfirmation`). Unknown option keys, short HMAC secrets and a
 * key not meant for signatures are refused when it is built. Failures reject with
 * {@link AccessTokenError}, whose message names the rule; an unreachable JWK Set is
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
  checkOptions(options, OPTIONS, WHERE)
  check(options, 'options')
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
  const required = [
    ...new Set<string>([
      'iss',
      'aud',
      'exp',
      ...requiredClaims(options.requiredClaims ?? RFC9068_CLAIMS, WHERE),
    ]),
  ]
  checkOptions(options.jwksOptions, JWKS_OPTIONS, `${WHERE}: jwksOptions`)
  let select: (header: CompactJWSHeaderParameters, jws: FlattenedJWSInput) => unknown
  check(typeof jwks === 'object' && jwks, 'jwks')
  const isSet = jwks instanceof URL || (!(jwks instanceof Uint8Array) && 'keys' in jwks)
  if (isSet && algorithms.some((a) => a.startsWith('HS'))) {
    // jose never selects a secret from a JWK Set.
    throw argumentError(`${WHERE}: HS* algorithms need the shared secret itself as "jwks"`)
  }
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
        throw new AccessTokenError(
          'ERR_VERIFIER_UNAVAILABLE',
          `the JWK Set at ${jwks.href} cannot be used right now`,
          { cause: e },
        )
      }
    }
  } else if (isSet) {
    let local: JWTVerifyGetKey | undefined
    try {
      local = createLocalJWKSet(jwks as JSONWebKeySet)
    } catch {}
    check(local, 'jwks')
    select = local
  } else {
    checkOneKey(jwks, algorithms)
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
  const allowed = new Map(algorithms.map((alg) => [alg, jwsAlgorithm(alg)]))
  const expectedTyp = mediaType(typ)
  const { authorizationDetails: registry } = options
  const fail = (code: AccessTokenErrorCode, message?: string, cause?: unknown) =>
    new AccessTokenError(code, message, { cause })
  const invalid = (message: string) => fail('ERR_TOKEN_CLAIM_INVALID', message)
  return createVerifier(
    async (token, now) => {
      // RFC 7515 §5.2: three base64url segments (an empty signature only so that alg "none" is
      // refused as an algorithm), a JSON object header, no extension (crit, b64) understood.
      const [h = '', p = '', s = ''] = token.split('.')
      const header = COMPACT.test(token) ? jsonSegment(h) : undefined
      if (!header) {
        throw fail(
          'ERR_TOKEN_MALFORMED',
          'token is not a compact JWS with a JSON object header (RFC 7515 §7.1)',
        )
      }
      if (header['crit'] !== undefined || header['b64'] !== undefined) {
        throw fail(
          'ERR_TOKEN_MALFORMED',
          `token header has ${header['crit'] !== undefined ? '"crit"' : '"b64"'}; no JWS extension is understood (RFC 7515 §4.1.11)`,
        )
      }
      const alg = allowed.get(header['alg'] as string)
      if (!alg) {
        throw fail(
          'ERR_TOKEN_ALG_NOT_ALLOWED',
          `token "alg" is ${quoted(header['alg'])}, not one of the allowed algorithms (RFC 8725 §3.1)`,
        )
      }
      if (typeof header['typ'] !== 'string' || mediaType(header['typ']) !== expectedTyp) {
        throw invalid(
          header['typ'] === undefined
            ? `token has no "typ" header, expected ${quoted(typ)} (RFC 9068 §2.1)`
            : `token "typ" is ${quoted(header['typ'])}, expected ${quoted(typ)} (RFC 9068 §2.1)`,
        )
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
        if (e instanceof AccessTokenError) throw e
        throw noKey(e)
          ? fail(
              'ERR_TOKEN_KEY_NOT_FOUND',
              codeOf(e) === 'ERR_JWKS_NO_MATCHING_KEY'
                ? 'no key of the JWK Set matches the token "kid" and "alg" (RFC 7515 §4.1.4)'
                : 'several keys of the JWK Set match the token "kid" and "alg" (RFC 7515 §4.1.4)',
              e,
            )
          : fail('ERR_TOKEN_MALFORMED', 'the key for the token "alg" cannot be imported', e)
      }
      if (!keyFits(key, alg)) {
        throw fail(
          'ERR_TOKEN_KEY_NOT_FOUND',
          `the key does not fit ${quoted(header['alg'])}: another algorithm, hash or curve, or an RSA key under 2048 bits (RFC 7518 §3)`,
        )
      }
      try {
        ok = await crypto.subtle.verify(alg[0], key, fromBase64Url(s), ascii.encode(`${h}.${p}`))
      } catch (e) {
        throw fail('ERR_TOKEN_MALFORMED', 'token signature cannot be decoded (RFC 7515 §7.1)', e)
      }
      if (!ok) {
        throw fail(
          'ERR_TOKEN_SIGNATURE_INVALID',
          "token signature does not verify with the issuer's key (RFC 7515 §5.2)",
        )
      }
      const payload = jsonSegment(p)
      if (!payload) {
        throw fail('ERR_TOKEN_MALFORMED', 'token claims set is not a JSON object (RFC 7519 §7.2)')
      }
      const missing = missingClaim(payload, required)
      if (missing) throw invalid(`token has no ${quoted(missing)} claim (RFC 9068 §2.2)`)
      const { iss, aud, exp, nbf, iat } = payload
      if (iss !== issuer) {
        throw invalid(
          `token "iss" is ${quoted(iss)}, expected exactly ${quoted(issuer)} (RFC 9068 §4)`,
        )
      }
      if (
        !(typeof aud === 'string'
          ? audiences.includes(aud)
          : Array.isArray(aud) && aud.some((a) => audiences.includes(a)))
      ) {
        throw invalid('token "aud" does not contain the configured audience (RFC 9068 §4)')
      }
      if (typeof exp !== 'number') throw invalid('token "exp" is not a number (RFC 7519 §4.1.4)')
      if (exp <= now - clockTolerance) {
        throw fail(
          'ERR_TOKEN_EXPIRED',
          `token "exp" passed ${now - exp} s ago, clockTolerance is ${clockTolerance} s (RFC 9068 §4)`,
        )
      }
      if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + clockTolerance)) {
        throw invalid(
          typeof nbf === 'number'
            ? `token "nbf" is ${nbf - now} s ahead, clockTolerance is ${clockTolerance} s (RFC 7519 §4.1.5)`
            : 'token "nbf" is not a number (RFC 7519 §4.1.5)',
        )
      }
      if (iat !== undefined && (typeof iat !== 'number' || iat > now + clockTolerance)) {
        throw invalid(
          typeof iat === 'number'
            ? `token "iat" is ${iat - now} s ahead, clockTolerance is ${clockTolerance} s (RFC 7519 §4.1.6)`
            : 'token "iat" is not a number (RFC 7519 §4.1.6)',
        )
      }
      return parseAccessTokenClaims(payload, registry)
    },
    options,
    WHERE,
  )
}
