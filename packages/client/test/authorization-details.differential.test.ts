import { checkProperty } from '@stepup/internal/property'
import { encodeAuthorizationDetails } from '@stepup/rar'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildStepUpAuthorizationParams, type StepUpChallenge } from '../src/index.js'

/**
 * `@stepup/client` checks `authorization_details` without depending on `@stepup/rar` (nor zod);
 * these run the same inputs through both and expect the same verdict: accepted by
 * `buildStepUpAuthorizationParams` exactly when `encodeAuthorizationDetails` accepts them, and
 * then the same JSON text.
 */
const raw = { scheme: 'bearer', params: {} }
const challenge: StepUpChallenge = { kind: 'step_up', scheme: 'bearer', raw }

type Verdict = { ok: true; text: string } | { ok: false; refusal: string }

/** What a refusal must be: a caller mistake, as a coded TypeError. */
const REFUSAL = 'TypeError ERR_INVALID_ARG_VALUE'
const refusal = (error: unknown): string =>
  `${(error as Error).name} ${(error as { code?: unknown }).code}`

function rar(details: unknown): Verdict {
  try {
    return { ok: true, text: encodeAuthorizationDetails(details as never) }
  } catch (error) {
    return { ok: false, refusal: refusal(error) }
  }
}

function client(details: unknown): Verdict {
  try {
    const params = buildStepUpAuthorizationParams(challenge, {
      authorizationDetails: details as never,
    })
    // An empty list sends nothing; the encoder writes `[]`.
    return { ok: true, text: params.authorization_details ?? '[]' }
  } catch (error) {
    return { ok: false, refusal: refusal(error) }
  }
}

/** Both verdicts, and whether @stepup/rar's is an acceptance or the one refusal it may give. */
const verdicts = (details: unknown) => {
  const expected = rar(details)
  return {
    client: client(details),
    rar: expected,
    known: expected.ok || expected.refusal === REFUSAL,
  }
}

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { v: value }
  return value
}
const cyclic: Record<string, unknown> = { type: 'a' }
cyclic.self = cyclic
class Money {
  amount = '5'
}

const CASES: [string, unknown][] = [
  [
    'RFC 9396 §2 Figure 1',
    [
      {
        type: 'account_information',
        actions: ['list_accounts', 'read_balances'],
        locations: ['https://example.com/accounts'],
      },
    ],
  ],
  [
    'RFC 9396 §2.2 common fields',
    [{ type: 't', identifier: 'id', datatypes: ['a'], privileges: ['p'] }],
  ],
  ['an empty list', []],
  ['two details', [{ type: 'a' }, { type: 'b', x: { y: [1, true, null, 'z'] } }]],
  ['a null-prototype detail', [Object.assign(Object.create(null), { type: 'a' })]],
  ['not an array', { type: 'a' }],
  ['a string', '[{"type":"a"}]'],
  ['null', null],
  ['a detail that is a string', ['a']],
  ['a detail that is an array', [['type']]],
  ['a detail that is null', [null]],
  ['no type', [{ actions: ['a'] }]],
  ['an empty type', [{ type: '' }]],
  ['a numeric type', [{ type: 1 }]],
  ['a numeric identifier', [{ type: 'a', identifier: 1 }]],
  ['string actions', [{ type: 'a', actions: 'read' }]],
  ['numbers in locations', [{ type: 'a', locations: [1] }]],
  ['undefined member', [{ type: 'a', x: undefined }]],
  ['undefined identifier', [{ type: 'a', identifier: undefined }]],
  ['NaN', [{ type: 'a', x: Number.NaN }]],
  ['Infinity', [{ type: 'a', x: Number.POSITIVE_INFINITY }]],
  ['a bigint', [{ type: 'a', x: 1n }]],
  ['a symbol', [{ type: 'a', x: Symbol('s') }]],
  ['a function', [{ type: 'a', x: () => 1 }]],
  ['a Date', [{ type: 'a', x: new Date(0) }]],
  ['a Map', [{ type: 'a', x: new Map() }]],
  ['a class instance', [{ type: 'a', x: new Money() }]],
  ['a sparse array', [{ type: 'a', x: new Array(2) }]],
  ['a __proto__ member', JSON.parse('[{"type":"a","__proto__":{"x":1}}]')],
  ['a nested __proto__ member', JSON.parse('[{"type":"a","x":{"__proto__":1}}]')],
  ['a cycle', [cyclic]],
  ['depth 1000 (the limit)', [{ type: 'a', x: nested(997) }]],
  ['depth 1001', [{ type: 'a', x: nested(998) }]],
  ['-0', [{ type: 'a', x: -0 }]],
  ['beyond safe integers', [{ type: 'a', x: 2 ** 53 + 2 }]],
  ['17 significant digits', [{ type: 'a', x: 0.30000000000000004 }]],
  ['15 significant digits', [{ type: 'a', x: 0.123456789012345 }]],
  ['a tiny number', [{ type: 'a', x: 1e-310 }]],
  ['a large exact integer', [{ type: 'a', x: 9007199254740991 }]],
  ['1e21', [{ type: 'a', x: 1e21 }]],
  ['control characters in strings', [{ type: 'a\r\nb', note: '\u0000' }]],
]

describe('authorization_details: the same verdicts as @stepup/rar encodeAuthorizationDetails', () => {
  it.each(CASES)('%s', (_, details) => {
    const { client, rar, known } = verdicts(details)
    expect({ client, known }).toStrictEqual({ client: rar, known: true })
  })

  it('agrees on generated details, accepted and refused alike', () => {
    const json = fc.jsonValue({ maxDepth: 3 })
    const odd = fc.constantFrom<unknown>(
      undefined,
      Number.NaN,
      -0,
      new Date(0),
      1n,
      () => 1,
      new Map(),
    )
    const member = fc.oneof({ weight: 4, arbitrary: json }, { weight: 1, arbitrary: odd })
    const strings = fc.array(fc.string(), { maxLength: 3 })
    const common = fc.oneof({ weight: 4, arbitrary: strings }, { weight: 1, arbitrary: member })
    const detail = fc.record(
      {
        type: fc.oneof(
          { weight: 6, arbitrary: fc.string({ minLength: 1 }) },
          { weight: 1, arbitrary: member },
        ),
        identifier: fc.oneof(
          { weight: 4, arbitrary: fc.string() },
          { weight: 1, arbitrary: member },
        ),
        actions: common,
        locations: common,
        privileges: common,
        extra: member,
      },
      { requiredKeys: [] },
    )
    const list = fc.oneof(
      { weight: 8, arbitrary: fc.array(detail, { maxLength: 3 }) },
      // `authorizationDetails: undefined` is an option not given, not a value to check.
      { weight: 1, arbitrary: member.filter((v) => v !== undefined) },
    )
    let accepted = 0
    let refused = 0
    checkProperty(
      fc.property(list, (details) => {
        const { client, rar, known } = verdicts(details)
        accepted += rar.ok ? 1 : 0
        refused += rar.ok ? 0 : 1
        expect({ client, known }).toStrictEqual({ client: rar, known: true })
      }),
      { numRuns: 500 },
    )
    // Both outcomes were exercised, so agreement means something.
    expect(Math.min(accepted, refused)).toBeGreaterThan(50)
  })
})
