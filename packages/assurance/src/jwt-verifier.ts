import { checkOptions, invalidArgument } from '@stepup/internal'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWTVerifyResult,
  jwtVerify,
  type KeyInput,
  type RemoteJWKSet,
} from 'jose'
import {
  type AuthorizationDetailsRegistryLike,
  missingClaim,
  parseAccessTokenClaims,
  quoted,
  RFC9068_CLAIMS,
  requiredClaims,
} from './claims.js'
import { AccessTokenError, type AccessTokenErrorCode, check } from './errors.js'
import {
  type AccessTokenVerifier,
  ASYMMETRIC,
  COMPACT,
  createVerifier,
  positive,
  type VerifyOptions,
} from './verifier.js'

/**
 * The options of {@link createJwtAccessTokenVerifier}: the issuer, audience and keys the tokens
 * are checked against, and how keys are fetched and results cached.
 *
 * @example
 * ```ts
 * const verifier = createJwtAccessTokenVerifier({
 *   issuer: 'https://as.example.net',
 *   audience: 'https://rs.example.com',
 *   jwks: new URL('https://as.example.net/jwks'),
 *   jwksOptions: { timeoutDuration: 2000, backoff: { initial: 500, max: 30_000 } },
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export interface JwtAccessTokenVerifierOptions {
  /** Must exactly match `iss` (RFC 9068 §4). */
  readonly issuer: string
  /** `aud` must contain one of these (RFC 9068 §4). */
  readonly audience: string | readonly string[]
  /**
   * The issuer's keys: a remote JWK Set URL (jose's `createRemoteJWKSet`, see `jwksOptions`), a
   * JWK Set (`createLocalJWKSet`), or one key (a `CryptoKey`, a Node `KeyObject`, a JWK, or the
   * shared secret as bytes for `HS*`).
   */
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
  /** Validate the `authorization_details` claim with this `@stepup/rar` registry. */
  readonly authorizationDetailsRegistry?: AuthorizationDetailsRegistryLike
  /**
   * Keep verified tokens in a bounded LRU keyed by the token itself: at most `max` entries
   * (default 1000) of at most `maxTokenLength` characters each, never past the token's `exp`.
   */
  readonly cache?: { readonly max?: number }
  /** Longest token accepted, in characters (default 8192). */
  readonly maxTokenLength?: number
  /**
   * How the remote JWK Set (`jwks` as a URL) is fetched, in milliseconds. jose's own settings:
   * `timeoutDuration` per fetch (default 5000), `cooldownDuration` after a successful fetch
   * before an unknown `kid` may fetch again (default 30,000), `cacheMaxAge` before the set is
   * fetched again anyway (default 600,000), `headers`. This verifier's: after a failed fetch,
   * none before a `backoff` delay (from `initial`, default 1000, doubled per failure up to
   * `max`, default 60,000, each drawn between half and all of it), and never more than
   * `rateLimit.fetches` fetches (default 10) per `rateLimit.interval` (default 60,000), however
   * many unknown `kid` values arrive. While a fetch is not allowed, a token the set cannot
   * verify yet is `ERR_VERIFIER_UNAVAILABLE` with `retryAfter`, not `invalid_token`.
   */
  readonly jwksOptions?: {
    readonly timeoutDuration?: number
    readonly cooldownDuration?: number
    readonly cacheMaxAge?: number
    readonly headers?: Readonly<Record<string, string>>
    readonly backoff?: { readonly initial?: number; readonly max?: number }
    readonly rateLimit?: { readonly fetches?: number; readonly interval?: number }
  }
  /** The fetch used for the remote JWK Set. */
  readonly fetch?: typeof fetch
  /** The clock, in epoch seconds (default `Date.now() / 1000`). */
  readonly now?: () => number
}

