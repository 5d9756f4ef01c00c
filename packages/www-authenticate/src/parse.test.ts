import { describe, expect, test } from 'vitest'
import { WwwAuthenticateError, WwwAuthenticateParseError } from './errors.js'
import {
  parseAuthorization,
  parseWwwAuthenticate,
  safeParseAuthorization,
  safeParseWwwAuthenticate,
} from './parse.js'

/** The offset the value is rejected at (fails the test if it parses). */
function offsetOf(value: string | readonly string[]): number {
  const result = safeParseWwwAuthenticate(value)
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be rejected`)
  return result.error.offset
}

describe('parseWwwAuthenticate', () => {
  test('lower-cases the scheme and parameter names, keeps values as sent', () => {
    expect(parseWwwAuthenticate('BeArEr REALM="Example", Error=Invalid_Token')).toEqual([
      { scheme: 'bearer', params: { realm: 'Example', error: 'Invalid_Token' } },
    ])
  })

  test('params is a null-prototype record, so names like __proto__ are plain data', () => {
    const [challenge] = parseWwwAuthenticate('Bearer __proto__="x", constructor=y, toString=z')
    expect(Object.getPrototypeOf(challenge!.params)).toBeNull()
    expect(Object.keys(challenge!.params)).toEqual(['__proto__', 'constructor', 'tostring'])
    expect(challenge!.params.constructor).toBe('y')
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  test('token68 challenges carry an empty null-prototype params', () => {
    const [challenge] = parseWwwAuthenticate('Newauth a-._~+/Z9==')
    expect(challenge).toEqual({ scheme: 'newauth', token68: 'a-._~+/Z9==', params: {} })
    expect(Object.getPrototypeOf(challenge!.params)).toBeNull()
  })

  test('`Bearer error=` is a token68 by the grammar', () => {
    expect(parseWwwAuthenticate('Bearer error=')).toEqual([
      { scheme: 'bearer', token68: 'error=', params: {} },
    ])
    expect(parseWwwAuthenticate('Bearer error= , Basic')).toEqual([
      { scheme: 'bearer', token68: 'error=', params: {} },
      { scheme: 'basic', params: {} },
    ])
  })

  test('a scheme alone, before a comma or at the end, has no parameters', () => {
    expect(parseWwwAuthenticate('Basic, Bearer')).toEqual([
      { scheme: 'basic', params: {} },
      { scheme: 'bearer', params: {} },
    ])
  })

  test('the scheme is separated by SP; HTAB is not allowed there', () => {
    expect(offsetOf('Bearer\trealm="x"')).toBe(6)
    expect(offsetOf('Bearer \trealm="x"')).toBe(7)
    expect(parseWwwAuthenticate('Bearer   realm="x"')).toEqual([
      { scheme: 'bearer', params: { realm: 'x' } },
    ])
  })

  test('OWS before a comma and at both ends is ignored, HTAB included', () => {
    expect(parseWwwAuthenticate(' \tBasic\t, Bearer realm="x" \t, \t')).toEqual([
      { scheme: 'basic', params: {} },
      { scheme: 'bearer', params: { realm: 'x' } },
    ])
  })

  test('BWS around "=" is allowed in auth-params', () => {
    expect(parseWwwAuthenticate('Bearer realm \t= \t"x", error =y')).toEqual([
      { scheme: 'bearer', params: { realm: 'x', error: 'y' } },
    ])
  })

  test('empty list elements are ignored between challenges and between parameters', () => {
    expect(parseWwwAuthenticate(', ,Basic realm="a",, ,b=c , ,Bearer ,, error=x,')).toEqual([
      { scheme: 'basic', params: { realm: 'a', b: 'c' } },
      { scheme: 'bearer', params: { error: 'x' } },
    ])
  })

  test('an auth-param needs SP after its scheme (`Basic, realm="foo"` is invalid)', () => {
    expect(offsetOf('Basic, realm="foo"')).toBe(7)
    expect(parseWwwAuthenticate('Basic , realm="foo"')).toEqual([
      { scheme: 'basic', params: { realm: 'foo' } },
    ])
  })

  test('a parameter name occurs at most once per challenge, case-insensitively', () => {
    expect(offsetOf('Bearer realm="a", REALM="b"')).toBe(18)
    expect(parseWwwAuthenticate('Bearer realm="a", DPoP realm="b"')).toHaveLength(2)
  })

  test('quoted-pair `\\x` means x and nothing else is decoded', () => {
    const [challenge] = parseWwwAuthenticate(
      'Basic realm="\\a\\"\\\\b%20\\n\\ ", title="=?ISO-8859-1?Q?foo-=E4?="',
    )
    expect(challenge!.params).toEqual({ realm: 'a"\\b%20n ', title: '=?ISO-8859-1?Q?foo-=E4?=' })
  })

  test('quoted-strings may be empty and may hold commas, "=", HTAB and obs-text', () => {
    const [challenge] = parseWwwAuthenticate('Bearer realm="", scope="a,b=c\td\u00e9\u00ff"')
    expect(challenge!.params).toEqual({ realm: '', scope: 'a,b=c\td\u00e9\u00ff' })
  })

  test('token68 and auth-params do not mix', () => {
    expect(offsetOf('Newauth abc==, realm="x"')).toBe(15)
    expect(offsetOf('Newauth realm="x", abc==')).toBe(23)
  })

  test('a token68 or a value must be followed by a comma or the end', () => {
    expect(offsetOf('Bearer abc def')).toBe(11)
    expect(offsetOf('Bearer a=b c=d')).toBe(11)
    expect(offsetOf('Bearer a="b"c')).toBe(12)
  })

  test('characters outside the grammar are rejected where they appear', () => {
    expect(offsetOf('Bearer a/b=c')).toBe(8)
    expect(offsetOf('Bearer realm=\\foo')).toBe(13)
    expect(offsetOf('Bearer resource_metadata=https://x')).toBe(30)
    expect(offsetOf('"Bearer"')).toBe(0)
    expect(offsetOf('Bearer a=b, realm=')).toBe(18)
    expect(offsetOf('Bearer a=b, realm=,')).toBe(18)
    // `Bearer =x` reads as the auth-param `Bearer = x` (BWS), with no scheme before it.
    expect(offsetOf('Bearer =x')).toBe(0)
  })

  test('quoted-strings must be terminated and their quoted-pairs valid', () => {
    expect(offsetOf('Bearer realm="abc')).toBe(13)
    expect(offsetOf('Bearer realm="abc\\')).toBe(18)
    expect(offsetOf('Bearer realm="a\\\u0001"')).toBe(16)
  })

  test('an empty value, or one with no challenge, is rejected', () => {
    expect(offsetOf('')).toBe(0)
    expect(offsetOf('   ')).toBe(3)
    expect(offsetOf(' , ,')).toBe(4)
    expect(offsetOf(['', ''])).toBe(2)
    expect(offsetOf([' ', ' , '])).toBe(6)
  })
})

describe('parseWwwAuthenticate: several field lines (RFC 9110 §5.3)', () => {
  test('RFC 9110 §5.3: the lines mean their values joined with ", ", challenges in order', () => {
    expect(parseWwwAuthenticate(['Newauth realm="newauth"', 'Basic realm="basic"'])).toEqual([
      { scheme: 'newauth', params: { realm: 'newauth' } },
      { scheme: 'basic', params: { realm: 'basic' } },
    ])
  })

  test('RFC 9110 §5.3: a challenge may continue on the next field line', () => {
    const lines = [
      'Bearer error="insufficient_user_authentication"',
      'acr_values="gold", max_age=0',
    ]
    expect(parseWwwAuthenticate(lines)).toEqual([
      {
        scheme: 'bearer',
        params: { error: 'insufficient_user_authentication', acr_values: 'gold', max_age: '0' },
      },
    ])
    expect(parseWwwAuthenticate(lines)).toEqual(parseWwwAuthenticate(lines.join(', ')))
  })

  test('RFC 9110 §5.6.1: an empty field line is an empty list element and is ignored', () => {
    const bearer = [{ scheme: 'bearer', params: { realm: 'x' } }]
    expect(parseWwwAuthenticate(['', 'Bearer realm="x"'])).toEqual(bearer)
    expect(parseWwwAuthenticate(['Bearer realm="x"', ''])).toEqual(bearer)
    expect(parseWwwAuthenticate(['Bearer realm="x"', ' \t', ''])).toEqual(bearer)
    expect(parseWwwAuthenticate(['Basic', ''])).toEqual([{ scheme: 'basic', params: {} }])
  })

  test('RFC 9110 §11.6.1: a duplicate parameter across lines of one challenge is still refused', () => {
    const lines = ['Bearer realm="x"', 'realm="y"']
    expect(offsetOf(lines)).toBe(lines.join(', ').lastIndexOf('realm'))
  })

  test('RFC 9110 §5.3: the lines parse exactly like the value Headers.get() combines them into', () => {
    const lines = ['Basic realm="a"', '', 'Bearer error="insufficient_scope"', 'scope="a b"']
    const headers = new Headers()
    for (const line of lines) headers.append('www-authenticate', line)
    expect(parseWwwAuthenticate(lines)).toEqual(
      parseWwwAuthenticate(headers.get('www-authenticate')!),
    )
    expect(parseWwwAuthenticate(lines)).toHaveLength(2)
  })

  test('one line in an array parses like the string', () => {
    expect(parseWwwAuthenticate(['Bearer realm="x", DPoP algs="ES256"'])).toEqual(
      parseWwwAuthenticate('Bearer realm="x", DPoP algs="ES256"'),
    )
  })

  test('offsets in later field lines count the lines as joined with ", "', () => {
    const lines = ['Basic realm="a"', 'Bearer realm="b", realm="c"']
    expect(offsetOf(lines)).toBe(lines.join(', ').lastIndexOf('realm'))
  })

  test('input longer than maxLength is rejected before parsing', () => {
    expect(offsetOf(`Bearer realm="${'a'.repeat(16384)}"`)).toBe(16384)
    expect(parseWwwAuthenticate(`Bearer realm="${'a'.repeat(16360)}"`)).toHaveLength(1)
    const result = safeParseWwwAuthenticate(['Bearer', 'Basic'], { maxLength: 12 })
    expect(result.success).toBe(false)
    expect(parseWwwAuthenticate(['Bearer', 'Basic'], { maxLength: 13 })).toHaveLength(2)
    expect(parseWwwAuthenticate('Bearer realm="x"', { maxLength: 16 })).toHaveLength(1)
  })

  test('caller mistakes throw coded TypeErrors, not parse errors', () => {
    for (const maxLength of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseWwwAuthenticate('Bearer', { maxLength })).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
      )
    }
    for (const value of [null, undefined, 1, {}, [], [1], ['Bearer', null]]) {
      expect(() => parseWwwAuthenticate(value as unknown as string)).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
      )
      expect(() => safeParseWwwAuthenticate(value as unknown as string)).toThrow(TypeError)
    }
  })

  test('errors are coded, carry the offset and never repeat the input', () => {
    const secret = 'mF_9.B5f-4.1JqM'
    try {
      parseWwwAuthenticate(`Bearer realm="${secret}`)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(WwwAuthenticateParseError)
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({
        name: 'WwwAuthenticateParseError',
        code: 'ERR_WWW_AUTHENTICATE_MALFORMED',
        offset: 13,
      })
      expect(error).toBeInstanceOf(WwwAuthenticateError)
      expect((error as WwwAuthenticateParseError).code).toBe(WwwAuthenticateParseError.code)
      expect((error as Error).message).not.toContain(secret)
    }
  })
})

