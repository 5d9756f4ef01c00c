import { checkOptions, invalidArgument } from '@stepup/internal'
import {
  base64url,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  type FlattenedJWSInput,
  type JWK,
  type JWTHeaderParameters,
  type JWTVerifyOptions,
  type JWTVerifyResult,
  jwtVerify,
} from 'jose'
import { quoted } from './claims.js'
import { type ConsumedGrantStore, createMemoryConsumedGrantStore } from './consumed-grant-store.js'
import type { DpopNonceSource } from './dpop-nonce.js'
import { AssuranceError, type AssuranceErrorCode, check } from './errors.js'
import type { HttpRequestView } from './http.js'
import { createTokenCache } from './token-cache.js'
import { ASYMMETRIC, COMPACT, epochNow, positive } from './verifier.js'

/** The codes of a {@link DpopProofError}: why a DPoP proof was refused. */
export type DpopProofErrorCode = Extract<AssuranceErrorCode, `ERR_DPOP_${string}`>

/**
 * Thrown by a {@link createDpopProofVerifier} verifier, and by {@link DpopProofCheck.consume} for a
 * replay, when a DPoP proof is refused.
 *
 * The adapters answer it with 401 `invalid_dpop_proof` and report it to `onDecision` as the
 * `cause`.
 *
 * A proof without an accepted server nonce (`ERR_DPOP_NONCE_MISSING`, `ERR_DPOP_NONCE_INVALID`)
 * carries the `nonce` to send instead, and the adapters answer 401 `use_dpop_nonce` with it in
 * `DPoP-Nonce` (RFC 9449 §9). The message names the check that failed and its rule, never the
 * proof, the token or a claim value.
 *
 * @example
 * ```ts
 * const codeOf = (cause: unknown) => (cause instanceof DpopProofError ? cause.code : undefined)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export class DpopProofError extends AssuranceError {
  override readonly name: string = 'DpopProofError'
  /**
   * Why the proof was refused, for logs (the wire says `invalid_dpop_proof`): `ERR_DPOP_MISSING`,
   * `ERR_DPOP_MALFORMED`, `ERR_DPOP_ALG_NOT_ALLOWED`, `ERR_DPOP_KEY_INVALID`,
   * `ERR_DPOP_SIGNATURE_INVALID`, `ERR_DPOP_CLAIM_INVALID`, `ERR_DPOP_REPLAYED`, and the nonce
   * codes `ERR_DPOP_NONCE_MISSING`, `ERR_DPOP_NONCE_INVALID`.
   */
  declare readonly code: Extract<AssuranceErrorCode, `ERR_DPOP_${string}`>
  /** With the nonce codes: the nonce to send in `DPoP-Nonce` (RFC 9449 §9). */
  readonly nonce?: string

  constructor(
    code: Extract<AssuranceErrorCode, `ERR_DPOP_${string}`>,
    message: string = code,
    options: { nonce?: string; cause?: unknown } = {},
  ) {
    super(code, message, 'cause' in options ? { cause: options.cause } : undefined)
    if (options.nonce !== undefined) this.nonce = options.nonce
  }
}

