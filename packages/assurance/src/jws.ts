import { base64url } from 'jose'

/**
 * A JWS algorithm as WebCrypto verifies it: the `verify` parameters, and the hash or curve the
 * key must have been imported with (none for Ed25519).
 */
export type JwsAlgorithm = readonly [
  params: { readonly name: string; readonly hash?: string; readonly saltLength?: number },
  fixed?: string,
]

/** Every asymmetric JWS algorithm WebCrypto verifies here (RFC 7518 §3.1, RFC 8037). */
export const ASYMMETRIC: readonly string[] =
  'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519'.split(' ')

/**
 * Map a JWS `alg` (RS*, PS*, ES*, HS*, EdDSA, Ed25519) to its WebCrypto verification.
 *
 * @example
 * ```ts
 * jwsAlgorithm('ES256') // [{ name: 'ECDSA', hash: 'SHA-256' }, 'P-256']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
export function jwsAlgorithm(alg: string): JwsAlgorithm {
  const bits = alg.slice(2)
  const hash = `SHA-${bits}`
  const family = alg.slice(0, 2)
  return family === 'ES'
    ? [{ name: 'ECDSA', hash }, `P-${bits === '512' ? 521 : bits}`]
    : family === 'PS'
      ? [{ name: 'RSA-PSS', saltLength: Number(bits) / 8 }, hash]
      : family === 'RS'
        ? [{ name: 'RSASSA-PKCS1-v1_5' }, hash]
        : family === 'HS'
          ? [{ name: 'HMAC' }, hash]
          : [{ name: 'Ed25519' }]
}

/**
 * Whether `key` was imported for `alg`: same algorithm, same hash or curve, and an RSA modulus of
 * at least 2048 bits.
 *
 * @example
 * ```ts
 * keyFits(publicKey, jwsAlgorithm('ES256'))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.3
 */
export function keyFits(key: CryptoKey, [params, fixed]: JwsAlgorithm): boolean {
  const a = key.algorithm as KeyAlgorithm & {
    hash?: { name: string }
    namedCurve?: string
    modulusLength?: number
  }
  return (
    a.name === params.name &&
    (fixed === undefined || a.hash?.name === fixed || a.namedCurve === fixed) &&
    !((a.modulusLength ?? 2048) < 2048)
  )
}

const NodeBuffer = (
  globalThis as { Buffer?: { from(s: string, encoding: 'base64url'): Uint8Array<ArrayBuffer> } }
).Buffer

/**
 * Decode base64url already checked to hold only the URL-safe alphabet (Node's and Bun's Buffer
 * when there is one, jose's decoder elsewhere); a length of 1 mod 4 cannot be base64 and throws.
 *
 * @example
 * ```ts
 * fromBase64Url('AQAB') // Uint8Array [1, 0, 1]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-2
 */
export function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  if (s.length % 4 === 1) throw new TypeError('not base64url')
  return NodeBuffer
    ? NodeBuffer.from(s, 'base64url')
    : (base64url.decode(s) as Uint8Array<ArrayBuffer>)
}

const utf8 = new TextDecoder()
export const ascii: TextEncoder = new TextEncoder()

/** Three base64url segments, the last possibly empty (RFC 7515 §7.1), checked before decoding. */
export const COMPACT: RegExp = /^[\w-]+\.[\w-]+\.[\w-]*$/

/** A `typ` compared as a media type: case-insensitive, `application/` optional (RFC 7515 §4.1.9). */
export const mediaType = (typ: string): string => typ.toLowerCase().replace(/^application\//, '')

/**
 * Decode a base64url segment holding a JSON object (a JOSE header or a JWT claims set); anything
 * else is `undefined`.
 *
 * @example
 * ```ts
 * jsonSegment('eyJhbGciOiJFUzI1NiJ9') // { alg: 'ES256' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 */
export function jsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(utf8.decode(fromBase64Url(segment)))
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>
    }
  } catch {}
  return undefined
}
