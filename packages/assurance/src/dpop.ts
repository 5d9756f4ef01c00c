import { base64url, calculateJwkThumbprint, importJWK, type JWK } from 'jose'
import { type ConsumedGrantStore, createMemoryConsumedGrantStore } from './consumed-grant-store.js'
import { check } from './errors.js'
import type { HttpRequestView } from './http.js'
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
import { createTokenCache } from './token-cache.js'
import { epochNow, positive } from './verifier.js'

/**
 * Why a DPoP proof was refused, for logs (the wire says `invalid_dpop_proof`).
 *
 * @example
 * ```ts
 * const code: DpopProofErrorCode = 'ERR_DPOP_REPLAYED'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export type DpopProofErrorCode =
  | 'ERR_DPOP_MISSING'
  | 'ERR_DPOP_MALFORMED'
  | 'ERR_DPOP_ALG_NOT_ALLOWED'
  | 'ERR_DPOP_KEY_INVALID'
  | 'ERR_DPOP_SIGNATURE_INVALID'
  | 'ERR_DPOP_CLAIM_INVALID'
  | 'ERR_DPOP_REPLAYED'

/**
 * Thrown by a {@link createDpopProofVerifier} verifier; the adapters answer it with 401
 * `invalid_dpop_proof` and report it to `onDecision` as the `cause`. The message names the
 * check that failed, never a value from the proof.
 *
 * @example
 * ```ts
 * const codeOf = (cause: unknown) => (cause instanceof DpopProofError ? cause.code : undefined)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export class DpopProofError extends Error {
  override readonly name = 'DpopProofError'
  readonly code: DpopProofErrorCode

  constructor(code: DpopProofErrorCode, message: string = code) {
    super(message)
    this.code = code
  }
}

/**
 * Options of {@link createDpopProofVerifier}.
 *
 * @example
 * ```ts
 * const options: DpopProofVerifierOptions = { origin: 'https://api.example.com', algorithms: ['ES256'] }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export interface DpopProofVerifierOptions {
  /** Accepted proof algorithms, asymmetric only (RFC 9449 §11.6); default ES256 and the other asymmetric ones. Advertise the same list as the adapters' `dpop.algs`. */
  readonly algorithms?: readonly string[]
  /**
   * The API's public origin as clients address it (`https://api.example.com`): `htu` must be
   * this origin plus the request path. Needed where the framework sees only the path (Express,
   * Fastify) and behind a proxy that hands the app another URL; without it, a relative request
   * URL refuses every proof, since the `Host` header is the client's to choose.
   */
  readonly origin?: string
  /** Seconds a proof stays acceptable after its `iat` (default 60; RFC 9449 §11.1). */
  readonly maxAge?: number
  /** Seconds of leeway for an `iat` in the future (default 5: proofs come from client clocks). */
  readonly clockTolerance?: number
  /** Remembers each proof's `jti` for `maxAge`, so a proof is used once (default: in memory; share one, e.g. Redis, across instances). */
  readonly replay?: ConsumedGrantStore
  /** The clock, in epoch seconds. */
  readonly now?: () => number
}

const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/**
 * The URI a proof must name: the request's path on `origin` when one is configured (the API's
 * public origin, whatever URL a proxy handed the framework), else the request URL; query and
 * fragment dropped, scheme, host and default port normalised by `URL` (RFC 9449 §4.3).
 */
function targetUri(url: string, origin: string | undefined): string | undefined {
  try {
    const u = new URL(url, origin)
    return `${origin === undefined ? u.origin : new URL(origin).origin}${u.pathname}`
  } catch {
    return undefined
  }
}

