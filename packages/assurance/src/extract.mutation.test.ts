import { describe, expect, it } from 'vitest'
import { extractAccessToken } from './extract.js'

const MALFORMED = {
  ok: false,
  status: 400,
  challenge: {
    error: 'invalid_request',
    error_description: 'The access token credentials are malformed',
  },
}
const NONE = { ok: false, status: 401, challenge: {} }

describe('extractAccessToken: maxLength', () => {
  it('accepts a header token of exactly maxLength characters, and refuses one more', () => {
    const at = (n: number) =>
      extractAccessToken({ authorization: `Bearer ${'a'.repeat(n)}` }, { maxLength: 20 })
    expect(at(20)).toEqual({ ok: true, token: 'a'.repeat(20), scheme: 'Bearer' })
    expect(at(21)).toEqual(MALFORMED)
  })

  it('accepts a form body token of exactly maxLength characters, and refuses one more', () => {
    const at = (n: number) => extractAccessToken({ body: 'a'.repeat(n) }, { maxLength: 20 })
    expect(at(20)).toEqual({ ok: true, token: 'a'.repeat(20), scheme: 'Bearer' })
    expect(at(21)).toEqual(MALFORMED)
  })
})

describe('extractAccessToken: the length of the header', () => {
  it('reads a header of up to maxLength + 16 characters, spaces included, and refuses a longer one', () => {
    const header = (spaces: number) => `Bearer${' '.repeat(spaces)}${'a'.repeat(20)}`
    expect(header(10)).toHaveLength(36)
    expect(extractAccessToken({ authorization: header(10) }, { maxLength: 20 })).toEqual({
      ok: true,
      token: 'a'.repeat(20),
      scheme: 'Bearer',
    })
    expect(extractAccessToken({ authorization: header(11) }, { maxLength: 20 })).toEqual(MALFORMED)
  })
})

describe('extractAccessToken: credentials of other schemes', () => {
  it('are no credentials, with or without a token', () => {
    expect(extractAccessToken({ authorization: 'Negotiate' })).toEqual(NONE)
    expect(extractAccessToken({ authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' })).toEqual(NONE)
  })

  it('do not count as a second way of sending the token', () => {
    expect(
      extractAccessToken({ authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', body: 'tok' }),
    ).toEqual({
      ok: true,
      token: 'tok',
      scheme: 'Bearer',
    })
  })

  it('include DPoP when only Bearer is accepted, even without a token', () => {
    expect(extractAccessToken({ authorization: 'DPoP' })).toEqual(NONE)
  })

  it('are not malformed Bearer credentials when they mention bearer', () => {
    expect(extractAccessToken({ authorization: 'Digest username="bearer"' })).toEqual(NONE)
  })
})