/**
 * The options of {@link createDpopProofVerifier}: the origin proofs are for, the accepted
 * algorithms, and the nonce source and replay store.
 *
 * @example
 * ```ts
 * const verifyProof = createDpopProofVerifier({ origin: 'https://api.example.com', algorithms: ['ES256'] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export interface DpopProofVerifierOptions {
  /** Accepted proof algorithms, asymmetric only (RFC 9449 §11.6); default ES256 and the other asymmetric ones. Advertise the same list as the adapters' `dpop.algs`. */
  readonly algorithms?: readonly string[]
  /**
   * The API's public origin as clients address it (`https://api.example.com`, no path): `htu`
   * must be this origin plus the raw request path. Needed where the framework sees only the
   * path (Express, Fastify) and behind a proxy that hands the app another URL; without it, a
   * relative request URL refuses every proof, since the `Host` header is the client's to choose.
   */
  readonly origin?: string
  /** Seconds a proof stays acceptable after its `iat`: a whole number ≥ 1 (default 60; RFC 9449 §11.1). */
  readonly maxAge?: number
  /** Seconds of leeway for an `iat` in the future (default 5: proofs come from client clocks). */
  readonly clockTolerance?: number
  /**
   * Remembers each proof's `jti` (as `dpop <jkt> <jti>`) for `maxAge + 2 × clockTolerance + 1`
   * seconds, so a proof is used once. Default: in memory, per process, with `maxProofsPerKey`;
   * share one (Redis) across instances.
   */
  readonly replay?: ConsumedGrantStore
  /**
   * With the default in-memory `replay` store: most proofs of one key remembered at a time
   * (default 1000, about 14 requests a second per key with the default window). A key past it
   * gets its new proofs refused (`consume` rejects with `ERR_GRANT_STORE_GROUP_FULL`, a 503)
   * while every other key is served.
   */
  readonly maxProofsPerKey?: number
  /**
   * Require a server-provided nonce in every proof (RFC 9449 §9), from this source (see
   * `createDpopNonceSource`): a proof without one, or with one the source does not accept, is
   * refused with a {@link DpopProofError} carrying a fresh `nonce`, which the adapters send as
   * `DPoP-Nonce` with `use_dpop_nonce`. Default: no nonce asked for, a `nonce` claim ignored.
   */
  readonly nonce?: DpopNonceSource
  /** The clock, in epoch seconds. */
  readonly now?: () => number
}

const OPTIONS: ReadonlySet<string> = new Set([
  'algorithms',
  'origin',
  'maxAge',
  'clockTolerance',
  'replay',
  'maxProofsPerKey',
  'nonce',
  'now',
])

/**
 * A proof that passed every check of RFC 9449 §4.3 but replay: its key's RFC 7638 thumbprint, which
 * the access token's `cnf.jkt` must equal, and `consume` to record its `jti`.
 *
 * Call `consume` only once the access token is verified and bound to `jkt`, so proofs sent without
 * a valid token cannot fill the replay store (§11.1). `consume` rejects with {@link DpopProofError}
 * `ERR_DPOP_REPLAYED` when the `jti` was already used, and with the store's own error when the
 * store cannot answer (treat that as 503).
 *
 * @example
 * ```ts
 * const verifyProof = createDpopProofVerifier({ origin: 'https://api.example.com' })
 * const proof = await verifyProof(request.headers.get('dpop'), view, token)
 * const claims = await verifier.verify(token, { scheme: 'DPoP', jkt: proof.jkt })
 * await proof.consume() // only now: the token is verified and bound to proof.jkt
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.1
 */
export interface DpopProofCheck {
  /** The RFC 7638 JWK SHA-256 thumbprint of the proof's key (RFC 9449 §6.1). */
  readonly jkt: string
  /** Record the proof's `jti`; rejects on a replay or when the store fails. */
  consume(): Promise<void>
}

/**
 * The function {@link createDpopProofVerifier} returns, which the adapters take as
 * `dpop.verifyProof`.
 *
 * @example
 * ```ts
 * const verifyProof = createDpopProofVerifier({ origin: 'https://api.example.com' })
 * const guard = createStepUpGuard({ verify, dpop: { algs: ['ES256'], verifyProof } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export type DpopProofVerifier = (
  proof: string | null,
  request: HttpRequestView,
  token: string,
) => Promise<DpopProofCheck>

const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv']
/** The key type and curve each asymmetric `alg` needs (RFC 7518 §3.3-3.5, RFC 8037 §3.1). */
const KEY_TYPES: Readonly<Record<string, readonly [kty: string, crv?: string]>> = {
  ES256: ['EC', 'P-256'],
  ES384: ['EC', 'P-384'],
  ES512: ['EC', 'P-521'],
  EdDSA: ['OKP', 'Ed25519'],
  Ed25519: ['OKP', 'Ed25519'],
}
/** A proof key as jose imported it, and its RFC 7638 thumbprint. */
interface ProofKey {
  readonly key: Promise<CryptoKey>
  readonly jkt: Promise<string>
}
const UNRESERVED = /^[A-Za-z0-9\-._~]$/
/** Characters left as they are in a path: unreserved, sub-delims, ":", "@" and "/" (RFC 3986 §3.3). */
const PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/
/** RFC 3986 Appendix B, for `scheme://authority` URIs: scheme, authority, path (query and fragment ignored). */
const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=]+)$/
const utf8 = new TextEncoder()

