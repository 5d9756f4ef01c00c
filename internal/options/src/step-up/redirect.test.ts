import { describe, expect, it } from 'vitest'
import { nextRedirectHop } from './redirect.js'

const FROM = 'https://api.example.com/a/b?q=1'

describe('nextRedirectHop (Fetch HTTP-redirect fetch, RFC 9110 §15.4)', () => {
  it.each([
    [303, 'POST', { method: 'GET', dropBody: true }],
    [303, 'PUT', { method: 'GET', dropBody: true }],
    [303, 'GET', { method: 'GET', dropBody: false }],
    [303, 'HEAD', { method: 'HEAD', dropBody: false }],
    [301, 'POST', { method: 'GET', dropBody: true }],
    [302, 'POST', { method: 'GET', dropBody: true }],
    [302, 'PATCH', { method: 'PATCH', dropBody: false }],
    [307, 'POST', { method: 'POST', dropBody: false }],
    [308, 'DELETE', { method: 'DELETE', dropBody: false }],
  ])('%i after %s', (status, method, expected) => {
    expect(nextRedirectHop(FROM, method, status, '../c')).toStrictEqual({
      url: 'https://api.example.com/c',
      ...expected,
    })
  })

  it.each([200, 300, 304, 305, 306, 401])('%i is not a redirect', (status) => {
    expect(nextRedirectHop(FROM, 'GET', status, '/c')).toBeUndefined()
  })

  it('a redirect status without Location is not followed', () => {
    expect(nextRedirectHop(FROM, 'GET', 302, null)).toBeUndefined()
  })

  it('resolves Location against the current URL, keeping its own query', () => {
    expect(nextRedirectHop(FROM, 'GET', 302, '//other.example/x?y=2')?.url).toBe(
      'https://other.example/x?y=2',
    )
  })

  it.each([
    ['not a URL', 'http://[::1'],
    ['not http(s)', 'javascript:alert(1)'],
    ['a data URL', 'data:text/plain,x'],
  ])('a Location that is %s is a network error (TypeError)', (_, location) => {
    expect(() => nextRedirectHop(FROM, 'GET', 302, location)).toThrow(TypeError)
  })
})
