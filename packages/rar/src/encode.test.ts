import { describe, expect, it } from 'vitest'
import { encodeAuthorizationDetails } from './encode.js'

describe('encodeAuthorizationDetails', () => {
  it('returns compact JSON text for the form/query value', () => {
    const details = [{ type: 'account_information', actions: ['list_accounts'] }]
    const text = encodeAuthorizationDetails(details)
    expect(text).toBe('[{"type":"account_information","actions":["list_accounts"]}]')
    const form = new URLSearchParams({ authorization_details: text })
    expect(form.toString()).toBe(
      'authorization_details=%5B%7B%22type%22%3A%22account_information%22%2C%22actions%22%3A%5B%22list_accounts%22%5D%7D%5D',
    )
  })

  it('never emits raw CR, LF or other control characters', () => {
    const text = encodeAuthorizationDetails([{ type: 'a\r\nb', note: '\u0000\u001f\u007f' }])
    expect(text).not.toMatch(/[\u0000-\u001f]/)
    expect(JSON.parse(text)).toEqual([{ type: 'a\r\nb', note: '\u0000\u001f\u007f' }])
  })

  it.each([
    ['a non-array', { type: 'a' }],
    ['a missing type', [{ actions: ['a'] }]],
    ['string actions', [{ type: 'a', actions: 'read' }]],
    ['undefined members', [{ type: 'a', x: undefined }]],
    ['NaN', [{ type: 'a', x: Number.NaN }]],
    ['negative zero, which JSON text cannot carry', [{ type: 'a', x: -0 }]],
    ['a number a reader cannot keep exactly', [{ type: 'a', x: 0.1 + 0.2 }]],
    ['a Date', [{ type: 'a', x: new Date(0) }]],
    ['a __proto__ member', JSON.parse('[{"type":"a","__proto__":{}}]')],
  ])('refuses %s with ERR_INVALID_ARG_VALUE', (_, details) => {
    expect(() => encodeAuthorizationDetails(details as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('gives the AuthorizationDetailsError it found as the cause', () => {
    expect(() => encodeAuthorizationDetails([{ type: 'a', x: Number.NaN }])).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        cause: expect.objectContaining({ code: 'ERR_AUTHORIZATION_DETAILS_INVALID' }),
      }),
    )
  })

  it('refuses cycles', () => {
    const detail: Record<string, unknown> = { type: 'a' }
    detail.self = detail
    expect(() => encodeAuthorizationDetails([detail as never])).toThrow(TypeError)
  })
})