describe('parseAuthorization', () => {
  test('token68 credentials (RFC 6750 §2.1, RFC 9449 §7.1)', () => {
    expect(parseAuthorization('Bearer mF_9.B5f-4.1JqM')).toEqual({
      scheme: 'bearer',
      token68: 'mF_9.B5f-4.1JqM',
      params: {},
    })
    expect(parseAuthorization('DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU').token68).toBe(
      'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU',
    )
  })

  test('auth-param credentials, with empty list elements between parameters', () => {
    expect(parseAuthorization('Digest username="Mufasa", , realm=x,')).toEqual({
      scheme: 'digest',
      params: { username: 'Mufasa', realm: 'x' },
    })
  })

  test('a scheme alone is valid credentials', () => {
    expect(parseAuthorization('Negotiate')).toEqual({ scheme: 'negotiate', params: {} })
  })

  test('exactly one credentials: no list around it', () => {
    expect(() => parseAuthorization('Bearer abc, Basic xyz')).toThrow(WwwAuthenticateParseError)
    expect(() => parseAuthorization('Bearer abc,')).toThrow(WwwAuthenticateParseError)
    expect(() => parseAuthorization(', Bearer abc')).toThrow(WwwAuthenticateParseError)
    expect(() => parseAuthorization('Basic, Bearer')).toThrow(WwwAuthenticateParseError)
    expect(() => parseAuthorization('Digest a=b, Basic')).toThrow(WwwAuthenticateParseError)
    expect(() => parseAuthorization('')).toThrow(WwwAuthenticateParseError)
  })

  test('the same grammar rules as challenges (SP, duplicates, controls)', () => {
    expect(() => parseAuthorization('Bearer\tabc')).toThrow(WwwAuthenticateParseError)
    expect(() => parseAuthorization('Digest a=b, A=c')).toThrow(WwwAuthenticateParseError)
    expect(() => parseAuthorization('Bearer abc\r\n')).toThrow(WwwAuthenticateParseError)
  })

  test('safeParseAuthorization returns the result or the error as a value', () => {
    expect(safeParseAuthorization('Bearer abc')).toEqual({
      success: true,
      data: { scheme: 'bearer', token68: 'abc', params: {} },
    })
    const result = safeParseAuthorization('Bearer abc def')
    expect(result.success).toBe(false)
    expect(!result.success && result.error.offset).toBe(11)
  })

  test('only a string is accepted', () => {
    expect(() => parseAuthorization(['Bearer abc'] as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
    expect(() => parseAuthorization('Bearer abc', { maxLength: 5 })).toThrow(
      WwwAuthenticateParseError,
    )
  })
})
