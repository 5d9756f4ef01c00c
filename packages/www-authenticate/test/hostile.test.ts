import { describe, expect, test } from 'vitest'
import {
  parseAuthorization,
  parseWwwAuthenticate,
  safeParseWwwAuthenticate,
  serializeWwwAuthenticate,
  WwwAuthenticateParseError,
} from '../src/index.js'

const rejects = (value: string | readonly string[], maxLength?: number): number => {
  const result = safeParseWwwAuthenticate(value, maxLength === undefined ? {} : { maxLength })
  if (result.success) throw new Error('expected the value to be rejected')
  expect(result.error).toBeInstanceOf(WwwAuthenticateParseError)
  return result.error.offset
}

describe('hostile input', () => {
  test('CR, LF and NUL are rejected everywhere: scheme, name, value, quoted-string, token68', () => {
    for (const bad of ['\r', '\n', '\u0000', '\r\n']) {
      const values = [
        `Bearer${bad} realm="x"`,
        `Bearer realm${bad}="x"`,
        `Bearer realm=x${bad}`,
        `Bearer realm="x${bad}y"`,
        `Bearer realm="x\\${bad}y"`,
        `Newauth abc${bad}`,
        `${bad}Bearer`,
        `Bearer realm="x"${bad}, Basic`,
      ]
      for (const value of values) rejects(value)
      expect(() => parseAuthorization(`Bearer abc${bad}`)).toThrow(WwwAuthenticateParseError)
    }
  })

  test('header injection through a value is impossible in both directions', () => {
    expect(rejects('Bearer realm="x"\r\nSet-Cookie: a=b')).toBe(16)
    expect(() =>
      serializeWwwAuthenticate([{ scheme: 'Bearer', params: { realm: 'x"\r\nSet-Cookie: a=b' } }]),
    ).toThrow(TypeError)
  })

  test('every other control character, DEL and code points above U+00FF are rejected', () => {
    for (let c = 0; c < 0x20; c++) {
      if (c === 0x09) continue
      const char = String.fromCharCode(c)
      rejects(`Bearer realm="a${char}b"`)
      rejects(`Bearer realm=a${char}b`)
    }
    for (const char of ['\u007f', '\u0100', '\u2028', '\ufeff', '\ud83d\ude00', '\ud800']) {
      rejects(`Bearer realm="a${char}b"`)
      rejects(`Bear${char}er`)
    }
  })

  test('a 1 MB value is rejected by length, before any parsing', () => {
    const huge = `Bearer realm="${'a'.repeat(1024 * 1024)}"`
    expect(rejects(huge)).toBe(16384)
    const lines = Array.from({ length: 100 }, () => `Bearer realm="${'a'.repeat(200)}"`)
    expect(rejects(lines)).toBe(16384)
  })

  test('long runs parse when the caller raises maxLength', () => {
    const maxLength = 1 << 20
    const escaped = `Bearer realm="${'\\"'.repeat(25_000)}"`
    expect(parseWwwAuthenticate(escaped, { maxLength })[0]!.params.realm).toBe('"'.repeat(25_000))
    const token = `Newauth ${'a'.repeat(100_000)}`
    expect(parseWwwAuthenticate(token, { maxLength })[0]!.token68).toHaveLength(100_000)
    const spaces = `Bearer${' '.repeat(100_000)}realm=x`
    expect(parseWwwAuthenticate(spaces, { maxLength })[0]!.params.realm).toBe('x')
    const params = Array.from({ length: 10_000 }, (_, i) => `p${i}=v`).join(', ')
    expect(
      Object.keys(parseWwwAuthenticate(`Bearer ${params}`, { maxLength })[0]!.params),
    ).toHaveLength(10_000)
    const commas = `Bearer realm=x${', '.repeat(50_000)}`
    expect(parseWwwAuthenticate(commas, { maxLength })).toHaveLength(1)
    const challenges = 'Basic, '.repeat(20_000)
    expect(parseWwwAuthenticate(challenges, { maxLength })).toHaveLength(20_000)
  })

  test('repeated parameters are caught even deep into a long value', () => {
    const params = Array.from({ length: 2_000 }, (_, i) => `p${i}=v`).join(', ')
    expect(rejects(`Bearer ${params}, P0=w`, 1 << 20)).toBe(params.length + 9)
  })

  test('unbalanced quotes and dangling escapes', () => {
    rejects(`Bearer realm="${'\\"'.repeat(1000)}`)
    rejects(`Bearer realm="${'\\'.repeat(1001)}`)
    rejects('Bearer realm="""')
    rejects('Bearer realm=""x"')
    rejects('"'.repeat(1000))
    rejects('='.repeat(1000))
    rejects(','.repeat(1000))
  })

  test('prototype keys are plain data and do not leak between challenges', () => {
    const [a, b] = parseWwwAuthenticate(
      'Bearer __proto__="polluted", constructor=x, hasOwnProperty=y, Basic realm="r"',
    )
    expect(Object.entries(a!.params)[0]).toEqual(['__proto__', 'polluted'])
    expect(b!.params).toEqual({ realm: 'r' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(b!.params.constructor).toBeUndefined()
  })
})