/**
 * Create the `dpop.verifyProof` of the adapters: checks a DPoP proof JWT as RFC 9449 §4.3 asks —
 * one proof, `typ` `dpop+jwt`, an asymmetric allow-listed `alg`, a public `jwk` in the header
 * that verifies the signature, `htm` and `htu` (normalised, without query and fragment) matching
 * the request, a recent `iat`, `ath` the hash of the access token, and a `jti` not seen before —
 * and resolves to the key's RFC 7638 thumbprint, which the token's `cnf.jkt` must equal.
 * Failures reject with {@link DpopProofError}. Server-provided nonces (§9) are not issued.
 *
 * @example
 * ```ts
 * const verifyProof = createDpopProofVerifier({ origin: 'https://api.example.com' })
 * app.use(stepUp({ verify, dpop: { algs: ['ES256'], verifyProof }, requirement }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export function createDpopProofVerifier(
  options: DpopProofVerifierOptions = {},
): (proof: string | null, request: HttpRequestView, token: string) => Promise<string> {
  const { origin, maxAge = 60, clockTolerance = 5, now = epochNow } = options
  const algorithms = options.algorithms ?? ASYMMETRIC
  check(
    Array.isArray(algorithms) &&
      algorithms.length &&
      algorithms.every((a) => ASYMMETRIC.includes(a)),
    'algorithms',
  )
  check(origin === undefined || targetUri('/', origin), 'origin')
  positive(maxAge, 'maxAge')
  positive(clockTolerance, 'clockTolerance', false)
  check(typeof now === 'function', 'now')
  const replay = options.replay ?? createMemoryConsumedGrantStore({ now })
  check(typeof replay.add === 'function', 'replay')
  // Clients reuse their key, so its import is kept per protected header.
  const keys = createTokenCache<Promise<[CryptoKey, string]>>(1000)
  const fail = (code: DpopProofErrorCode, message?: string) => new DpopProofError(code, message)
  const claim = (name: string) => fail('ERR_DPOP_CLAIM_INVALID', name)

  return async (proof, request, token) => {
    // §4.3 (1)–(2): one well-formed JWT; two DPoP field lines arrive joined with a comma.
    if (typeof proof !== 'string' || proof === '') throw fail('ERR_DPOP_MISSING')
    const [h = '', p = '', s = ''] = proof.split('.')
    const header = COMPACT.test(proof) && proof.length <= 8192 ? jsonSegment(h) : undefined
    if (!header || header['crit'] !== undefined || header['b64'] !== undefined) {
      throw fail('ERR_DPOP_MALFORMED')
    }
    // (4)–(5): typ dpop+jwt (§11.5), an asymmetric allow-listed alg (§11.6).
    const { typ, alg, jwk } = header
    if (typeof typ !== 'string' || mediaType(typ) !== 'dpop+jwt') throw claim('typ')
    if (typeof alg !== 'string' || !algorithms.includes(alg)) throw fail('ERR_DPOP_ALG_NOT_ALLOWED')
    if (!s) throw fail('ERR_DPOP_MALFORMED')
    // (6)–(7): the header's jwk is a public key of the type and curve alg names (checked before
    // import: not every runtime refuses a P-256 key imported for ES384), and it verifies the
    // signature.
    const params = jwsAlgorithm(alg)
    const family = alg.slice(0, 2)
    const [kty, crv] =
      family === 'ES' ? ['EC', params[1]] : family === 'Ed' ? ['OKP', 'Ed25519'] : ['RSA']
    if (
      typeof jwk !== 'object' ||
      jwk === null ||
      Array.isArray(jwk) ||
      PRIVATE.some((member) => member in jwk) ||
      ((jwk as JWK).alg ?? alg) !== alg ||
      (jwk as JWK).kty !== kty ||
      (crv !== undefined && (jwk as JWK).crv !== crv)
    ) {
      throw fail('ERR_DPOP_KEY_INVALID')
    }
    let entry = keys.get(h, 0)
    if (!entry) {
      entry = Promise.all([
        importJWK(jwk as JWK, alg) as Promise<CryptoKey>,
        calculateJwkThumbprint(jwk as JWK, 'sha256'),
      ])
      keys.set(h, entry, Number.POSITIVE_INFINITY, 0)
    }
    let key: CryptoKey
    let jkt: string
    let ok: boolean
    try {
      ;[key, jkt] = await entry
      if (!keyFits(key, params)) throw new TypeError('key type')
    } catch {
      throw fail('ERR_DPOP_KEY_INVALID')
    }
    try {
      ok = await crypto.subtle.verify(params[0], key, fromBase64Url(s), ascii.encode(`${h}.${p}`))
    } catch {
      ok = false
    }
    if (!ok) throw fail('ERR_DPOP_SIGNATURE_INVALID')
    const payload = jsonSegment(p)
    if (!payload) throw fail('ERR_DPOP_MALFORMED')
    const { jti, htm, htu, iat, ath } = payload
    // (8)–(11): htm, htu, a recent iat, and (12) ath for the token it comes with.
    if (htm !== request.method) throw claim('htm')
    const target = targetUri(request.url, origin)
    if (typeof htu !== 'string' || target === undefined || targetUri(htu, undefined) !== target) {
      throw claim('htu')
    }
    const t = now()
    if (typeof iat !== 'number' || iat > t + clockTolerance || iat < t - maxAge - clockTolerance) {
      throw claim('iat')
    }
    const hash = base64url.encode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', ascii.encode(token))),
    )
    if (ath !== hash) throw claim('ath')
    // (3) and §11.1: each jti once, for as long as the proof would be accepted.
    if (typeof jti !== 'string' || jti === '' || jti.length > 256) throw claim('jti')
    if (!(await replay.add(`dpop ${jkt} ${jti}`, maxAge + 2 * clockTolerance))) {
      throw fail('ERR_DPOP_REPLAYED')
    }
    return jkt
  }
}
