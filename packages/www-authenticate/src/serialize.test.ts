import { describe, expect, test } from 'vitest'
import { parseAuthorization, parseWwwAuthenticate } from './parse.js'
import { serializeAuthorization, serializeWwwAuthenticate } from './serialize.js'

const refused = (code = 'ERR_INVALID_ARG_VALUE') =>
  expect.objectContaining({ name: 'TypeError', code })

describe('serializeWwwAuthenticate', () => {
  test('writes tokens bare, quotes other values, always quotes realm', () => {
    expect(
      serializeWwwAuthenticate([
        { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'a b', empty: '' } },
      ]),
    ).toBe('Newauth realm="apps", type=1, title="a b", empty=""')
    expect(serializeWwwAuthenticate([{ scheme: 'Basic', params: { REALM: 'x' } }])).toBe(
      'Basic REALM="x"',
    )
  })

  test('escapes " and \\ and nothing else', () => {
    const header = serializeWwwAuthenticate([
      { scheme: 'Basic', params: { realm: 'say "hi" \\ caf\u00e9,=;' } },
    ])
    expect(header).toBe('Basic realm="say \\"hi\\" \\\\ caf\u00e9,=;"')
    expect(parseWwwAuthenticate(header)[0]!.params.realm).toBe('say "hi" \\ caf\u00e9,=;')
  })

  test('writes token68, bare schemes, and joins challenges with ", "', () => {
    expect(
      serializeWwwAuthenticate([
        { scheme: 'Newauth', token68: 'abc==' },
        { scheme: 'Bearer' },
        { scheme: 'DPoP', params: {} },
      ]),
    ).toBe('Newauth abc==, Bearer, DPoP')
  })

  test('keeps the scheme and parameter names as given', () => {
    expect(serializeWwwAuthenticate([{ scheme: 'DPoP', params: { Algs: 'ES256' } }])).toBe(
      'DPoP Algs=ES256',
    )
  })

  test('refuses CR, LF, NUL, HTAB, DEL and other controls in values', () => {
    for (const bad of [
      'a\rb',
      'a\nb',
      'a\u0000b',
      'a\tb',
      'a\u007fb',
      'a\u001bb',
      '\r\nX-Evil: 1',
    ]) {
      expect(() =>
        serializeWwwAuthenticate([{ scheme: 'Bearer', params: { error_description: bad } }]),
      ).toThrow(refused())
    }
  })

  test('refuses text above U+00FF', () => {
    expect(() =>
      serializeWwwAuthenticate([{ scheme: 'Bearer', params: { realm: '\u20ac' } }]),
    ).toThrow(refused())
    expect(() =>
      serializeWwwAuthenticate([{ scheme: 'Bearer', params: { realm: '\ud83d\ude00' } }]),
    ).toThrow(refused())
  })

  test('refuses invalid schemes and parameter names', () => {
    for (const scheme of ['', 'Bear er', 'Bearer,', 'B"', 'Bearer\r\n', '\u00e9']) {
      expect(() => serializeWwwAuthenticate([{ scheme }])).toThrow(refused())
    }
    for (const name of ['', 'a b', 'a=b', 'a,b', 'a"', 'r\u00e9alm']) {
      expect(() =>
        serializeWwwAuthenticate([{ scheme: 'Bearer', params: { [name]: 'x' } }]),
      ).toThrow(refused())
    }
  })

  test('refuses a challenge key other than scheme, token68 and params, naming it', () => {
    expect(() =>
      serializeWwwAuthenticate([{ scheme: 'Basic', param: { realm: 'x' } } as never]),
    ).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_UNKNOWN_OPTION',
        message:
          'serializeWwwAuthenticate challenges[0]: unknown option "param" (did you mean "params"?)',
      }),
    )
    expect(() =>
      serializeWwwAuthenticate([
        { scheme: 'Bearer' },
        { scheme: 'DPoP', params: { algs: 'ES256' }, realm: 'x' } as never,
      ]),
    ).toThrow('serializeWwwAuthenticate challenges[1]: unknown option "realm"')
    // @ts-expect-error: param is not a key of a challenge
    expect(() => serializeWwwAuthenticate([{ scheme: 'Basic', param: {} }])).toThrow(TypeError)
  })

  test('keeps params open to any auth-param, extensions included', () => {
    expect(
      serializeWwwAuthenticate([
        { scheme: 'Bearer', params: { error: 'use_dpop_nonce', 'x-extension': 'a b', nonce: 'n' } },
      ]),
    ).toBe('Bearer error=use_dpop_nonce, x-extension="a b", nonce=n')
  })

  test('refuses duplicate parameters, case-insensitively', () => {
    expect(() =>
      serializeWwwAuthenticate([{ scheme: 'Bearer', params: { realm: 'a', REALM: 'b' } }]),
    ).toThrow(refused())
  })

  test('refuses token68 that is not token68, and token68 with params', () => {
    for (const token68 of ['', 'a b', 'a=b', '=', 'a,', 'a"', 'a\r\n']) {
      expect(() => serializeWwwAuthenticate([{ scheme: 'Newauth', token68 }])).toThrow(refused())
    }
    expect(() =>
      serializeWwwAuthenticate([{ scheme: 'Newauth', token68: 'abc', params: { a: 'b' } }]),
    ).toThrow(refused())
  })

  test('refuses values and arguments of the wrong type', () => {
    expect(() =>
      serializeWwwAuthenticate([{ scheme: 'Bearer', params: { max_age: 5 as unknown as string } }]),
    ).toThrow(refused('ERR_INVALID_ARG_TYPE'))
    for (const challenges of [[], null, 'Bearer', {}]) {
      expect(() => serializeWwwAuthenticate(challenges as never)).toThrow(
        refused('ERR_INVALID_ARG_TYPE'),
      )
    }
    expect(() => serializeWwwAuthenticate([null as never])).toThrow(refused())
    expect(() => serializeWwwAuthenticate([{ scheme: 1 } as never])).toThrow(refused())
  })
})

describe('serializeAuthorization', () => {
  test('writes token68 and auth-param credentials that parse back', () => {
    const token = serializeAuthorization({ scheme: 'Bearer', token68: 'mF_9.B5f-4.1JqM' })
    expect(token).toBe('Bearer mF_9.B5f-4.1JqM')
    expect(parseAuthorization(token)).toEqual({
      scheme: 'bearer',
      token68: 'mF_9.B5f-4.1JqM',
      params: {},
    })
    const digest = serializeAuthorization({
      scheme: 'Digest',
      params: { username: 'Mufasa', nc: '00000001' },
    })
    expect(digest).toBe('Digest username=Mufasa, nc=00000001')
  })

  test('refuses what cannot be sent', () => {
    expect(() => serializeAuthorization({ scheme: 'Bearer', token68: 'a\r\nb' })).toThrow(refused())
  })

  test('refuses an unknown credentials key, naming the nearest known one', () => {
    expect(() => serializeAuthorization({ scheme: 'DPoP', token: 'abc' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'serializeAuthorization: unknown option "token" (did you mean "token68"?)',
      }),
    )
  })
})
