import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareDecimalStrings } from './decimal.ts'
import { checkProperty, decimal } from './property.ts'

describe('compareDecimalStrings', () => {
  it.each([
    ['10000', '9999.99', 1],
    ['9999.99', '10000', -1],
    ['123.50', '123.5', 0],
    ['0123.5', '123.50', 0],
    ['0.1', '0.10000000000000000001', -1],
    ['9007199254740993', '9007199254740992', 1],
    ['-1', '1', -1],
    ['-0', '0', 0],
    ['-2.5', '-2.45', -1],
    ['0', '0.0', 0],
  ] as const)('compares %s with %s as %i', (a, b, expected) => {
    expect(compareDecimalStrings(a, b)).toBe(expected)
  })

  it.each(['', '1e3', '+1', '.5', '5.', ' 1', '1 ', '1,5', '0x10', 'NaN', '--1', '1.2.3'])(
    'rejects %j with ERR_INVALID_ARG_VALUE',
    (bad) => {
      expect(() => compareDecimalStrings(bad, '1')).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      )
      expect(() => compareDecimalStrings('1', bad)).toThrow(TypeError)
    },
  )

  it('rejects non-strings', () => {
    expect(() => compareDecimalStrings(1 as never, '1')).toThrow(TypeError)
  })

  it('agrees with BigInt-scaled comparison', () => {
    checkProperty(
      fc.property(decimal, decimal, fc.boolean(), fc.boolean(), (a, b, negateA, negateB) => {
        const x = (negateA ? -1n : 1n) * a.digits * 10n ** BigInt(b.scale)
        const y = (negateB ? -1n : 1n) * b.digits * 10n ** BigInt(a.scale)
        const expected = x < y ? -1 : x > y ? 1 : 0
        const text = (d: typeof a, negate: boolean) => (negate ? '-' : '') + d.text
        expect(compareDecimalStrings(text(a, negateA), text(b, negateB))).toBe(expected)
      }),
      { numRuns: 2000 },
    )
  })
})