/** The option keys of {@link createJwtAccessTokenVerifier}; the several-issuer verifier checks each issuer's against them. */
export const OPTIONS: ReadonlySet<string> = new Set([
  'issuer',
  'audience',
  'jwks',
  'algorithms',
  'clockTolerance',
  'typ',
  'requiredClaims',
  'confirmation',
  'authorizationDetailsRegistry',
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
  'backoff',
  'rateLimit',
])
const BACKOFF_OPTIONS: ReadonlySet<string> = new Set(['initial', 'max'])
const RATE_LIMIT_OPTIONS: ReadonlySet<string> = new Set(['fetches', 'interval'])
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
      throw invalidArgument(`${WHERE}: "algorithms" lists ${alg}, but the key is a shared secret`)
    }
    if (secret < hashBytes(alg)) {
      throw invalidArgument(
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
    throw invalidArgument(
      `${WHERE}: the configured key is not for verifying signatures ("use" must be "sig", "key_ops" must include "verify"; RFC 7517 §4.2, §4.3)`,
    )
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
/** jose's test of a JWK Set (a `keys` array of objects), and at least one key. */
const isUsableSet = (v: unknown): boolean =>
  isPlainObject(v) &&
  Array.isArray(v['keys']) &&
  v['keys'].length > 0 &&
  v['keys'].every(isPlainObject)

/** A remote JWK Set as jose fetches it, with this verifier's limits on when it may. */
interface RemoteKeys {
  readonly getKey: RemoteJWKSet
  /** Successful fetches so far: a token that finds no key after it changed was checked against fresh keys. */
  readonly generation: () => number
  /** The 503 for a token whose `kid` is not in the set while no fetch is allowed. */
  readonly notYet: (cause: unknown) => AccessTokenError
}

/**
 * jose's `createRemoteJWKSet` (which fetches one at a time, caches, and after a successful fetch
 * waits `cooldownDuration` before an unknown `kid` may fetch again), its fetches passed through
 * a gate: after a failed fetch (network, timeout, a status other than 200, not a JWK Set, or an
 * empty one — a set that cannot have signed anything) none before an exponential backoff with
 * jitter, and at most `fetches` per `interval` in any case. A fetch the gate holds back, or
 * one that fails, rejects with `ERR_VERIFIER_UNAVAILABLE` and the seconds until the next is allowed.
 */
function createRemoteKeys(
  url: URL,
  o: NonNullable<JwtAccessTokenVerifierOptions['jwksOptions']>,
  fetcher: typeof fetch,
): RemoteKeys {
  const cooldown = o.cooldownDuration ?? 30_000
  const initial = o.backoff?.initial ?? 1000
  const maxDelay = o.backoff?.max ?? Math.max(60_000, initial)
  const fetches = o.rateLimit?.fetches ?? 10
  const interval = o.rateLimit?.interval ?? 60_000
  const href = url.href
  let failures = 0
  let notBefore = 0
  let lastSuccess = Number.NEGATIVE_INFINITY
  let generation = 0
  /** Start times of the last `fetches` fetches, oldest first. */
  const started: number[] = []
  /** Milliseconds before the gate lets a fetch through. */
  const wait = (t: number): number =>
    Math.max(0, notBefore - t, started.length < fetches ? 0 : (started[0] as number) + interval - t)
  const unavailable = (message: string, ms: number, cause?: unknown) =>
    new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', message, {
      cause,
      retryAfter: Math.max(1, Math.ceil(ms / 1000)),
    })
  const gated: FetchImplementation = async (input, init) => {
    const t = Date.now()
    const w = wait(t)
    if (w > 0) {
      throw unavailable(
        `the JWK Set at ${href} is not fetched again for ${Math.ceil(w / 1000)} s (backoff after a failure, or rateLimit)`,
        w,
      )
    }
    started.push(t)
    if (started.length > fetches) started.shift()
    try {
      const response = await fetcher(input, init)
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined)
        throw new Error(`it answered HTTP ${response.status}`)
      }
      const text = await response.text()
      if (!isUsableSet(JSON.parse(text))) throw new Error('it is not a JWK Set with keys')
      failures = 0
      notBefore = 0
      lastSuccess = Date.now()
      generation++
      return new Response(text, { status: 200 })
    } catch (e) {
      const bound = Math.min(maxDelay, initial * 2 ** Math.min(failures, 30))
      failures++
      const now = Date.now()
      notBefore = now + bound / 2 + (Math.random() * bound) / 2
      throw unavailable(
        `the JWK Set at ${href} cannot be fetched: ${e instanceof Error ? e.message : String(e)}`,
        wait(now),
        e,
      )
    }
  }
  const getKey = createRemoteJWKSet(url, {
    ...(o.timeoutDuration !== undefined && { timeoutDuration: o.timeoutDuration }),
    cooldownDuration: cooldown,
    ...(o.cacheMaxAge !== undefined && { cacheMaxAge: o.cacheMaxAge }),
    ...(o.headers && { headers: { ...o.headers } }),
    [customFetch]: gated,
  })
  return {
    getKey,
    generation: () => generation,
    notYet(cause) {
      const t = Date.now()
      const cooling = getKey.coolingDown ? lastSuccess + cooldown - t : 0
      return unavailable(
        `no key of the JWK Set at ${href} matches the token "kid" and "alg", and the set is not fetched again yet (cooldownDuration, backoff or rateLimit)`,
        Math.max(cooling, wait(t)),
        cause,
      )
    },
  }
}

