import { invalidArgument } from './errors.js'

const SYNTAX = /^-?\d+(?:\.\d+)?$/

/**
 * Compares two decimal strings such as money amounts exactly, never through floating point:
 * returns -1, 0 or 1 as `a` is less than, equal to or greater than `b`.
 *
 * Both are scaled to the same number of fraction digits and compared as integers. Accepts
 * `-?digits(.digits)?` (leading zeros and trailing fraction zeros allowed, `-0` equals `0`);
 * anything else, such as exponents, `+`, spaces or an empty string, throws a `TypeError`.
 *
 * @example
 * ```ts
 * compareDecimalStrings('10000', '9999.99') // 1
 * compareDecimalStrings('123.50', '123.5') // 0
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6.1
 */
export function compareDecimalStrings(a: string, b: string): -1 | 0 | 1 {
  const parts = [a, b].map((value) => {
    if (typeof value !== 'string' || !SYNTAX.test(value)) {
      throw invalidArgument('expected a decimal string')
    }
    return value.split('.')
  })
  const scale = Math.max(...parts.map(([, fraction = '']) => fraction.length))
  const [x, y] = parts.map(([integer, fraction = '']) =>
    BigInt(integer + fraction.padEnd(scale, '0')),
  )
  return x! < y! ? -1 : x! > y! ? 1 : 0
}
