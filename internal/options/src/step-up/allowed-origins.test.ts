import { describe, expect, it } from 'vitest'
import { normalizeAllowedOrigins } from './allowed-origins.js'

describe('normalizeAllowedOrigins (RFC 6750 §5.3: tokens over TLS only)', () => {
  it('normalises https origins and loopback http origins', () => {
    expect([
      ...normalizeAllowedOrigins([
        'https://API.example.com:443/',
        'http://localhost:3000',
        'http://127.0.0.1',
        'http://[::1]:8080',
        'http://[0:0:0:0:0:0:0:1]:9',
      ]),
    ]).toEqual([
      'https://api.example.com',
      'http://localhost:3000',
      'http://127.0.0.1',
      'http://[::1]:8080',
      'http://[::1]:9',
    ])
  })

  it('accepts an http origin that allowInsecureOrigins lists too', () => {
    expect([
      ...normalizeAllowedOrigins(
        ['http://api.internal', 'https://a.example'],
        ['http://api.internal/'],
      ),
    ]).toEqual(['http://api.internal', 'https://a.example'])
  })

  it.each([
    [
      ['http://api.example.com'],
      [],
      /allowedOrigins\[0\] "http:\/\/api.example.com" is not https:.*RFC 6750 §5.3.*allowInsecureOrigins: \["http:\/\/api.example.com"\]/,
    ],
    [['http://127.0.0.2'], [], /not https:/],
    [['http://foo.localhost'], [], /not https:/],
    [['https://*.example.com'], [], /is not an origin/],
    [['https://api.example.com/v1'], [], /is not an origin/],
    [['https://u:p@api.example.com'], [], /is not an origin/],
    [['ftp://api.example.com'], [], /is not an origin/],
    [['api.example.com'], [], /is not an origin/],
    [[42], [], /allowedOrigins\[0\] "42" is not an origin/],
    [[], [], /non-empty list/],
    [
      ['http://a.internal'],
      ['https://a.internal'],
      /allowInsecureOrigins\[0\] .* is not an http: origin/,
    ],
    [
      ['http://a.internal'],
      ['http://b.internal'],
      /allowInsecureOrigins\[0\] .* is not in allowedOrigins/,
    ],
    [['https://a.example'], ['http://*.internal'], /allowInsecureOrigins\[0\] .* is not an origin/],
  ])('refuses %j with %j', (allowed, insecure, message) => {
    expect(() => normalizeAllowedOrigins(allowed as string[], insecure)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringMatching(message),
      }),
    )
  })

  it('refuses an allowInsecureOrigins that is not a list', () => {
    expect(() => normalizeAllowedOrigins(['https://a.example'], 'http://a' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
  })
})
