import { describe, expect, it } from 'vitest'
import { createAuthorizationDetailsRegistry } from '../registry.js'
import { paymentInitiationDetailType } from './payment-initiation.js'

const registry = createAuthorizationDetailsRegistry([paymentInitiationDetailType])
const covers = paymentInitiationDetailType.covers!
// RFC 9396 §2, the payment_initiation example.
const granted = {
  type: 'payment_initiation',
  actions: ['initiate', 'status', 'cancel'],
  locations: ['https://example.com/payments'],
  instructedAmount: { currency: 'EUR', amount: '123.50' },
  creditorName: 'Merchant A',
  creditorAccount: { iban: 'DE02100100109307118603' },
  remittanceInformationUnstructured: 'Ref Number Merchant',
}
const payment = (instructedAmount: Record<string, unknown>) => ({
  ...granted,
  instructedAmount,
})

describe('payment_initiation covers', () => {
  it('covers the RFC 9396 §2 example by itself and a narrower request', () => {
    const [parsed] = registry.parse([granted])
    expect(covers(parsed!, parsed!)).toBe(true)
    expect(
      registry.covers([granted], [{ type: 'payment_initiation', actions: ['status'] }]),
    ).toEqual({ covered: true, uncovered: [] })
  })

  it.each<[string, Record<string, unknown>]>([
    ['a JSON number amount', { currency: 'EUR', amount: 123.5 }],
    ['a negative amount', { currency: 'EUR', amount: '-123.50' }],
    ['an exponent', { currency: 'EUR', amount: '1.235e2' }],
    ['a malformed currency', { currency: 'euro', amount: '123.50' }],
    ['an unknown member', { currency: 'EUR', amount: '123.50', fee: '0' }],
  ])('never covers a request with %s, even when the grant holds the same', (_, amount) => {
    const detail = payment(amount)
    expect(covers(detail as never, detail as never)).toBe(false)
    expect(registry.covers([detail], [detail])).toEqual({ covered: false, uncovered: [detail] })
  })

  it('lets an invalid grant cover nothing', () => {
    const detail = payment({ currency: 'EUR', amount: 123.5 })
    expect(covers(detail as never, { type: 'payment_initiation' } as never)).toBe(false)
    expect(registry.covers([detail], [{ type: 'payment_initiation' }]).covered).toBe(false)
  })
})