/** RFC 3986 §5.2.4 remove_dot_segments. */
function removeDotSegments(path: string): string {
  let input = path
  let output = ''
  while (input) {
    if (input.startsWith('../')) input = input.slice(3)
    else if (input.startsWith('./')) input = input.slice(2)
    else if (input.startsWith('/./')) input = input.slice(2)
    else if (input === '/.') input = '/'
    else if (input.startsWith('/../') || input === '/..') {
      input = `/${input.slice(input === '/..' ? 3 : 4)}`
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')))
    } else if (input === '.' || input === '..') input = ''
    else {
      const end = input.indexOf('/', 1)
      const segment = end === -1 ? input : input.slice(0, end)
      output += segment
      input = input.slice(segment.length)
    }
  }
  return output
}

/**
 * An `http(s)://host[:port]/path` URI as RFC 3986 §6.2.2 and §6.2.3 normalise it, query and
 * fragment dropped: scheme and host lower-cased, default port and empty port removed, empty path
 * made `/`, percent-encoded unreserved characters decoded and other escapes upper-cased,
 * characters a path may not hold percent-encoded (UTF-8), dot segments removed. Anything else
 * (userinfo, another scheme, a bad escape or host) is `undefined`.
 */
function normalizeUri(uri: string): string | undefined {
  const m = ABSOLUTE.exec(uri)
  const scheme = m?.[1]?.toLowerCase() ?? ''
  const defaultPort = scheme === 'https' ? '443' : scheme === 'http' ? '80' : undefined
  if (!m || defaultPort === undefined) return undefined
  const authority = m[2] ?? ''
  const colon = authority.lastIndexOf(':')
  const hasPort = colon > authority.lastIndexOf(']')
  const host = (hasPort ? authority.slice(0, colon) : authority).toLowerCase()
  const port = hasPort ? authority.slice(colon + 1) : ''
  if (!HOST.test(host) || !/^\d{0,5}$/.test(port) || Number(port) > 65535) return undefined
  const p = port === '' ? '' : String(Number(port))
  let path = ''
  const raw = m[3] ?? ''
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string
    if (ch === '%') {
      const hex = raw.slice(i + 1, i + 3)
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined
      const c = String.fromCharCode(Number.parseInt(hex, 16))
      path += UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`
      i += 2
    } else if (PATH_CHAR.test(ch)) path += ch
    else {
      const code = raw.codePointAt(i) as number
      if (code > 0xffff) i++
      for (const byte of utf8.encode(String.fromCodePoint(code))) {
        path += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
      }
    }
  }
  const port_ = p === '' || p === defaultPort ? '' : `:${p}`
  return `${scheme}://${host}${port_}${removeDotSegments(path) || '/'}`
}

/**
 * The URI a proof must name (RFC 9449 §4.3 point 9): with `origin`, that origin plus the raw
 * request path — an origin-form target is a path even when it starts with `//`, and an
 * absolute-form target gives its path — else the absolute request URL itself; both normalised.
 */
function targetUri(url: unknown, origin: string | undefined): string | undefined {
  if (typeof url !== 'string') return undefined
  if (url.startsWith('/')) {
    const end = url.search(/[?#]/)
    return origin === undefined
      ? undefined
      : normalizeUri(origin + (end === -1 ? url : url.slice(0, end)))
  }
  const m = ABSOLUTE.exec(url)
  if (!m) return undefined
  return normalizeUri(origin === undefined ? url : origin + (m[3] ?? ''))
}

/**
 * Creates the adapters' `dpop.verifyProof`, which checks a DPoP proof JWT as RFC 9449 §4.3 asks
 * and resolves to a {@link DpopProofCheck}.
 *
 * It checks one proof, `typ` `dpop+jwt`, an asymmetric allow-listed `alg`, a public `jwk` in the
 * header that verifies the signature, `htm` and `htu` (both sides normalised per RFC 3986
 * §6.2.2–6.2.3, query and fragment ignored) matching the request, a recent `iat`, and `ath` the
 * hash of the access token. The check carries the key's RFC 7638 thumbprint, which the token's
 * `cnf.jkt` must equal, and `consume()`, which records the `jti` once the token is checked.
 *
 * Failures reject with {@link DpopProofError}. With `nonce`, each proof must also carry a nonce
 * that source accepts (§4.3 point 10, §9), checked once the proof is otherwise valid. Unknown
 * option keys and a `maxAge` of zero are refused when it is built.
 *
 * @example
 * ```ts
 * const verifyProof = createDpopProofVerifier({ origin: 'https://api.example.com' })
 * app.use(stepUp({ verify, dpop: { algs: ['ES256'], verifyProof }, requirement }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export function createDpopProofVerifier(options: DpopProofVerifierOptions = {}): DpopProofVerifier {
  checkOptions(options, OPTIONS, 'createDpopProofVerifier')
  const { maxAge = 60, clockTolerance = 5, now = epochNow } = options
  const algorithms = options.algorithms ?? ASYMMETRIC
  check(
    Array.isArray(algorithms) &&
      algorithms.length &&
      algorithms.every((a) => ASYMMETRIC.includes(a)),
    'algorithms',
  )
  let origin: string | undefined
  if (options.origin !== undefined) {
    const m = typeof options.origin === 'string' ? ABSOLUTE.exec(options.origin) : null
    origin =
      m && options.origin.length === m[0].length && /^\/?$/.test(m[3] ?? '')
        ? normalizeUri(options.origin)
        : undefined
    if (!origin) {
      throw invalidArgument(
        `createDpopProofVerifier: "origin" must be an http(s) origin such as "https://api.example.com", without path, query or credentials`,
      )
    }
    origin = origin.slice(0, -1)
  }
  check(Number.isSafeInteger(maxAge) && maxAge > 0, 'maxAge')
  positive(clockTolerance, 'clockTolerance', false)
  check(typeof now === 'function', 'now')
  const nonces = options.nonce
  check(
    nonces === undefined ||
      (typeof nonces?.issue === 'function' && typeof nonces.accepts === 'function'),
    'nonce',
  )
  const { maxProofsPerKey } = options
  check(options.replay === undefined || maxProofsPerKey === undefined, 'maxProofsPerKey')
  const replay =
    options.replay ??
    createMemoryConsumedGrantStore({
      now,
      maxPerGroup: maxProofsPerKey ?? 1000,
      // Keys are `dpop <jkt> <jti>`: one group per proof key.
      group: (key) => key.slice(0, key.indexOf(' ', 5)),
    })
  check(typeof replay.add === 'function', 'replay')
  // §11.1: a jti is remembered for as long as its proof can be accepted — an iat up to
  // clockTolerance ahead stays acceptable for maxAge + clockTolerance after it — and a second more.
  const ttl = maxAge + 2 * clockTolerance + 1
  // Clients reuse their key, so its import and thumbprint are kept per protected header.
  const keys = createTokenCache<ProofKey>(1000)
  const fail = (code: DpopProofErrorCode, message: string) => new DpopProofError(code, message)
  const claim = (message: string) => fail('ERR_DPOP_CLAIM_INVALID', message)
  const badKey = () =>
    fail(
      'ERR_DPOP_KEY_INVALID',
      'DPoP proof "jwk" is missing, private, or not a public key of the "alg" type and curve (RFC 9449 §4.3 point 6)',
    )
  const malformed = (message: string) => fail('ERR_DPOP_MALFORMED', message)
  const CRIT =
    'DPoP proof header has "crit" or "b64"; no JWS extension is understood (RFC 7515 §4.1.11)'
  const verifyOptions: JWTVerifyOptions = {
    algorithms: algorithms as string[],
    typ: 'dpop+jwt',
    clockTolerance,
  }

  /**
   * (6): the header's `jwk` is a public key of the type and curve `alg` names — checked before
   * jose imports it (not every runtime refuses a P-256 key imported for ES384) — then imported
   * by jose's `EmbeddedJWK`, once per protected header.
   */
  const proofKey = (header: JWTHeaderParameters, input: FlattenedJWSInput): ProofKey => {
    const { alg, jwk } = header
    if (header.crit !== undefined || header.b64 !== undefined) throw malformed(CRIT)
    const [kty, crv] = KEY_TYPES[alg] ?? ['RSA']
    if (
      typeof jwk !== 'object' ||
      jwk === null ||
      Array.isArray(jwk) ||
      PRIVATE.some((member) => member in jwk) ||
      (jwk.alg ?? alg) !== alg ||
      jwk.kty !== kty ||
      (crv !== undefined && jwk.crv !== crv)
    ) {
      throw badKey()
    }
    let entry = keys.get(input.protected as string, 0)
    if (!entry) {
      entry = {
        key: EmbeddedJWK(header, input),
        jkt: calculateJwkThumbprint(jwk as JWK, 'sha256'),
      }
      // Awaited by whoever uses them; never an unhandled rejection while cached.
      entry.key.catch(() => undefined)
      entry.jkt.catch(() => undefined)
      keys.set(input.protected as string, entry, Number.POSITIVE_INFINITY, 0)
    }
    return entry
  }

  /** The refusal for what jwtVerify threw, named from the proof's own header. */
  const refusal = async (e: unknown, proof: string, used: ProofKey | undefined) => {
    if (e instanceof DpopProofError) return e
    let header: Record<string, unknown> | undefined
    try {
      header = decodeProtectedHeader(proof) as Record<string, unknown>
    } catch {}
    if (!header) {
      return malformed(
        'the DPoP header is not one compact JWS with a JSON object header (RFC 9449 §4.3 points 1-2)',
      )
    }
    if (header['crit'] !== undefined || header['b64'] !== undefined) return malformed(CRIT)
    if (typeof header['alg'] !== 'string' || !algorithms.includes(header['alg'])) {
      return fail(
        'ERR_DPOP_ALG_NOT_ALLOWED',
        'DPoP proof "alg" is not one of the allowed asymmetric algorithms (RFC 9449 §4.3 point 5, §11.6)',
      )
    }
    // jose could not import the header's jwk as a public key for alg.
    if (
      used &&
      (await used.key.then(
        () => false,
        () => true,
      ))
    )
      return badKey()
    const { code, claim: name, reason } = e as { code?: unknown; claim?: unknown; reason?: unknown }
    switch (code) {
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return fail(
          'ERR_DPOP_SIGNATURE_INVALID',
          'DPoP proof signature does not verify with its "jwk" (RFC 9449 §4.3 point 7)',
        )
      case 'ERR_JWS_INVALID':
        return malformed('DPoP proof segments cannot be decoded (RFC 9449 §4.3 point 2)')
      case 'ERR_JWT_INVALID':
        return malformed('DPoP proof claims are not a JSON object (RFC 9449 §4.3 point 2)')
      case 'ERR_JWT_EXPIRED':
        return claim('DPoP proof "exp" has passed (RFC 7519 §4.1.4)')
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
        if (name === 'typ') {
          return claim('DPoP proof "typ" is not "dpop+jwt" (RFC 9449 §4.3 point 4, §11.5)')
        }
        return claim(
          name === 'iat' && reason === 'invalid'
            ? 'DPoP proof "iat" is not a number (RFC 9449 §4.2)'
            : `DPoP proof ${quoted(name)} is ${reason === 'invalid' ? 'not a number' : 'not yet valid'} (RFC 7519 §4.1)`,
        )
    }
    // jose's key checks: the imported key does not fit alg.
    return badKey()
  }

  return async (proof, request, token) => {
    // §4.3 (1)–(2): one well-formed JWT; two DPoP field lines arrive joined with a comma.
    if (typeof proof !== 'string' || proof === '') {
      throw fail('ERR_DPOP_MISSING', 'the request has no DPoP proof (RFC 9449 §7.1)')
    }
    if (proof.length > 8192 || !COMPACT.test(proof)) {
      throw malformed(
        'the DPoP header is not one compact JWS with a JSON object header (RFC 9449 §4.3 points 1-2)',
      )
    }
    // (4)–(7) by jose: typ dpop+jwt (§11.5), an asymmetric allow-listed alg (§11.6), the
    // signature by the header's jwk; no JWS extension.
    const t = now()
    let used: ProofKey | undefined
    let verified: JWTVerifyResult
    try {
      verified = await jwtVerify(
        proof,
        (header, input) => {
          used = proofKey(header, input)
          return used.key
        },
        { ...verifyOptions, currentDate: new Date(t * 1000) },
      )
    } catch (e) {
      throw await refusal(e, proof, used)
    }
    const { jti, htm, htu, iat, ath, nonce } = verified.payload
    // (8)–(11): htm, htu, a recent iat, and (12) ath for the token it comes with.
    if (htm !== request.method) {
      throw claim('DPoP proof "htm" is not the request method (RFC 9449 §4.3 point 8)')
    }
    const target = targetUri(request.url, origin)
    if (target === undefined) {
      throw claim(
        origin === undefined && typeof request.url === 'string' && request.url.startsWith('/')
          ? 'the request URI is only a path: configure "origin" to check "htu" (RFC 9449 §4.3 point 9)'
          : 'the request target is neither a path nor an http(s) URI (RFC 9449 §4.3 point 9)',
      )
    }
    if (typeof htu !== 'string' || normalizeUri(htu) !== target) {
      throw claim('DPoP proof "htu" is not the request URI (RFC 9449 §4.3 point 9)')
    }
    if (typeof iat !== 'number' || !Number.isFinite(iat)) {
      throw claim('DPoP proof "iat" is not a number (RFC 9449 §4.2)')
    }
    if (iat > t + clockTolerance) {
      throw claim(
        `DPoP proof "iat" is ${iat - t} s ahead, over clockTolerance ${clockTolerance} s (RFC 9449 §4.3 point 11)`,
      )
    }
    if (iat < t - maxAge - clockTolerance) {
      throw claim(
        `DPoP proof is ${t - iat} s old, over maxAge ${maxAge} s + clockTolerance ${clockTolerance} s (RFC 9449 §4.3 point 11, §11.1)`,
      )
    }
    const hash = base64url.encode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(token))),
    )
    if (ath !== hash) {
      throw claim(
        'DPoP proof "ath" is not the SHA-256 of the access token (RFC 9449 §4.3 point 12)',
      )
    }
    // (3) and §11.1: each jti once, for as long as the proof would be accepted — recorded by
    // consume(), once the access token is known to be bound to this key.
    if (typeof jti !== 'string' || jti === '' || jti.length > 256) {
      throw claim('DPoP proof "jti" is missing, empty or over 256 characters (RFC 9449 §4.2)')
    }
    const jkt = await (used as ProofKey).jkt
    // (10) and §9: the proof is otherwise valid; it must carry a nonce this server gave out.
    if (nonces && (typeof nonce !== 'string' || !(await nonces.accepts(nonce, jkt)))) {
      throw new DpopProofError(
        nonce === undefined ? 'ERR_DPOP_NONCE_MISSING' : 'ERR_DPOP_NONCE_INVALID',
        nonce === undefined
          ? 'DPoP proof has no "nonce" claim; this resource server requires one it provided (RFC 9449 §9)'
          : 'DPoP proof "nonce" is not one this resource server provided, or it expired (RFC 9449 §4.3 point 10, §9)',
        { nonce: await nonces.issue(jkt) },
      )
    }
    return {
      jkt,
      async consume() {
        if (!(await replay.add(`dpop ${jkt} ${jti}`, ttl))) {
          throw fail(
            'ERR_DPOP_REPLAYED',
            'DPoP proof "jti" was already used within the proof lifetime (RFC 9449 §11.1)',
          )
        }
      },
    }
  }
}
