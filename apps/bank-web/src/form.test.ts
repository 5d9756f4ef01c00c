import { describe, expect, it } from 'vitest'
import { parseAmount } from './form.ts'
import { formatMoney } from './money.ts'

describe('parseAmount', () => {
  it.each([
    ['10000', '10000.00'],
    ['10,000', '10000.00'],
    ['10 000.5', '10000.50'],
    ['0.01', '0.01'],
    ['007.10', '7.10'],
    [' 250 ', '250.00'],
  ])('reads %j as the API amount %j', (typed, amount) => {
    expect(parseAmount(typed)).toBe(amount)
  })

  it.each(['', '0', '0.00', '-5', '1.234', '1e4', '12.', '.5', 'ten', '$10', '1234567890123'])(
    'refuses %j',
    (typed) => {
      expect(parseAmount(typed)).toBeUndefined()
    },
  )
})

describe('formatMoney', () => {
  it('formats in the account currency', () => {
    expect(formatMoney('10000.00', 'USD', 'en-US')).toBe('$10,000.00')
    expect(formatMoney('5.5', 'EUR', 'en-US')).toBe('€5.50')
    expect(formatMoney('1234.5', 'EUR', 'de-DE')).toBe('1.234,50\u00a0€')
  })

  it('shows an amount that is not a number as it came', () => {
    expect(formatMoney('n/a', 'USD')).toBe('n/a')
  })
})
