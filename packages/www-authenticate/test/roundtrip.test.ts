import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  createOAuthChallenge,
  type OAuthChallengeOptions,
  parseAuthorization,
  parseOAuthChallenge,
  parseWwwAuthenticate,
  safeParseWwwAuthenticate,
  serializeAuthorization,
  serializeWwwAuthenticate,
  type WwwAuthenticateChallenge,
} from '../src/index.js'

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
const T68 = '-._~+/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const NQCHARS = [...Array(0x7f - 0x21).keys()]
  .map((i) => String.fromCharCode(0x21 + i))
  .filter((c) => c !== '"' && c !== '\\')

const chars = (alphabet: string | readonly string[]) => fc.constantFrom(...alphabet)
const token = fc.string({ unit: chars(TCHARS), minLength: 1, maxLength: 12 })
/** Any text the serialiser accepts: SP, visible ASCII and obs-text. */
const latin1 = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 24,
})
const token68 = fc
  .tuple(
    fc.string({ unit: chars(T68), minLength: 1, maxLength: 20 }),
    fc.integer({ min: 0, max: 2 }),
  )
  .map(([body, pad]) => body + '='.repeat(pad))
const params = fc.uniqueArray(fc.tuple(token, fc.oneof(token, latin1)), {
  selector: ([name]) => name,
  maxLength: 6,
})
const challenge: fc.Arbitrary<WwwAuthenticateChallenge> = fc.oneof(
  fc.record({ scheme: token, params }).map(({ scheme, params }) => ({
    scheme,
    params: Object.assign(
      Object.create(null) as Record<string, string>,
      Object.fromEntries(params),
    ),
  })),
  fc.record({ scheme: token, token68 }).map(({ scheme, token68 }) => ({
    scheme,
    token68,
    params: Object.create(null) as Record<string, string>,
  })),
)

/** Arbitrary strings, weighted towards the grammar's own characters. */
const noise = fc.string({
  unit: fc.oneof(
    chars(' \t,="\\=/abcXYZ09\r\n\u0000\u00e9\u20ac'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 60,
})

describe('properties', () => {
  test('parse(serialize(challenges)) equals the challenges', () => {
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (challenges) => {
        expect(parseWwwAuthenticate(serializeWwwAuthenticate(challenges))).toEqual(challenges)
      }),
      { numRuns: 500 },
    )
  })

  test('serialize never emits a value that parse rejects', () => {
    const loose = fc.record({
      scheme: fc.string({ maxLength: 8 }),
      params: fc.dictionary(fc.string({ maxLength: 6 }), noise, { maxKeys: 4 }),
    })
    fc.assert(
      fc.property(fc.array(loose, { minLength: 1, maxLength: 3 }), (challenges) => {
        let header: string
        try {
          header = serializeWwwAuthenticate(challenges)
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError)
          return
        }
        expect(safeParseWwwAuthenticate(header).success).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  test('parseAuthorization(serializeAuthorization(credentials)) equals the credentials', () => {
    fc.assert(
      fc.property(challenge, (credentials) => {
        expect(parseAuthorization(serializeAuthorization(credentials))).toEqual(credentials)
      }),
      { numRuns: 500 },
    )
  })

  test('parsing arbitrary input returns challenges or a WwwAuthenticateParseError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(noise, fc.array(noise, { minLength: 1, maxLength: 3 })), (value) => {
        const result = safeParseWwwAuthenticate(value)
        if (!result.success) {
          expect(result.error.offset).toBeGreaterThanOrEqual(0)
          return
        }
        for (const c of result.data) expect(Object.getPrototypeOf(c.params)).toBeNull()
        // What parses serialises back to something that parses to the same challenges.
        expect(parseWwwAuthenticate(serializeWwwAuthenticate(result.data))).toEqual(result.data)
      }),
      { numRuns: 2000 },
    )
  })

  test('createOAuthChallenge output parses back to the options it was given', () => {
    const list = fc.array(fc.string({ unit: chars(NQCHARS), minLength: 1, maxLength: 8 }), {
      minLength: 1,
      maxLength: 3,
    })
    const nqschar = fc.string({ unit: chars([' ', ...NQCHARS]), minLength: 1, maxLength: 20 })
    const options: fc.Arbitrary<OAuthChallengeOptions> = fc.record(
      {
        scheme: fc.constantFrom('Bearer' as const, 'DPoP' as const),
        realm: latin1,
        error: nqschar,
        error_description: nqschar,
        scope: list,
        acr_values: list,
        max_age: fc.maxSafeNat(),
        algs: list,
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(options, (input) => {
        const [parsed] = parseWwwAuthenticate(createOAuthChallenge(input))
        const { scheme, ...fields } = input
        expect(parseOAuthChallenge(parsed!)).toEqual({
          scheme: (scheme ?? 'Bearer').toLowerCase(),
          ...fields,
          invalid: [],
          params: parsed!.params,
        })
      }),
      { numRuns: 500 },
    )
  })
})
