import { describe, expect, it } from 'vitest'
import { createAuthorizationDetailsRegistry } from '../registry.js'
import { bankTransactionDetailType } from './bank-transaction.js'

const TYPE = 'urn:bank:params:oauth:request:transaction'
const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
const transfer = (
  amount: string,
  extra: Record<string, unknown> = {},
  currency = 'EUR',
  destination_account = 'DE02100100109307118603',
) =>
  registry.parse([{ type: TYPE, ...extra, transaction: { amount, currency, destination_account } }])

describe('urn:bank:params:oauth:request:transaction', () => {
  it('parses the bank transfer detail', () => {
    expect(transfer('10000.00')[0]?.transaction.amount).toBe('10000.00')
  })

  it.each([
    [{ amount: 10000, currency: 'EUR', destination_account: 'x' }, 'amount'],
    [{ amount: '1e4', currency: 'EUR', destination_account: 'x' }, 'amount'],
    [{ amount: '-5', currency: 'EUR', destination_account: 'x' }, 'amount'],
    [{ amount: '01', currency: 'EUR', destination_account: 'x' }, 'amount'],
    [{ amount: '1', currency: 'eur', destination_account: 'x' }, 'currency'],
    [{ amount: '1', currency: 'EUR', destination_account: '' }, 'destination_account'],
    [{ amount: '1', currency: 'EUR' }, 'destination_account'],
  ])('rejects transaction %j at %s', (transaction, member) => {
    const result = registry.safeParse([{ type: TYPE, transaction }])
    expect(result).toMatchObject({
      success: false,
      error: { issues: [{ path: [0, 'transaction', member] }] },
    })
  })

  it('rejects unknown members at both levels', () => {
    const base = { amount: '1', currency: 'EUR', destination_account: 'x' }
    expect(registry.safeParse([{ type: TYPE, transaction: base, memo: 'x' }]).success).toBe(false)
    expect(registry.safeParse([{ type: TYPE, transaction: { ...base, memo: 'x' } }]).success).toBe(
      false,
    )
  })

  it('a granted transfer covers a smaller or equal amount, never a larger one', () => {
    const granted = transfer('10000')
    expect(registry.covers(granted, transfer('10000.00')).covered).toBe(true)
    expect(registry.covers(granted, transfer('9999.99')).covered).toBe(true)
    expect(registry.covers(granted, transfer('10000.01')).covered).toBe(false)
    expect(registry.covers(transfer('9999.99'), transfer('10000'))).toEqual({
      covered: false,
      uncovered: transfer('10000'),
    })
  })

  it('requires the same currency and destination account, compared by code point', () => {
    const granted = transfer('100')
    expect(registry.covers(granted, transfer('1', {}, 'USD')).covered).toBe(false)
    expect(
      registry.covers(granted, transfer('1', {}, 'EUR', 'DE02100100109307118604')).covered,
    ).toBe(false)
  })

  it('still requires the common fields to be covered', () => {
    const granted = transfer('100', {
      actions: ['initiate'],
      locations: ['https://bank.example/transfers'],
    })
    expect(registry.covers(granted, transfer('1', { actions: ['initiate'] })).covered).toBe(false)
    expect(
      registry.covers(
        granted,
        transfer('1', { actions: ['initiate'], locations: ['https://bank.example/transfers'] }),
      ).covered,
    ).toBe(true)
    expect(
      registry.covers(
        granted,
        transfer('1', { actions: ['cancel'], locations: ['https://bank.example/transfers'] }),
      ).covered,
    ).toBe(false)
  })

  const raw = (transaction: Record<string, unknown>) => ({
    type: TYPE,
    transaction: { currency: 'EUR', destination_account: 'DE02100100109307118603', ...transaction },
  })
  const covers = bankTransactionDetailType.covers!

  it.each<[string, Record<string, unknown>]>([
    ['a negative amount', { amount: '-5000' }],
    ['negative zero', { amount: '-0' }],
    ['an exponent', { amount: '1e2' }],
    ['a leading zero', { amount: '0100' }],
    ['a JSON number', { amount: 50 }],
    ['a lower-case currency', { amount: '1', currency: 'eur' }],
    ['an empty destination', { amount: '1', destination_account: '' }],
    ['an unknown member', { amount: '1', memo: 'x' }],
  ])('never covers a request with %s, whoever compares', (_, transaction) => {
    const requested = raw(transaction)
    expect(covers(transfer('100')[0]!, requested as never)).toBe(false)
    expect(registry.covers(transfer('100'), [requested as never])).toEqual({
      covered: false,
      uncovered: [requested],
    })
  })

  it('never covers a request that is invalid in the same way as the grant', () => {
    for (const transaction of [{ amount: '-5000' }, { amount: 100 }, { currency: 'eur' }]) {
      const detail = raw({ amount: '1', ...transaction })
      expect(covers(detail as never, detail as never)).toBe(false)
      expect(registry.covers([detail as never], [detail as never]).covered).toBe(false)
    }
  })

  it('lets an invalid grant cover nothing', () => {
    for (const transaction of [{ amount: '1e9' }, { amount: 1e9 }, { amount: '1', memo: 'x' }]) {
      expect(covers(raw(transaction) as never, transfer('1')[0]!)).toBe(false)
    }
    expect(covers({ ...transfer('100')[0]!, type: 'other' } as never, transfer('1')[0]!)).toBe(
      false,
    )
  })

  it('fails closed when a comparator throws on malformed data', () => {
    const bad = [
      {
        type: TYPE,
        transaction: {
          amount: 'lots',
          currency: 'EUR',
          destination_account: 'DE02100100109307118603',
        },
      },
    ]
    expect(registry.covers(bad as never, transfer('1')).covered).toBe(false)
  })
})
