import { checkOptions, invalidArgument } from '@stepup/internal'
import { type AccessTokenClaims, type ConfirmationChecks, checkConfirmation } from './claims.js'
import { AccessTokenError, check } from './errors.js'
import { createTokenCache } from './token-cache.js'

/**
 * How the token was presented: the `Authorization` scheme; for `DPoP`, the JWK SHA-256
 * thumbprint of the key that signed the (already verified) DPoP proof; over mutual TLS, the
 * SHA-256 thumbprint of the client certificate.
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
  /**
   * The base64url SHA-256 of the DER client certificate of the TLS connection (RFC 8705 §3.1):
   * a token with `cnf["x5t#S256"]` is refused unless it is given and equal.
   */
  readonly x5tS256?: string
}

/**
 * Verifies access tokens: resolves to the typed claims, or rejects with {@link AccessTokenError}.
 * The claims are frozen: the same object may be handed to the next caller from the cache.
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

const CACHE_OPTIONS: ReadonlySet<string> = new Set(['max'])

interface Core {
  readonly maxTokenLength?: number | undefined
  readonly cache?: { readonly max?: number } | undefined
  readonly confirmation?: ConfirmationChecks | undefined
  readonly now?: (() => number) | undefined
}

export const epochNow = (): number => Math.floor(Date.now() / 1000)

/** Every asymmetric JWS algorithm jose verifies here (RFC 7518 §3.1, RFC 8037, RFC 9864). */
export const ASYMMETRIC: readonly string[] =
  'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519'.split(' ')

/**
 * Three base64url segments, the last possibly empty (RFC 7515 §7.1): checked before a token goes
 * to jose, so that padding, the standard base64 alphabet or white space never verify as the same
 * token under another spelling.
 */
export const COMPACT: RegExp = /^[\w-]+\.[\w-]+\.[\w-]*$/

/** Refuse (`ERR_INVALID_ARG_VALUE`) a value that is not a finite number ≥ 0 (an integer unless `integer` is false). */
export function positive(value: unknown, name: string, integer = true): void {
  check(
    value === undefined ||
      (typeof value === 'number' &&
        Number.isFinite(value) &&
        value >= 0 &&
        (!integer || Number.isSafeInteger(value))),
    name,
  )
}

/** Freeze `value` and everything it holds, so a caller cannot change what the next one gets. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}

/** The `cache` option of a verifier: known keys only, a positive `max`. */
export function checkCacheOptions(cache: unknown, where: string): void {
  checkOptions(cache, CACHE_OPTIONS, `${where}: cache`)
  positive((cache as { max?: unknown } | undefined)?.max, 'cache.max')
}

/** Size check, cache and sender-constraint check shared by both verifiers. */
export function createVerifier(
  load: (token: string, now: number) => Promise<AccessTokenClaims>,
  options: Core,
  where: string,
  ttl: number = Number.POSITIVE_INFINITY,
): AccessTokenVerifier {
  const { maxTokenLength = 8192, cache: c, now = epochNow, confirmation = {} } = options
  positive(maxTokenLength, 'maxTokenLength')
  checkCacheOptions(c, where)
  check(typeof now === 'function', 'now')
  check(
    typeof confirmation === 'object' &&
      confirmation !== null &&
      Object.values(confirmation).every((f) => typeof f === 'function'),
    'confirmation',
  )
  const cache = c && createTokenCache<AccessTokenClaims>(c.max ?? 1000)
  // No async layer of its own: a cache hit resolves at once, a miss is one step after `load`.
  return {
    verify(token, o = {}) {
      try {
        if (o.scheme === 'DPoP' && typeof o.jkt !== 'string') {
          throw invalidArgument('jkt is required with the DPoP scheme', {
            code: 'ERR_MISSING_ARGS',
          })
        }
        if (o.x5tS256 !== undefined && typeof o.x5tS256 !== 'string') {
          throw invalidArgument('x5tS256 must be a base64url string', {
            code: 'ERR_INVALID_ARG_TYPE',
          })
        }
        if (typeof token !== 'string' || token === '') {
          throw new AccessTokenError('ERR_TOKEN_MALFORMED', 'access token is empty')
        }
        if (token.length > maxTokenLength) {
          throw new AccessTokenError(
            'ERR_TOKEN_TOO_LARGE',
            `access token is ${token.length} characters, over maxTokenLength ${maxTokenLength}`,
          )
        }
        const t = now()
        const hit = cache?.get(token, t)
        if (hit) {
          checkConfirmation(hit, o, confirmation)
          return Promise.resolve(hit)
        }
        return load(token, t).then((loaded) => {
          const claims = deepFreeze(loaded)
          cache?.set(token, claims, Math.min(claims.exp ?? Number.POSITIVE_INFINITY, t + ttl), t)
          checkConfirmation(claims, o, confirmation)
          return claims
        })
      } catch (e) {
        return Promise.reject(e)
      }
    },
  }
}
