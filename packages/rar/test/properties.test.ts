import { compareDecimalStrings } from '@stepup/internal'
import { checkProperty, decimal } from '@stepup/internal/property'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import {
  type AuthorizationDetail,
  createAuthorizationDetailsRegistry,
  defineAuthorizationDetailType,
  encodeAuthorizationDetails,
} from '../src/index.js'
import { bankTransactionDetailType } from '../src/types/bank-transaction.js'
import { paymentInitiationDetailType as payment } from '../src/types/payment-initiation.js'

const open = createAuthorizationDetailsRegistry([], { allowUnknownTypes: true })
const typed = createAuthorizationDetailsRegistry(
  [
    bankTransactionDetailType,
    payment,
    defineAuthorizationDetailType({ type: 'generic', schema: z.looseObject({}) }),
  ],
  { allowUnknownTypes: true },
)

const strings = fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 })
const member = fc.string({ unit: 'binary', minLength: 1 }).filter((k) => k !== '__proto__')
// Numbers the reader keeps exactly: safe integers, and at most 15 significant digits (never -0).
const exactNumber = fc.oneof(
  fc.maxSafeInteger(),
  fc
    .tuple(
      fc.integer({ min: -(10 ** 15 - 1), max: 10 ** 15 - 1 }),
      fc.integer({ min: -30, max: 30 }),
    )
    .map(([mantissa, exponent]) => Number(`${mantissa}e${exponent}`) + 0),
)
// JSON values parse accepts, by construction.
const { json } = fc.letrec<{ json: fc.JsonValue }>((tie) => ({
  json: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.string({ unit: 'binary' }),
    exactNumber,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(member, tie('json'), { maxKeys: 4 }),
  ),
}))
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
  it('valid details round-trip through encodeAuthorizationDetails', () => {
    checkProperty(
      fc.property(fc.array(detail, { maxLength: 5 }), (details) => {
        const decoded = [open, typed].map((registry) => {
          const text = encodeAuthorizationDetails(registry.parse(details))
          return [registry.parse(text), registry.parse(JSON.parse(text))]
        })
        expect(decoded).toEqual([
          [open.parse(details), open.parse(details)],
          [typed.parse(details), typed.parse(details)],
        ])
      }),
    )
  })

  it('arbitrary text never throws anything but the typed error', () => {
    checkProperty(
      fc.property(fc.oneof(fc.json({ maxDepth: 4 }), fc.string({ unit: 'binary' })), (text) => {
        expect(() => open.safeParse(text)).not.toThrow()
      }),
    )
  })

  it('valid JSON text parses and encodes back to the same JSON', () => {
    const text = fc
      .tuple(fc.array(detail, { maxLength: 5 }), fc.constantFrom(undefined, 1, '\t'))
      .map(([details, space]) => JSON.stringify(details, null, space))
    checkProperty(
      fc.property(text, (text) => {
        expect(encodeAuthorizationDetails(open.parse(text))).toBe(JSON.stringify(JSON.parse(text)))
      }),
    )
  })

  it('covers(x, x) is always true', () => {
    checkProperty(
      fc.property(fc.array(detail, { maxLength: 5 }), (details) => {
        const data = [open.parse(details), typed.parse(details)]
        expect([
          open.covers(data[0]!, data[0]!).covered,
          typed.covers(data[1]!, data[1]!).covered,
        ]).toEqual([true, true])
      }),
    )
  })

  it('a bank transfer covers exactly the transfers of no larger amount', () => {
    checkProperty(
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

  it('a request with an invalid amount is never covered, by the registry or the type', () => {
    const amount = decimal.map((d) => d.text.replace(/^0+(?=\d)/, ''))
    const invalid = fc.oneof(
      amount.map((a) => `-${a}`),
      fc.tuple(amount, fc.integer({ min: -5, max: 5 })).map(([a, e]) => `${a}e${e}`),
      amount.map((a) => `0${a}`),
      amount.map((a) => `+${a}`),
      amount.map((a) => ` ${a}`),
      amount.map((a) => `${a}.`),
      fc.oneof(fc.integer(), fc.double()),
    )
    checkProperty(
      fc.property(bankTransfer, invalid, (granted, wanted) => {
        const requested = { ...granted, transaction: { ...granted.transaction, amount: wanted } }
        expect(typed.covers([granted], [requested])).toEqual({
          covered: false,
          uncovered: [requested],
        })
        expect(bankTransactionDetailType.covers!(granted, requested as never)).toBe(false)
        expect(bankTransactionDetailType.covers!(requested as never, requested as never)).toBe(
          false,
        )
      }),
    )
  })

  it('a payment_initiation with a JSON number amount is never covered', () => {
    checkProperty(
      fc.property(decimal, fc.constantFrom('EUR', 'USD'), (d, currency) => {
        const detail = {
          type: 'payment_initiation',
          instructedAmount: { currency, amount: Number(d.text) },
        }
        expect(typed.covers([detail], [detail]).covered).toBe(false)
        expect(payment.covers!(detail as never, detail as never)).toBe(false)
      }),
    )
  })
})

/** A decimal value `sign digits × 10^exponent`, built so that the reader keeps it exactly. */
interface Decimal {
  readonly negative: boolean
  readonly digits: bigint
  readonly exponent: number
}
const MAX_SAFE = 2n ** 53n - 1n
const exactValue: fc.Arbitrary<Decimal> = fc.oneof(
  // Safe integers (RFC 8259 §6), whatever their number of digits.
  fc.bigInt({ min: -MAX_SAFE, max: MAX_SAFE }).map((n) => ({
    negative: n < 0n,
    digits: n < 0n ? -n : n,
    exponent: 0,
  })),
  // At most 15 significant digits, the leading one between 10^-307 and 10^307.
  fc
    .tuple(
      fc.boolean(),
      fc.bigInt({ min: 1n, max: 10n ** 15n - 1n }),
      fc.integer({ min: -307, max: 307 }),
    )
    .map(([negative, digits, lead]) => ({
      negative,
      digits,
      exponent: lead - digits.toString().length + 1,
    })),
  // Small ones, so that equal and neighbouring values come up often.
  fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 30n }), fc.integer({ min: -2, max: 1 }))
    .map(([negative, digits, exponent]) => ({
      negative: negative && digits > 0n,
      digits,
      exponent,
    })),
)
/** The value as a plain decimal string, as compareDecimalStrings reads it. */
const plain = ({ negative, digits, exponent }: Decimal): string => {
  if (digits === 0n) return '0'
  const text = digits.toString()
  const body =
    exponent >= 0
      ? text + '0'.repeat(exponent)
      : `${text.padStart(1 - exponent, '0').slice(0, exponent)}.${text.padStart(1 - exponent, '0').slice(exponent)}`
  return (negative ? '-' : '') + body
}
/** One of several JSON spellings of the value: plain, or mantissa and exponent, with padding. */
const spell = ({ negative, digits, exponent }: Decimal, form: number, zeros: number): string => {
  const sign = negative ? '-' : ''
  const text = digits.toString()
  if (form === 0 && Math.abs(exponent) < 40) return plain({ negative, digits, exponent })
  if (form === 1) {
    const padded = digits === 0n ? '0' : text + '0'.repeat(zeros)
    return `${sign}${padded}e${exponent - padded.length + text.length}`
  }
  const fraction = text.slice(1) + '0'.repeat(zeros)
  const lead = exponent + text.length - 1
  return `${sign}${text[0]}${fraction ? `.${fraction}` : ''}${form === 2 ? 'e' : 'E+'.slice(0, lead < 0 ? 1 : 2)}${lead}`
}
const spelling = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(3))