/** Refuse a `jwksOptions` value that jose or the gate could not use. */
function checkJwksOptions(o: JwtAccessTokenVerifierOptions['jwksOptions']): void {
  if (o === undefined) return
  checkOptions(o, JWKS_OPTIONS, `${WHERE}: jwksOptions`)
  const ms = (value: unknown, name: string, min = 0, infinite = false) =>
    check(
      value === undefined ||
        (typeof value === 'number' &&
          value >= min &&
          (Number.isSafeInteger(value) || (infinite && value === Number.POSITIVE_INFINITY))),
      `jwksOptions.${name}`,
    )
  ms(o.timeoutDuration, 'timeoutDuration', 1)
  ms(o.cooldownDuration, 'cooldownDuration')
  ms(o.cacheMaxAge, 'cacheMaxAge', 0, true)
  check(
    o.headers === undefined ||
      (isPlainObject(o.headers) && Object.values(o.headers).every((v) => typeof v === 'string')),
    'jwksOptions.headers',
  )
  checkOptions(o.backoff, BACKOFF_OPTIONS, `${WHERE}: jwksOptions.backoff`)
  ms(o.backoff?.initial, 'backoff.initial', 1)
  ms(o.backoff?.max, 'backoff.max', o.backoff?.initial ?? 1)
  checkOptions(o.rateLimit, RATE_LIMIT_OPTIONS, `${WHERE}: jwksOptions.rateLimit`)
  ms(o.rateLimit?.fetches, 'rateLimit.fetches', 1)
  ms(o.rateLimit?.interval, 'rateLimit.interval', 1)
}

/** A jose claim error: the claim it names, why, and the claims set. */
interface ClaimFailure {
  readonly code?: unknown
  readonly claim?: unknown
  readonly reason?: unknown
  readonly payload?: Record<string, unknown>
}

/** Where RFC 7519 defines each NumericDate claim. */
const NUMERIC_DATES: Readonly<Record<string, string>> = { exp: '4.1.4', nbf: '4.1.5', iat: '4.1.6' }

const CRIT = 'token header has "crit" or "b64"; no JWS extension is understood (RFC 7515 §4.1.11)'

