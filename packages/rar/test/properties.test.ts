import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import {
  type AuthorizationDetail,
  compareDecimalStrings,
  createAuthorizationDetailsRegistry,
  defineAuthorizationDetailType,
  encodeAuthorizationDetails,
} from '../src/index.js'
import { bankTransactionDetailType } from '../src/types/bank-transaction.js'
import { paymentInitiationDetailType } from '../src/types/payment-initiation.js'

const open = createAuthorizationDetailsRegistry([], { allowUnknownTypes: true })
const typed = createAuthorizationDetailsRegistry(
  [
    bankTransactionDetailType,
    paymentInitiationDetailType,
    defineAuthorizationDetailType({ type: 'generic', schema: z.looseObject({}) }),
  ],
  { allowUnknownTypes: true },
)

const strings = fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 })
const member = fc.string({ unit: 'binary', minLength: 1 }).filter((k) => k !== '__proto__')
// JSON text cannot carry -0 (JSON.stringify(-0) is '0'), so values are those a JSON.parse of encoded text gives.
const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as fc.JsonValue)
const common = fc.record(
  {
    locations: strings,
    actions: strings,
    datatypes: strings,
    identifier: fc.string({ unit: 'binary' }),
    privileges: strings,
  },
  { requiredKeys: [] },
)
const decimal = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 10n ** 20n }),
    fc.integer({ min: 0, max: 6 }),
    fc.nat(3),
    fc.nat(3),
  )
  .map(([digits, scale, leadingZeros, trailingZeros]) => {
    const text = digits.toString().padStart(scale + 1, '0')
    const integer = text.slice(0, text.length - scale)
    const fraction = text.slice(text.length - scale) + '0'.repeat(scale ? trailingZeros : 0)
    return {
      text: '0'.repeat(leadingZeros) + integer + (fraction ? `.${fraction}` : ''),
      digits,
      scale,
    }
  })
const bankTransfer = fc.record({
  type: fc.constant('urn:bank:params:oauth:request:transaction'),
  transaction: fc.record({
    amount: decimal.map((d) => d.text.replace(/^0+(?=\d)/, '')),
    currency: fc.constantFrom('EUR', 'USD'),
    destination_account: fc.string({ minLength: 1 }),
  }),
})
const detail: fc.Arbitrary<AuthorizationDetail> = fc.oneof(
  fc
    .tuple(
      fc.string({ unit: 'binary', minLength: 1 }),
      common,
      fc.dictionary(member, json, { maxKeys: 3 }),
    )
    .map(([type, fields, extra]) => ({ ...extra, ...fields, type })),
  bankTransfer,
)

describe('properties', () => {
  it('anything parse accepts round-trips through encodeAuthorizationDetails', () => {
    fc.assert(
      fc.property(fc.array(detail, { maxLength: 5 }), (details) => {
        for (const registry of [open, typed]) {
          const result = registry.safeParse(details)
          if (!result.success) continue
          const text = encodeAuthorizationDetails(result.data)
          expect(registry.parse(text)).toEqual(result.data)
          expect(registry.parse(JSON.parse(text))).toEqual(result.data)
        }
      }),
    )
  })

  it('arbitrary JSON text never throws anything but the typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ maxDepth: 4 }), fc.string({ unit: 'binary' })), (text) => {
        const result = open.safeParse(text)
        if (result.success)
          expect(encodeAuthorizationDetails(result.data)).toBe(JSON.stringify(JSON.parse(text)))
      }),
    )
  })

  it('covers(x, x) is always true', () => {
    fc.assert(
      fc.property(fc.array(detail, { maxLength: 5 }), (details) => {
        for (const registry of [open, typed]) {
          const result = registry.safeParse(details)
          if (result.success) expect(registry.covers(result.data, result.data).covered).toBe(true)
        }
      }),
    )
  })

  it('decimal comparison agrees with BigInt-scaled comparison', () => {
    fc.assert(
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

  it('a bank transfer covers exactly the transfers of no larger amount', () => {
    fc.assert(
      fc.property(bankTransfer, decimal, (granted, amount) => {
        const requested = {
          ...granted,
          transaction: { ...granted.transaction, amount: amount.text.replace(/^0+(?=\d)/, '') },
        }
        const [g] = typed.parse([granted])
        const [r] = typed.parse([requested])
        const expected =
          compareDecimalStrings(requested.transaction.amount, granted.transaction.amount) <= 0
        expect(typed.covers([g!], [r!]).covered).toBe(expected)
      }),
    )
  })
})
