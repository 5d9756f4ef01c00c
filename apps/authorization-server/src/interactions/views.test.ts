import { describe, expect, it } from 'vitest'
import { formatAmount } from './views.ts'

describe('formatAmount', () => {
  it('formats an amount in its currency, every digit kept', () => {
    expect(formatAmount('1000.5', 'JPY')).toBe('¥1,000.5')
    expect(formatAmount('10000.00', 'USD')).toBe('$10,000.00')
    expect(formatAmount('0.12345678901234567891', 'USD')).toBe('$0.12345678901234567891')
  })

  it('shows an amount with more than 20 fraction digits exactly as sent, with its code', () => {
    for (const decimals of [21, 100, 101]) {
      const amount = `1.${'7'.repeat(decimals)}`
      expect(formatAmount(amount, 'USD')).toBe(`${amount} USD`)
    }
  })

  it('shows an amount too large to be finite exactly as sent, never as ∞', () => {
    const amount = `9${'0'.repeat(308)}.50`
    expect(formatAmount(amount, 'EUR')).toBe(`${amount} EUR`)
  })
})