/**
 * Creates a verifier for RFC 9068 JWT access tokens.
 *
 * jose's `jwtVerify` checks the compact JWS with an allow-listed algorithm and the issuer's key
 * (selected, imported and fitted to `alg` by jose, from a remote or local JWK Set or the one key
 * given), `typ` as a media type (default `at+jwt`), exact `iss`, `aud`, `exp` and `nbf` with
 * tolerance and the required claims (RFC 9068 §2.2 by default, see `requiredClaims`); this verifier
 * adds what RFC 9068 asks beyond that: no JWS extension, no empty required claim, no `iat` in the
 * future, then the typed claims and the sender constraint (`checkConfirmation`).
 *
 * Unknown option keys, short HMAC secrets and a key not meant for signatures are refused when it is
 * built. Failures reject with {@link AccessTokenError}, whose message names the rule. A remote JWK
 * Set that cannot be fetched, or that does not hold the token's `kid` while it may not be fetched
 * again yet, is `ERR_VERIFIER_UNAVAILABLE` (`temporary`, 503, with `retryAfter`); a `kid` still
 * unknown after a successful fetch is `invalid_token`.
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
  checkJwksOptions(options.jwksOptions)
  check(options.fetch === undefined || typeof options.fetch === 'function', 'fetch')
  check(typeof jwks === 'object' && jwks, 'jwks')
  if (!(jwks instanceof URL) && (options.jwksOptions || options.fetch)) {
    throw invalidArgument(
      `${WHERE}: "jwksOptions" and "fetch" are for a remote JWK Set; "jwks" is not a URL`,
    )
  }
  const isSet = jwks instanceof URL || (!(jwks instanceof Uint8Array) && 'keys' in jwks)
  if (isSet && algorithms.some((a) => a.startsWith('HS'))) {
    // jose never selects a secret from a JWK Set.
    throw invalidArgument(`${WHERE}: HS* algorithms need the shared secret itself as "jwks"`)
  }
  let key: JWTVerifyGetKey | KeyInput
  let remote: RemoteKeys | undefined
  if (jwks instanceof URL) {
    const fetcher = options.fetch ?? ((input, init) => fetch(input, init))
    remote = createRemoteKeys(jwks, options.jwksOptions ?? {}, fetcher)
    key = remote.getKey
  } else if (isSet) {
    let local: JWTVerifyGetKey | undefined
    try {
      local = createLocalJWKSet(jwks as JSONWebKeySet)
    } catch {}
    check(local, 'jwks')
    key = local
  } else {
    checkOneKey(jwks, algorithms)
    // A JWK is copied: jose freezes a JWK it is given.
    const { kty, key_ops: ops } = jwks as JWK
    key =
      typeof kty === 'string'
        ? { ...(jwks as JWK), ...(Array.isArray(ops) && { key_ops: [...ops] }) }
        : jwks
  }
  const allowed = new Set(algorithms)
  const verifyOptions: JWTVerifyOptions = {
    issuer,
    audience: audiences as string[],
    algorithms: algorithms as string[],
    typ,
    requiredClaims: required,
    clockTolerance,
  }
  const { authorizationDetailsRegistry: registry } = options
  const fail = (code: AccessTokenErrorCode, message: string, cause?: unknown) =>
    new AccessTokenError(code, message, { cause })

  /** The refusal for what jwtVerify threw: the rule it broke, named from the token itself. */
  const refusal = (e: unknown, token: string, now: number, generation: number) => {
    if (e instanceof AccessTokenError) return e
    const { code, claim, reason, payload = {} } = e as ClaimFailure
    if (remote && code === 'ERR_JWKS_NO_MATCHING_KEY' && remote.generation() === generation) {
      // The set was not fetched since the token arrived: the key may be new (RFC 7517 §5).
      return remote.notYet(e)
    }
    let header: Record<string, unknown> | undefined
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>
    } catch {}
    if (!header) {
      return fail(
        'ERR_TOKEN_MALFORMED',
        'token is not a compact JWS with a JSON object header (RFC 7515 §7.1)',
        e,
      )
    }
    if (header['crit'] !== undefined || header['b64'] !== undefined) {
      return fail('ERR_TOKEN_MALFORMED', CRIT, e)
    }
    if (typeof header['alg'] !== 'string' || !allowed.has(header['alg'])) {
      return fail(
        'ERR_TOKEN_ALG_NOT_ALLOWED',
        `token "alg" is ${quoted(header['alg'])}, not one of the allowed algorithms (RFC 8725 §3.1)`,
        e,
      )
    }
    const invalid = (message: string) => fail('ERR_TOKEN_CLAIM_INVALID', message, e)
    const value = typeof claim === 'string' ? payload[claim] : undefined
    switch (code) {
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return fail(
          'ERR_TOKEN_SIGNATURE_INVALID',
          "token signature does not verify with the issuer's key (RFC 7515 §5.2)",
          e,
        )
      case 'ERR_JWKS_NO_MATCHING_KEY':
        return fail(
          'ERR_TOKEN_KEY_NOT_FOUND',
          'no key of the JWK Set matches the token "kid" and "alg" (RFC 7515 §4.1.4)',
          e,
        )
      case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
        return fail(
          'ERR_TOKEN_KEY_NOT_FOUND',
          'several keys of the JWK Set match the token "kid" and "alg" (RFC 7515 §4.1.4)',
          e,
        )
      case 'ERR_JWS_INVALID':
        return fail('ERR_TOKEN_MALFORMED', 'token segments cannot be decoded (RFC 7515 §7.1)', e)
      case 'ERR_JWT_INVALID':
        return fail(
          'ERR_TOKEN_MALFORMED',
          'token claims set is not a JSON object (RFC 7519 §7.2)',
          e,
        )
      case 'ERR_JWT_EXPIRED':
        return fail(
          'ERR_TOKEN_EXPIRED',
          `token "exp" passed ${now - (value as number)} s ago, clockTolerance is ${clockTolerance} s (RFC 9068 §4)`,
          e,
        )
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
        if (claim === 'typ') {
          return invalid(
            header['typ'] === undefined
              ? `token has no "typ" header, expected ${quoted(typ)} (RFC 9068 §2.1)`
              : `token "typ" is ${quoted(header['typ'])}, expected ${quoted(typ)} (RFC 9068 §2.1)`,
          )
        }
        if (reason === 'missing')
          return invalid(`token has no ${quoted(claim)} claim (RFC 9068 §2.2)`)
        if (claim === 'iss') {
          return invalid(
            `token "iss" is ${quoted(value)}, expected exactly ${quoted(issuer)} (RFC 9068 §4)`,
          )
        }
        if (claim === 'aud') {
          return invalid('token "aud" does not contain the configured audience (RFC 9068 §4)')
        }
        if (reason === 'invalid') {
          return invalid(
            `token ${quoted(claim)} is not a number (RFC 7519 §${NUMERIC_DATES[claim as string] ?? '2'})`,
          )
        }
        if (claim === 'nbf') {
          return invalid(
            `token "nbf" is ${(value as number) - now} s ahead, clockTolerance is ${clockTolerance} s (RFC 7519 §4.1.5)`,
          )
        }
        return invalid(`token ${quoted(claim)} is invalid (RFC 9068 §4)`)
    }
    // jose's key checks: another key type, algorithm, hash or curve, an RSA key under 2048
    // bits, a key not for verification, or one that does not import.
    return fail(
      'ERR_TOKEN_KEY_NOT_FOUND',
      `the key cannot verify ${quoted(header['alg'])}: another algorithm, hash or curve, an RSA key under 2048 bits, or not a public verification key (RFC 7518 §3)`,
      e,
    )
  }

  /** RFC 9068 beyond what jose checked, then the typed claims. */
  const accept = ({ payload, protectedHeader }: JWTVerifyResult, now: number) => {
    if (protectedHeader.crit !== undefined || protectedHeader.b64 !== undefined) {
      throw fail('ERR_TOKEN_MALFORMED', CRIT)
    }
    // jose counts an empty string as present, and leaves a future iat to the caller.
    const missing = missingClaim(payload, required)
    if (missing) {
      throw fail('ERR_TOKEN_CLAIM_INVALID', `token has no ${quoted(missing)} claim (RFC 9068 §2.2)`)
    }
    const { iat } = payload
    if (typeof iat === 'number' && iat > now + clockTolerance) {
      throw fail(
        'ERR_TOKEN_CLAIM_INVALID',
        `token "iat" is ${iat - now} s ahead, clockTolerance is ${clockTolerance} s (RFC 7519 §4.1.6)`,
      )
    }
    return parseAccessTokenClaims(payload, registry)
  }
  return createVerifier(
    (token, now) => {
      if (!COMPACT.test(token)) {
        throw fail(
          'ERR_TOKEN_MALFORMED',
          'token is not three base64url segments (RFC 7515 §7.1); no padding, no other alphabet',
        )
      }
      const generation = remote ? remote.generation() : 0
      // jose checks the times against the clock of this verification.
      return jwtVerify(token, key as JWTVerifyGetKey, {
        ...verifyOptions,
        currentDate: new Date(now * 1000),
      }).then(
        (verified) => accept(verified, now),
        (e: unknown) => {
          throw refusal(e, token, now, generation)
        },
      )
    },
    options,
    WHERE,
  )
}
