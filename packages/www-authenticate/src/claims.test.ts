import { describe, expect, test } from 'vitest'
import { decodeClaimsChallenge } from './claims.js'
import { WwwAuthenticateParseError } from './errors.js'

const encode = (text: string, url = false): string => {
  const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(text)))
  return url ? b64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '') : b64
}

describe('decodeClaimsChallenge', () => {
  test('decodes the base64 JSON Microsoft Entra ID sends with insufficient_claims', () => {
    expect(
      decodeClaimsChallenge(
        'eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19',
      ),
    ).toEqual({ access_token: { acrs: { essential: true, value: 'c1' } } })
  })

  test('accepts base64url without padding and UTF-8 text', () => {
    const json = '{"access_token":{"acrs":{"value":"\u00e9?>"}}}'
    expect(decodeClaimsChallenge(encode(json, true))).toEqual(JSON.parse(json))
    expect(decodeClaimsChallenge(encode(json))).toEqual(JSON.parse(json))
  })

  test('keeps keys such as __proto__ as own data', () => {
    const claims = decodeClaimsChallenge(encode('{"__proto__":{"polluted":true}}'))
    expect(Object.keys(claims)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('rejects anything that is not base64 of a JSON object', () => {
    for (const bad of [
      '',
      '{"a":1}',
      'eyJ9 ',
      ' eyJ9',
      'ab=c',
      'abc===',
      'a',
      encode('[1]'),
      encode('null'),
      encode('"x"'),
      encode('{'),
      btoa('{"a":"\u00ff"}'),
    ]) {
      expect(() => decodeClaimsChallenge(bad), bad).toThrow(WwwAuthenticateParseError)
    }
  })

  test('only a string is accepted', () => {
    expect(() => decodeClaimsChallenge(1 as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    )
  })
})
