/** A CBOR value this encoder writes (RFC 8949): the subset WebAuthn needs. */
export type CborValue =
  | number
  | string
  | Uint8Array
  | boolean
  | null
  | readonly CborValue[]
  | ReadonlyMap<number | string, CborValue>

function head(major: number, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('invalid CBOR length')
  if (length < 24) return Uint8Array.of((major << 5) | length)
  if (length < 0x100) return Uint8Array.of((major << 5) | 24, length)
  if (length < 0x10000) return Uint8Array.of((major << 5) | 25, length >> 8, length & 0xff)
  if (length < 0x100000000) {
    const out = new Uint8Array(5)
    out[0] = (major << 5) | 26
    new DataView(out.buffer).setUint32(1, length)
    return out
  }
  const out = new Uint8Array(9)
  out[0] = (major << 5) | 27
  new DataView(out.buffer).setBigUint64(1, BigInt(length))
  return out
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * Encode a value as CBOR (RFC 8949 §3) with definite lengths and map keys in the order given —
 * callers pass keys in core deterministic order (RFC 8949 §4.2.1), as CTAP2 requires.
 *
 * @example
 * ```ts
 * encodeCbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8949#section-3
 */
export function encodeCbor(value: CborValue): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError('only integers are supported')
    return value >= 0 ? head(0, value) : head(1, -1 - value)
  }
  if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value)
    return concat([head(3, bytes.length), bytes])
  }
  if (value instanceof Uint8Array) return concat([head(2, value.length), value])
  if (value === false) return Uint8Array.of(0xf4)
  if (value === true) return Uint8Array.of(0xf5)
  if (value === null) return Uint8Array.of(0xf6)
  if (Array.isArray(value)) {
    return concat([head(4, value.length), ...value.map((item) => encodeCbor(item))])
  }
  const map = value as ReadonlyMap<number | string, CborValue>
  const parts: Uint8Array[] = [head(5, map.size)]
  for (const [key, item] of map) parts.push(encodeCbor(key), encodeCbor(item))
  return concat(parts)
}