describe('numbers in authorization_details', () => {
  const numbers = createAuthorizationDetailsRegistry([], { allowUnknownTypes: true })

  it('numbers the reader keeps compare exactly as the decimals they spell', () => {
    checkProperty(
      fc.property(
        exactValue,
        exactValue,
        fc.boolean(),
        spelling,
        spelling,
        (a, other, same, [formA, zerosA], [formB, zerosB]) => {
          const b = same ? a : other
          const text = `[{"type":"n","a":${spell(a, formA, zerosA)},"b":${spell(b, formB, zerosB)}}]`
          const [detail] = numbers.parse(text)
          const x = detail!.a as number
          const y = detail!.b as number
          const expected = compareDecimalStrings(plain(a), plain(b))
          expect(x < y ? -1 : x > y ? 1 : 0).toBe(expected)
          expect(numbers.covers([{ type: 'n', v: x }], [{ type: 'n', v: y }]).covered).toBe(
            expected === 0,
          )
          expect(numbers.parse(encodeAuthorizationDetails([detail!]))).toEqual([detail])
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('numbers a double cannot keep exactly are refused, never rounded', () => {
    const tooPrecise = fc.oneof(
      // 16 to 30 significant digits with a fraction: two such texts may read as one double.
      fc
        .tuple(
          fc.bigInt({ min: 10n ** 15n, max: 10n ** 30n }),
          fc.integer({ min: 1, max: 30 }),
          fc.boolean(),
        )
        .map(([n, scale, negative]) => {
          const digits = n % 10n === 0n ? n + 1n : n
          return plain({ negative, digits, exponent: -scale })
        }),
      // Integers beyond 2^53 - 1 whose last digit is not 0.
      fc
        .bigInt({ min: MAX_SAFE + 1n, max: 10n ** 30n })
        .map((n) => (n % 10n === 0n ? n + 1n : n).toString()),
      fc.constantFrom('-0', '-0.0', '-0e7', '-0.000E-3'),
    )
    checkProperty(
      fc.property(tooPrecise, (number) => {
        const result = numbers.safeParse(`[{"type":"n","v":${number}}]`)
        expect(result).toMatchObject({
          success: false,
          error: { issues: [{ message: 'number cannot be compared exactly' }] },
        })
      }),
    )
  })
})
