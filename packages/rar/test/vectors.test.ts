import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import {
  type AuthorizationDetail,
  createAuthorizationDetailsRegistry,
  defineAuthorizationDetailType,
} from '../src/index.js'
import { accountInformationDetailType } from '../src/types/account-information.js'
import { paymentInitiationDetailType } from '../src/types/payment-initiation.js'
import { example, RFC9396_EXAMPLES } from './vectors.js'

/** The JSON value an example shows as `authorization_details`. */
function detailsOf(id: string): unknown {
  const { text } = example(id)
  const body = text.slice(text.search(/[[{"]/))
  if (body.startsWith('"authorization_details"')) {
    return (JSON.parse(`{${body}}`) as { authorization_details: unknown }).authorization_details
  }
  const value = JSON.parse(body) as unknown
  if (
    !Array.isArray(value) &&
    typeof value === 'object' &&
    value &&
    'authorization_details' in value
  ) {
    return value.authorization_details
  }
  return value
}

/** A registry that knows no types: the generic RFC 9396 §2 / §2.2 checks only. */
const generic = createAuthorizationDetailsRegistry([], { allowUnknownTypes: true })
/** A registry with the RFC's payment_initiation and account_information example types. */
const bank = createAuthorizationDetailsRegistry([
  paymentInitiationDetailType,
  accountInformationDetailType,
])

// Section E of the test vectors: generic structural validation (RAR-01 … RAR-30).
const structural: readonly {
  readonly id: string
  readonly wrap?: true
  readonly types?: readonly string[]
  readonly problem?: { readonly path: readonly (string | number)[] }
}[] = [
  { id: 'EX-9396-01', wrap: true, types: ['payment_initiation'] },
  { id: 'EX-9396-02', types: ['payment_initiation'] },
  { id: 'EX-9396-03', types: ['account_information', 'payment_initiation'] },
  { id: 'EX-9396-04', wrap: true, types: ['https://scheme.example.org/files'] },
  { id: 'EX-9396-05', types: ['customer_information'] },
  { id: 'EX-9396-06', types: ['customer_information', 'customer_information'] },
  { id: 'EX-9396-07', types: ['photo-api', 'financial-transaction'] },
  { id: 'EX-9396-09', types: ['account_information', 'payment_initiation'] },
  { id: 'EX-9396-10', types: ['account_information'] },
  { id: 'EX-9396-11', types: ['example_api'] },
  { id: 'EX-9396-12', types: ['example_api'] },
  { id: 'EX-9396-13', types: ['example_api'] },
  { id: 'EX-9396-14', types: ['payment_initiation'] },
  { id: 'EX-9396-15', types: ['payment_initiation'] },
  { id: 'EX-9396-16', types: ['account_information'] },
  { id: 'EX-9396-17', types: ['account_information'] },
  { id: 'EX-9396-18', types: ['medical_record'] },
  { id: 'EX-9396-19', types: ['medical_record'] },
  { id: 'EX-9396-20', types: ['https://scheme.example.com/payment_initiation'] },
  { id: 'EX-9396-21', types: ['https://scheme.example.com/payment_initiation'] },
  { id: 'EX-9396-25', types: ['openid'] },
  { id: 'EX-9396-26', types: ['openid'] },
  { id: 'EX-9396-27', types: ['sign'] },
  { id: 'EX-9396-28', problem: { path: [0, 'actions'] } },
  { id: 'EX-9396-29', problem: { path: [] } },
  { id: 'EX-9396-30', types: ['patient_record'] },
]

describe('RFC 9396 examples: generic structure (RFC 9396 §2, §2.2)', () => {
  for (const vector of structural) {
    const { id, section, title } = example(vector.id)
    it(`${section} ${title} (${id})`, () => {
      const value = detailsOf(id)
      const input = vector.wrap ? [value] : value
      const result = generic.safeParse(input)
      if (vector.types) {
        expect(result.success).toBe(true)
        if (result.success) {
          expect(result.data.map((d) => d.type)).toEqual(vector.types)
          expect(result.data).toEqual(input)
        }
        // The same example as JSON text parses to the same data.
        expect(generic.parse(JSON.stringify(input))).toEqual(input)
      } else {
        expect(result.success).toBe(false)
        if (!result.success) {
          expect(result.error.code).toBe('ERR_AUTHORIZATION_DETAILS_INVALID')
          expect(result.error.error).toBe('invalid_authorization_details')
          expect(result.error.issues[0]?.path).toEqual(vector.problem?.path)
        }
      }
    })
  }

  it('§1 and §2.1 single objects are rejected as authorization_details on the wire (EX-9396-01, EX-9396-04)', () => {
    for (const id of ['EX-9396-01', 'EX-9396-04']) {
      expect(() => generic.parse(detailsOf(id))).toThrow(/expected a JSON array/)
    }
  })

  it('App. A.3 string actions are rejected even as JSON text (EX-9396-28)', () => {
    const text = JSON.stringify(detailsOf('EX-9396-28'))
    expect(generic.safeParse(text)).toMatchObject({
      success: false,
      error: { issues: [{ path: [0, 'actions'], message: 'actions must be an array of strings' }] },
    })
  })

  it('App. A.4 object (not array) is rejected (EX-9396-29)', () => {
    expect(() => generic.parse(JSON.stringify(detailsOf('EX-9396-29')))).toThrow(
      /expected a JSON array/,
    )
  })
})

describe('RFC 9396 examples: encodings (RFC 9396 §3, §11.4)', () => {
  it('§3 the authorization request query decodes to the §3 URL-decoded example (EX-9396-08, EX-9396-09)', () => {
    const { text } = example('EX-9396-08')
    const target = text
      .slice(0, text.indexOf('Host:'))
      .split('\n')
      .map((line) => line.trim())
      .join('')
    const query = new URL(
      target.replace(/^GET /, 'https://server.example.com').replace(/ HTTP\/1\.1$/, ''),
    )
    const parsed = bank.parse(query.searchParams.get('authorization_details'))
    expect(parsed).toEqual(detailsOf('EX-9396-09'))
    expect(parsed).toEqual(detailsOf('EX-9396-03'))
  })

  it('§11.4 the PAR body decodes to the same request except creditorName "Merchant123" (EX-9396-24)', () => {
    const { text } = example('EX-9396-24')
    const body = text
      .slice(text.indexOf('response_type'))
      .split('\n')
      .map((line) => line.trim())
      .join('')
    const form = new URLSearchParams(body)
    expect(form.get('client_id')).toBe('s6BhdRkqt3')
    const parsed = bank.parse(form.get('authorization_details'))
    const expected = structuredClone(detailsOf('EX-9396-09')) as Record<string, unknown>[]
    expected[1] = { ...expected[1], creditorName: 'Merchant123' }
    expect(parsed).toEqual(expected)
  })
})

describe('RFC 9396 examples: ready-made payment_initiation and account_information types', () => {
  const accepted = [
    'EX-9396-02',
    'EX-9396-03',
    'EX-9396-09',
    'EX-9396-10',
    'EX-9396-14',
    'EX-9396-15',
    'EX-9396-16',
    'EX-9396-17',
  ]
  for (const id of accepted) {
    const { section, title } = example(id)
    it(`${section} ${title} (${id})`, () => {
      expect(bank.parse(detailsOf(id))).toEqual(detailsOf(id))
    })
  }

  it('§1 the credit transfer object with a bic is accepted once wrapped in an array (EX-9396-01)', () => {
    expect(bank.parse([detailsOf('EX-9396-01')])).toEqual([detailsOf('EX-9396-01')])
  })

  it('§5 a known type with an unknown field is rejected (RAR-S3)', () => {
    const result = bank.safeParse([
      { type: 'account_information', actions: ['list_accounts'], foo: 1 },
    ])
    expect(result.success).toBe(false)
    if (!result.success)
      expect(result.error.issues).toEqual([{ path: [0, 'foo'], message: expect.any(String) }])
  })

  it('§5 an unknown type is rejected (RAR-S2)', () => {
    expect(bank.safeParse([{ type: 'unknown_type' }])).toMatchObject({
      success: false,
      error: { error: 'invalid_authorization_details', issues: [{ path: [0, 'type'] }] },
    })
  })

  it('§2 a missing type is rejected (RAR-S1)', () => {
    expect(() => generic.parse([{ actions: ['read'] }])).toThrow(/type must be a non-empty string/)
  })

  it('§2 repeated types are allowed (RAR-S5)', () => {
    const input = [
      { type: 'customer_information', actions: ['read'] },
      { type: 'customer_information', actions: ['write'] },
    ]
    expect(generic.parse(input)).toEqual(input)
  })

  it('§10 metadata examples are not JSON as printed, and list our types once the "..." is removed (EX-9396-22, MD-08)', () => {
    const { text } = example('EX-9396-22')
    expect(() => JSON.parse(text)).toThrow(SyntaxError)
    expect(() => JSON.parse(example('EX-9396-23').text)).toThrow(SyntaxError)
    const metadata = JSON.parse(text.replace('...', '').replace('{\n   \n', '{\n')) as {
      authorization_details_types_supported: string[]
    }
    expect(metadata.authorization_details_types_supported).toEqual(bank.typesSupported())
  })
})

describe('RFC 9396 examples: tokens and introspection (RFC 9396 §9)', () => {
  const schemeType = defineAuthorizationDetailType({
    type: 'https://scheme.example.com/payment_initiation',
    schema: paymentInitiationDetailType.schema,
  })
  const registry = createAuthorizationDetailsRegistry([schemeType])

  it('§9.1 parses the claim of the JWT access token example (EX-9396-20, TK-11)', () => {
    const payload = JSON.parse(example('EX-9396-20').text) as Record<string, unknown>
    const details = registry.parse(payload.authorization_details)
    expect(details).toEqual(payload.authorization_details)
    expect(details[0]?.creditorName).toBe('Merchant A')
  })

  it('§9.2 parses the member of the introspection response example (EX-9396-21, TK-10)', () => {
    const response = JSON.parse(example('EX-9396-21').text) as Record<string, unknown>
    expect(response.active).toBe(true)
    const details = registry.parse(response.authorization_details)
    expect(details[0]?.creditorName).toBe('Merchant123')
  })

  it('§7 the token response member parses with the ready-made type (EX-9396-15)', () => {
    const { text } = example('EX-9396-15')
    const response = JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown>
    expect(bank.parse(response.authorization_details)).toEqual(response.authorization_details)
  })
})

describe('RFC 9396 §6.1 comparison (RC-01 … RC-05)', () => {
  const first = (id: string) => detailsOf(id) as AuthorizationDetail[]

  it('RC-01: reduced privileges of account_information are covered (EX-9396-03 ⊇ EX-9396-10)', () => {
    const granted = bank.parse(first('EX-9396-03'))
    const requested = bank.parse(first('EX-9396-10'))
    expect(bank.covers(granted, requested)).toEqual({ covered: true, uncovered: [] })
  })

  it('RC-04: an audience-restricted payment_initiation request is covered (EX-9396-03 ⊇ EX-9396-14)', () => {
    const granted = bank.parse(first('EX-9396-03'))
    const requested = bank.parse(first('EX-9396-14'))
    expect(bank.covers(granted, requested).covered).toBe(true)
    expect(generic.covers(granted, requested).covered).toBe(false)
  })

  it('RC-05: by default, write does not cover read (EX-9396-11 vs EX-9396-12)', () => {
    const result = generic.covers(first('EX-9396-11'), first('EX-9396-12'))
    expect(result).toEqual({ covered: false, uncovered: first('EX-9396-12') })
  })

  it('RC-02 / RC-03: a type-specific comparator can say write implies read and admin implies all', () => {
    const api = defineAuthorizationDetailType({
      type: 'example_api',
      schema: z.object({}),
      covers: (granted, requested) =>
        granted.privileges?.includes('admin') === true ||
        (requested.actions ?? []).every(
          (a) =>
            granted.actions?.includes(a) || (a === 'read' && granted.actions?.includes('write')),
        ),
    })
    const registry = createAuthorizationDetailsRegistry([api])
    const read = registry.parse(first('EX-9396-12'))
    expect(registry.covers(registry.parse(first('EX-9396-11')), read).covered).toBe(true)
    expect(registry.covers(registry.parse(first('EX-9396-13')), read).covered).toBe(true)
    expect(registry.covers(read, registry.parse(first('EX-9396-11'))).covered).toBe(false)
  })

  it('RAR-S4: strings compare by code point, never normalised (NFC "café" ≠ NFD "café")', () => {
    const nfc = [{ type: 'caf\u00e9' }]
    const nfd = [{ type: 'cafe\u0301' }]
    expect(generic.covers(nfc, nfd).covered).toBe(false)
    expect(generic.covers(nfc, nfc).covered).toBe(true)
    const locations = (l: string) => [{ type: 't', locations: [l] }]
    expect(
      generic.covers(locations('https://ex.com/caf\u00e9'), locations('https://ex.com/cafe\u0301'))
        .covered,
    ).toBe(false)
    expect(
      generic.covers(locations('https://ex.com/A'), locations('https://ex.com/a')).covered,
    ).toBe(false)
  })
})

it('the table holds all 30 RFC 9396 examples, each with a section', () => {
  expect(RFC9396_EXAMPLES).toHaveLength(30)
  for (const e of RFC9396_EXAMPLES) expect(e.section).toMatch(/^(§\d|App\. A)/)
})
