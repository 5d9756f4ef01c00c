import { describe, expect, it } from 'vitest'
import { formatCents, parseCents } from './money.ts'

describe('parseCents / formatCents', () => {
  it.each([
    ['0', 0],
    ['0.5', 50],
    ['10000.00', 1_000_000],
    ['1.01', 101],
    ['999999999999.99', 99_999_999_999_999],
  ])('parses %s as %d cents', (text, cents) => {
    expect(parseCents(text)).toBe(cents)
  })

  it.each(['', '-1', '+1', '1e3', '01', '1.001', '1.', '.5', ' 1', '1,000', '1000000000000'])(
    'refuses %j',
    (text) => {
      expect(parseCents(text)).toBeUndefined()
    },
  )

  it('formats cents with two decimals', () => {
    expect(formatCents(1_500_000)).toBe('15000.00')
    expect(formatCents(5)).toBe('0.05')
    expect(formatCents(-250)).toBe('-2.50')
  })
})
