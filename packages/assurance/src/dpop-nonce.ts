import { checkOptions, invalidArgument } from '@stepup/internal'
import { base64url } from 'jose'
import { check } from './errors.js'
import { epochNow } from './verifier.js'

/**
 * The source of a resource server's DPoP nonces (RFC 9449 §9), which {@link createDpopNonceSource}
 * makes and `createDpopProofVerifier({ nonce })` takes.
 *
 * `issue` gives the nonce to send in a `DPoP-Nonce` header to the client holding the key `jkt`
 * (its RFC 7638 thumbprint), and `accepts` says whether a proof of that key may carry `nonce`
 * now. Give one to
 * `createDpopProofVerifier({ nonce })`: a proof without an accepted nonce is then refused with
 * `use_dpop_nonce` and a fresh nonce. {@link createDpopNonceSource} makes one without stored
 * state; implement this interface for another (random nonces kept per key in a shared store).
 *
 * @example
 * ```ts
 * const nonces = createDpopNonceSource({ secret })
 * response.headers.set('dpop-nonce', await nonces.issue(jkt))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export interface DpopNonceSource {
  /** A nonce for the key `jkt`, to send as `DPoP-Nonce` (`1*NQCHAR`, RFC 9449 §8.1). */
  issue(jkt: string): Promise<string>
  /** Whether a proof of the key `jkt` may carry `nonce` now (issued for that key, not expired). */
  accepts(nonce: string, jkt: string): Promise<boolean>
}

/**
 * The options of {@link createDpopNonceSource}: the HMAC key nonces are computed with and how
 * long one stays valid.
 *
 * @example
 * ```ts
 * const nonce = createDpopNonceSource({ secret: crypto.getRandomValues(new Uint8Array(32)), window: 300 })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export interface DpopNonceSourceOptions {
  /**
   * The HMAC-SHA-256 key nonces are computed with: at least 32 bytes, copied when the source is
   * made. Give every instance of the API the same one, or a nonce one instance issued is refused
   * by the next (the client then gets a new one and tries once more). Default: 32 random bytes,
   * for this process only.
   */
  readonly secret?: Uint8Array
  /**
   * Seconds a nonce is issued for: a whole number ≥ 1 (default 300). A nonce is accepted in its
   * window and the next one, so from `window` to `2 × window` seconds after it was issued.
   */
  readonly window?: number
  /** The clock, in epoch seconds. */
  readonly now?: () => number
}

const OPTIONS: ReadonlySet<string> = new Set(['secret', 'window', 'now'])
const utf8 = new TextEncoder()

/** Compares two strings in time that depends on their length only. */
function same(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i % (b.length || 1))
  return diff === 0
}

/**
 * Creates a DPoP nonce source (RFC 9449 §9) that keeps no state.
 *
 * A nonce is `base64url(HMAC-SHA-256(secret, "dpop-nonce <window> <jkt>"))`, where `<window>` is
 * the current time divided by `window` seconds.
 *
 * It is unpredictable without `secret` (§8: nonce values MUST be unpredictable), bound to one
 * client key, and rotates by itself: one issued in a window is accepted in that window and the
 * next, then refused, and the client is given the current one.
 *
 * The trade-off: nothing is stored, so any number of keys costs no memory and instances need to
 * share only `secret`, not a store; but a nonce cannot be revoked before its window ends, and
 * every proof of a key within a window carries the same nonce. Where a nonce must be used once,
 * or retired at will, keep random nonces per key in a store shared by the instances (in memory
 * with a bound on keys, or in Redis) behind the same {@link DpopNonceSource} interface. Unknown
 * option keys, a `secret` under 32 bytes and a `window` that is not a whole number ≥ 1 are
 * refused when it is made.
 *
 * @example
 * ```ts
 * const nonce = createDpopNonceSource({ secret: sharedSecret })
 * const verifyProof = createDpopProofVerifier({ origin: 'https://api.example.com', nonce })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.2
 */
export function createDpopNonceSource(options: DpopNonceSourceOptions = {}): DpopNonceSource {
  checkOptions(options, OPTIONS, 'createDpopNonceSource')
  const { window = 300, now = epochNow } = options
  if (
    options.secret !== undefined &&
    (!(options.secret instanceof Uint8Array) || options.secret.byteLength < 32)
  ) {
    throw invalidArgument(
      'createDpopNonceSource: "secret" must be a Uint8Array of at least 32 random bytes',
    )
  }
  check(Number.isSafeInteger(window) && window >= 1, 'window')
  check(typeof now === 'function', 'now')
  const secret = options.secret?.slice() ?? crypto.getRandomValues(new Uint8Array(32))
  let key: Promise<CryptoKey> | undefined
  const nonceFor = async (step: number, jkt: string): Promise<string> => {
    key ??= crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ])
    const mac = await crypto.subtle.sign(
      'HMAC',
      await key,
      utf8.encode(`dpop-nonce ${step} ${jkt}`),
    )
    return base64url.encode(new Uint8Array(mac))
  }
  const stepNow = () => Math.floor(now() / window)
  const keyOf = (jkt: unknown): string => {
    if (typeof jkt !== 'string' || jkt === '') {
      throw invalidArgument('DpopNonceSource: "jkt" must be the key thumbprint, a non-empty string')
    }
    return jkt
  }
  return {
    issue: async (jkt) => nonceFor(stepNow(), keyOf(jkt)),
    async accepts(nonce, jkt) {
      keyOf(jkt)
      if (typeof nonce !== 'string' || nonce === '') return false
      const step = stepNow()
      // This window's nonce, or the last one's: from `window` to `2 × window` seconds of use.
      const [current, previous] = await Promise.all([nonceFor(step, jkt), nonceFor(step - 1, jkt)])
      return same(current, nonce) || same(previous, nonce)
    },
  }
}
