import type { AccessTokenClaims } from './claims.js'
import { AccessTokenError, argumentError, check } from './errors.js'
import { createTokenCache, sha256 } from './token-cache.js'

/**
 * How the token was presented: the `Authorization` scheme and, for `DPoP`, the JWK SHA-256
 * thumbprint of the key that signed the (already verified) DPoP proof.
 *
 * @example
 * ```ts
 * await verifier.verify(token, { scheme: 'DPoP', jkt: proofKeyThumbprint })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.2
 */
export interface VerifyOptions {
  /** Default `Bearer`: a DPoP-bound token (`cnf.jkt`) is then refused (RFC 9449 §7.2). */
  readonly scheme?: 'Bearer' | 'DPoP'
  /** Required with `DPoP`: must equal the token's `cnf.jkt` (RFC 9449 §6.1). */
  readonly jkt?: string
}

/**
 * Verifies access tokens: resolves to the typed claims, or rejects with {@link AccessTokenError}.
 *
 * @example
 * ```ts
 * const claims = await verifier.verify(token)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export interface AccessTokenVerifier {
  verify(token: string, options?: VerifyOptions): Promise<AccessTokenClaims>
}

/**
 * The verified-token cache: a bounded LRU keyed by the SHA-256 of the token; an entry never
 * outlives the token's `exp` (nor the verifier's TTL, for introspection).
 *
 * @example
 * ```ts
 * const cache: VerifierCacheOptions = { max: 10_000 }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 */
export interface VerifierCacheOptions {
  /** Most entries kept (default 1000). */
  readonly max?: number
}

interface Core {
  readonly maxTokenLength?: number | undefined
  readonly cache?: VerifierCacheOptions | undefined
  readonly now?: (() => number) | undefined
}

export const epochNow = (): number => Math.floor(Date.now() / 1000)

export function positive(value: unknown, name: string, integer = true): void {
  check(
    value === undefined ||
      (typeof value === 'number' && value >= 0 && (!integer || Number.isSafeInteger(value))),
    name,
  )
}

/** Size check, cache and sender-constraint check shared by both verifiers. */
export function createVerifier(
  load: (token: string, now: number) => Promise<AccessTokenClaims>,
  options: Core,
  ttl: number = Number.POSITIVE_INFINITY,
): AccessTokenVerifier {
  const { maxTokenLength = 8192, cache: c, now = epochNow } = options
  positive(maxTokenLength, 'maxTokenLength')
  positive(c?.max, 'cache.max')
  check(typeof now === 'function', 'now')
  const cache = c && createTokenCache<AccessTokenClaims>(c.max ?? 1000)
  return {
    async verify(token, o = {}) {
      if (o.scheme === 'DPoP' && typeof o.jkt !== 'string') {
        throw argumentError('jkt is required with the DPoP scheme', 'ERR_MISSING_ARGS')
      }
      if (typeof token !== 'string' || token === '') {
        throw new AccessTokenError('ERR_TOKEN_MALFORMED')
      }
      if (token.length > maxTokenLength) {
        throw new AccessTokenError('ERR_TOKEN_TOO_LARGE')
      }
      const t = now()
      const key = cache && (await sha256(token))
      let claims = key && cache.get(key, t)
      if (!claims) {
        claims = await load(token, t)
        if (key)
          cache.set(key, claims, Math.min(claims.exp ?? Number.POSITIVE_INFINITY, t + ttl), t)
      }
      const jkt = claims.cnf?.jkt
      const tokenType = claims.raw['token_type']
      const bound =
        jkt !== undefined || (typeof tokenType === 'string' && tokenType.toLowerCase() === 'dpop')
      if (o.scheme === 'DPoP' ? jkt === undefined || jkt !== o.jkt : bound) {
        throw new AccessTokenError(
          o.scheme === 'DPoP' ? 'ERR_TOKEN_DPOP_MISMATCH' : 'ERR_TOKEN_DPOP_BOUND',
        )
      }
      return claims
    },
  }
}
