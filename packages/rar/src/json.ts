import { invalid } from './errors.js'

/**
 * The size and depth bounds a registry applies to untrusted `authorization_details`: its `limits`
 * option over {@link DEFAULT_LIMITS}.
 */
export interface AuthorizationDetailsLimits {
  /** Most objects in the array. Default 100. */
  readonly maxDetails: number
  /** Most UTF-8 bytes of JSON text (or of the compact JSON form of a parsed value). Default 65536. */
  readonly maxBytes: number
  /** Most nested arrays/objects, the outer array counting as 1. Default 16. */
  readonly maxDepth: number
}

/** The limits a registry applies unless given others. */
export const DEFAULT_LIMITS: AuthorizationDetailsLimits = {
  maxDetails: 100,
  maxBytes: 65536,
  maxDepth: 16,
}

const tooDeep = () => invalid('nested too deeply')
const tooMany = () => invalid('too many details')
const tooLarge = () => invalid('too large')
const protoKey = () => invalid('member name "__proto__" is not allowed')

const inexact = () => invalid('number cannot be compared exactly')

/**
 * UTF-8 length of a string, as `TextEncoder` would encode it (a lone surrogate counts as the 3
 * bytes of U+FFFD), counted without encoding: most member names and values are ASCII.
 */
export function utf8Length(s: string): number {
  let bytes = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else {
      // Three bytes for the rest of the BMP and a lone surrogate; four for a pair (two units).
      bytes += 2
      if (c < 0xdc00 && c >= 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++
    }
  }
  return bytes
}

const TOKEN = /[\w.+-]+/y
const NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/

/**
 * Whether a JSON number keeps its exact value as the double `value` it reads as, so that numbers
 * compare (`===`, `<`) exactly as the decimal values they spell: a safe integer
 * (RFC 8259 §6), or at most 15 significant digits (IEEE 754 double guarantees such decimals
 * distinct doubles, in order) with the leading digit between 1e-307 and 1e308. `-0` (which JSON
 * text cannot carry back), non-finite values and anything else — `9007199254740993`, which reads
 * as `9007199254740992`, or `0.10000000000000001`, which reads as `0.1` — are refused. Works on the
 * text only (digit counting, no float formatting); for an already-parsed number, `text` is its
 * shortest round-trip form `String(value)`.
 */
export function isExactNumber(text: string, value: number): boolean {
  const parts = NUMBER.exec(text)
  if (!parts || !Number.isFinite(value) || Object.is(value, -0)) return false
  const fraction = parts[2] ?? ''
  const digits = (parts[1]! + fraction).replace(/^0+/, '')
  if (digits === '') return true
  const significant = digits.replace(/0+$/, '')
  // Powers of ten of the last and of the leading significant digit.
  const last = Number(parts[3] ?? 0) - fraction.length + digits.length - significant.length
  const lead = last + significant.length - 1
  return (
    (last >= 0 && Number.isSafeInteger(value)) ||
    (significant.length <= 15 && lead >= -307 && lead <= 308)
  )
}

/**
 * Reads RFC 8259 JSON text in one linear pass, enforcing the limits while reading: nesting depth
 * and the number of top-level elements are checked before a container is entered or an element
 * read, so hostile input fails fast and never exhausts the stack. Duplicate member names and
 * `__proto__` members are rejected; every object is a fresh plain object built from own data.
 * Strings, numbers and literals are decoded by `JSON.parse` on their own token; a number that
 * would not keep its exact value (see {@link isExactNumber}) is rejected.
 */
export function readJson(text: string, limits: AuthorizationDetailsLimits): unknown {
  if (text.length > limits.maxBytes || utf8Length(text) > limits.maxBytes) throw tooLarge()
  let i = 0
  const syntax = () => invalid('not valid JSON')
  const token = (raw: string): unknown => {
    try {
      return JSON.parse(raw)
    } catch {
      throw syntax()
    }
  }
  const skip = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; ) {
      c = text.charCodeAt(++i)
    }
  }
  const string = (): string => {
    const start = i++
    let plain = true
    for (;;) {
      const c = text.charCodeAt(i++)
      if (c === 34)
        return plain ? text.slice(start + 1, i - 1) : (token(text.slice(start, i)) as string)
      if (c === 92) {
        plain = false
        i++
      } else if (!(c >= 32)) throw syntax()
    }
  }
  const value = (depth: number): unknown => {
    skip()
    const c = text[i]
    if (c === '"') return string()
    if (c === '[' || c === '{') {
      if (++depth > limits.maxDepth) throw tooDeep()
      i++
      const close = c === '[' ? ']' : '}'
      const list: unknown[] = []
      const object: Record<string, unknown> = {}
      skip()
      if (text[i] === close) {
        i++
      } else {
        for (;;) {
          if (c === '[') {
            if (depth === 1 && list.length >= limits.maxDetails) throw tooMany()
            list.push(value(depth))
          } else {
            skip()
            if (text[i] !== '"') throw syntax()
            const key = string()
            if (key === '__proto__') throw protoKey()
            if (Object.hasOwn(object, key)) throw invalid('duplicate member name')
            skip()
            if (text[i++] !== ':') throw syntax()
            object[key] = value(depth)
          }
          skip()
          const next = text[i++]
          if (next === close) break
          if (next !== ',') throw syntax()
        }
      }
      return c === '[' ? list : object
    }
    TOKEN.lastIndex = i
    const literal = TOKEN.exec(text)?.[0] ?? ''
    i += literal.length
    const result = token(literal)
    if (result === Infinity || result === -Infinity) throw invalid('not a JSON value')
    if (typeof result === 'number' && !isExactNumber(literal, result)) throw inexact()
    return result
  }
  const result = value(0)
  skip()
  if (i !== text.length) throw syntax()
  return result
}

/**
 * Copies an already-parsed value into fresh plain JSON data under the same limits, rejecting
 * anything JSON cannot carry (undefined, functions, bigint, symbols, non-finite numbers, class
 * instances, sparse arrays, cycles), numbers that cannot be compared exactly (`-0`, more digits
 * than a double keeps; see {@link isExactNumber}) and `__proto__` members.
 */
export function copyJson(input: unknown, limits: AuthorizationDetailsLimits): unknown {
  let bytes = 0
  const charge = (n: number) => {
    bytes += n
    if (bytes > limits.maxBytes) throw tooLarge()
  }
  const add = (text: string) =>
    charge(text.length > limits.maxBytes ? text.length : utf8Length(text))
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v === 'object' && v !== null) {
      if (++depth > limits.maxDepth) throw tooDeep()
      if (Array.isArray(v)) {
        if (depth === 1 && v.length > limits.maxDetails) throw tooMany()
        charge(v.length + 1)
        const list: unknown[] = []
        for (let k = 0; k < v.length; k++) list.push(copy(v[k], depth))
        return list
      }
      const proto: unknown = Object.getPrototypeOf(v)
      if (proto === Object.prototype || proto === null) {
        const object: Record<string, unknown> = {}
        charge(1)
        for (const key of Object.keys(v)) {
          if (key === '__proto__') throw protoKey()
          add(`${JSON.stringify(key)}:,`)
          object[key] = copy((v as Record<string, unknown>)[key], depth)
        }
        return object
      }
    } else if (
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      v === null ||
      Number.isFinite(v)
    ) {
      if (typeof v === 'number' && !isExactNumber(String(v), v)) throw inexact()
      add(JSON.stringify(v))
      return v
    }
    throw invalid('not a JSON value')
  }
  return copy(input, 0)
}
