import { checkProperty } from '@stepup/internal/property'
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
  WwwAuthenticateParseError,
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

/** A challenge and one spelling of it a sender may use: OWS, empty list elements, quoting. */
const ows = fc.constantFrom('', ' ', '\t', ' \t ')
const comma = fc
  .tuple(ows, fc.constantFrom(',', ', ,', ',,'), ows)
  .map(([before, commas, after]) => before + commas + after)
const quoted = (value: string, escapeAll: boolean): string =>
  `"${[...value].map((c) => (escapeAll || c === '"' || c === '\\' ? `\\${c}` : c)).join('')}"`
const param = (name: string, value: string): fc.Arbitrary<string> =>
  fc
    .tuple(ows, ows, fc.boolean(), fc.boolean())
    .map(
      ([before, after, quote, escapeAll]) =>
        `${name}${before}=${after}${
          !quote && /^[!#$%&'*+\-.^_`|~0-9a-z]+$/i.test(value) ? value : quoted(value, escapeAll)
        }`,
    )
const spelled: fc.Arbitrary<{ text: string; challenge: WwwAuthenticateChallenge }> =
  challenge.chain((challenge) => {
    const space = fc.constantFrom(' ', '  ')
    if (challenge.token68 !== undefined)
      return space.map((sp) => ({
        text: `${challenge.scheme}${sp}${challenge.token68}`,
        challenge,
      }))
    const entries = Object.entries(challenge.params)
    return fc
      .tuple(
        space,
        fc.tuple(...entries.map(([name, value]) => param(name, value))),
        fc.array(comma, { minLength: entries.length, maxLength: entries.length }),
      )
      .map(([sp, params, commas]) => ({
        text:
          entries.length === 0
            ? challenge.scheme
            : `${challenge.scheme}${sp}${params.map((p, i) => (i === 0 ? p : commas[i]! + p)).join('')}`,
        challenge,
      }))
  })

describe('properties', () => {
  test('parse(serialize(challenges)) equals the challenges', () => {
    checkProperty(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (challenges) => {
        expect(parseWwwAuthenticate(serializeWwwAuthenticate(challenges))).toEqual(challenges)
      }),
      { numRuns: 500 },
    )
  })

  test('serialize refuses, with a TypeError, a challenge with one invalid part', () => {
    const letters = fc.string({
      unit: chars('abcdefghijklmnopqrstuvwxyz'),
      minLength: 1,
      maxLength: 8,
    })
    // Characters outside tchar (RFC 9110 §5.6.2), and outside what a quoted-string can carry.
    const notTchar = chars(' \t"(),/:;<=>?@[\\]{}\u00e9\u20ac\u0000\u007f')
    const notQuotable = fc.oneof(
      fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('\u007f', '\u0100', '\u20ac', '\ud83d'),
    )
    const inside = (text: string, bad: fc.Arbitrary<string>) =>
      fc.tuple(fc.nat(text.length), bad).map(([at, c]) => text.slice(0, at) + c + text.slice(at))
    const params = (entries: [string, string][]) =>
      Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(entries))
    const broken: fc.Arbitrary<WwwAuthenticateChallenge> = fc.oneof(
      fc.record({
        scheme: token.chain((t) => inside(t, notTchar)),
        params: fc.constant(params([])),
      }),
      fc.constant({ scheme: '', params: params([]) }),
      fc
        .tuple(
          token,
          token.chain((t) => inside(t, notTchar)),
          latin1,
        )
        .map(([scheme, name, value]) => ({ scheme, params: params([[name, value]]) })),
      fc
        .tuple(
          token,
          token,
          latin1.chain((v) => inside(v, notQuotable)),
        )
        .map(([scheme, name, value]) => ({ scheme, params: params([[name, value]]) })),
      fc.tuple(token, letters, latin1, latin1).map(([scheme, name, a, b]) => ({
        scheme,
        params: params([
          [name, a],
          [name.toUpperCase(), b],
        ]),
      })),
      fc.tuple(token, token68, token, latin1).map(([scheme, t68, name, value]) => ({
        scheme,
        token68: t68,
        params: params([[name, value]]),
      })),
    )
    checkProperty(
      fc.property(
        fc.array(challenge, { maxLength: 2 }),
        broken,
        fc.array(challenge, { maxLength: 2 }),
        (before, bad, after) => {
          expect(() => serializeWwwAuthenticate([...before, bad, ...after])).toThrow(TypeError)
        },
      ),
      { numRuns: 500 },
    )
  })

  test('serialize never emits a value that parse rejects: it emits one that parses, or throws a TypeError', () => {
    const loose = fc.record({
      scheme: fc.string({ maxLength: 8 }),
      params: fc.dictionary(fc.string({ maxLength: 6 }), noise, { maxKeys: 4 }),
    })
    const outcome = (challenges: readonly WwwAuthenticateChallenge[]): string => {
      let header: string
      try {
        header = serializeWwwAuthenticate(challenges)
      } catch (error) {
        return error instanceof TypeError ? 'refused' : `threw ${String(error)}`
      }
      return safeParseWwwAuthenticate(header).success ? 'parses' : `emitted ${header}`
    }
    checkProperty(
      fc.property(fc.array(loose, { minLength: 1, maxLength: 3 }), (challenges) => {
        expect(['parses', 'refused']).toContain(outcome(challenges))
      }),
      { numRuns: 1000 },
    )
  })

  test('parseAuthorization(serializeAuthorization(credentials)) equals the credentials', () => {
    checkProperty(
      fc.property(challenge, (credentials) => {
        expect(parseAuthorization(serializeAuthorization(credentials))).toEqual(credentials)
      }),
      { numRuns: 500 },
    )
  })

  test('parsing arbitrary input returns challenges or a WwwAuthenticateParseError, nothing else', () => {
    const outcome = (value: string | string[]): string => {
      const result = safeParseWwwAuthenticate(value)
      if (result.success)
        return result.data.every((c) => Object.getPrototypeOf(c.params) === null)
          ? 'challenges'
          : 'params with a prototype'
      return result.error instanceof WwwAuthenticateParseError && result.error.offset >= 0
        ? 'parse error'
        : `other error ${String(result.error)}`
    }
    checkProperty(
      fc.property(fc.oneof(noise, fc.array(noise, { minLength: 1, maxLength: 3 })), (value) => {
        expect(['challenges', 'parse error']).toContain(outcome(value))
      }),
      { numRuns: 2000 },
    )
  })

  test('any spelling of challenges parses to them, and serialises back to text that parses to them', () => {
    const header = fc
      .tuple(fc.array(spelled, { minLength: 1, maxLength: 4 }), fc.array(comma, { maxLength: 4 }))
      .map(([parts, commas]) => ({
        text: parts.map((p, i) => (i === 0 ? p.text : (commas[i] ?? ', ') + p.text)).join(''),
        challenges: parts.map((p) => p.challenge),
      }))
    checkProperty(
      fc.property(header, ({ text, challenges }) => {
        const parsed = parseWwwAuthenticate(text)
        expect([parsed, parseWwwAuthenticate(serializeWwwAuthenticate(parsed))]).toEqual([
          challenges,
          challenges,
        ])
      }),
      { numRuns: 1000 },
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
    checkProperty(
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
