import { describe, expect, test } from 'vitest'
import {
  parseAuthorization,
  parseWwwAuthenticate,
  safeParseAuthorization,
  safeParseWwwAuthenticate,
} from './parse.js'

/** The parse error `value` is refused with: its message and offset. */
function refusal(parse: () => unknown): { message: string; offset: number } {
  try {
    parse()
  } catch (error) {
    const { message, offset } = error as { message: string; offset: number }
    return { message, offset }
  }
  throw new Error('expected the value to be refused')
}

describe('parse errors name the rule that failed and where', () => {
  test.each([
    ['Bearer a=b, realm=', 'expected a value', 18],
    ['Bearer realm="abc', 'unterminated quoted-string', 13],
    ['Bearer realm="a\\\u0001"', 'invalid quoted-pair', 16],
    ['Bearer realm="a\u0001"', 'invalid character', 15],
    ['"Bearer"', 'expected a token', 0],
    ['Newauth abc==, realm="x"', 'unexpected auth-param', 15],
    ['Bearer realm="a", REALM="b"', 'duplicate auth-param', 18],
    ['Bearer a=b c=d', 'expected a comma', 11],
    ['Bearer abc def', 'expected an auth-param', 11],
    ['Bearer\trealm="x"', 'expected SP after the auth-scheme', 6],
    ['Bearer \trealm="x"', 'expected SP after the auth-scheme', 7],
    [' , ', 'no challenge', 3],
  ])('WWW-Authenticate %j: %s at %i', (value, message, offset) => {
    expect(refusal(() => parseWwwAuthenticate(value))).toEqual({ message, offset })
  })

  test.each([
    ['Bearer abc,', 'unexpected comma', 10],
    ['Digest a=b, Basic', 'more than one credentials', 12],
  ])('Authorization %j: %s at %i', (value, message, offset) => {
    expect(refusal(() => parseAuthorization(value))).toEqual({ message, offset })
  })

  test('a value over maxLength is refused at maxLength, as one string or as field lines', () => {
    const tooLong = { message: 'value longer than maxLength', offset: 5 }
    expect(refusal(() => parseWwwAuthenticate('Bearer', { maxLength: 5 }))).toEqual(tooLong)
    expect(refusal(() => parseWwwAuthenticate(['Bea', 'r'], { maxLength: 5 }))).toEqual(tooLong)
  })

  test('caller mistakes say what was wrong with the argument', () => {
    const mistake = (message: string, code: string) =>
      expect.objectContaining({ name: 'TypeError', message, code })
    expect(() => parseWwwAuthenticate('Bearer', { maxLength: 0 })).toThrow(
      mistake('invalid options.maxLength', 'ERR_INVALID_ARG_VALUE'),
    )
    expect(() => parseWwwAuthenticate(['Bearer', 1 as unknown as string])).toThrow(
      mistake('value must be a string or string[]', 'ERR_INVALID_ARG_TYPE'),
    )
    expect(() => parseWwwAuthenticate(1 as unknown as string)).toThrow(
      mistake('value must be a string or string[]', 'ERR_INVALID_ARG_TYPE'),
    )
    expect(() => parseAuthorization(['Bearer'] as unknown as string)).toThrow(
      mistake('value must be a string', 'ERR_INVALID_ARG_TYPE'),
    )
  })
})

describe('OWS after the space that ends an auth-scheme', () => {
  test('a scheme followed by SP and trailing OWS is a scheme without parameters', () => {
    expect(parseWwwAuthenticate('Bearer \t')).toEqual([{ scheme: 'bearer', params: {} }])
  })

  test('a scheme followed by SP and OWS before a comma ends its challenge there', () => {
    expect(parseWwwAuthenticate('Bearer \t, Basic')).toEqual([
      { scheme: 'bearer', params: {} },
      { scheme: 'basic', params: {} },
    ])
  })
})

describe('limits and single credentials', () => {
  test('maxLength 1 is the smallest limit and admits a one-character value', () => {
    expect(parseWwwAuthenticate('B', { maxLength: 1 })).toEqual([{ scheme: 'b', params: {} }])
  })

  test('safeParseAuthorization refuses a list of credentials, as parseAuthorization does', () => {
    const result = safeParseAuthorization('Digest a=b, Basic')
    expect(result.success).toBe(false)
    expect(safeParseWwwAuthenticate('Digest a=b, Basic').success).toBe(true)
  })
})
