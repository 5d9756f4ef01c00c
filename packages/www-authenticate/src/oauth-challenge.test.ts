import { describe, expect, test } from 'vitest'
import type { WwwAuthenticateChallenge } from './challenge.js'
import { createOAuthChallenge } from './create-challenge.js'
import { parseOAuthChallenge } from './oauth-challenge.js'
import { parseWwwAuthenticate } from './parse.js'

const view = (header: string) => parseOAuthChallenge(parseWwwAuthenticate(header)[0]!)

describe('parseOAuthChallenge', () => {
  test('reads every known parameter into its typed field', () => {
    const header =
      'DPoP realm="bank", error="insufficient_user_authentication", error_description="Need MFA", ' +
      'error_uri="https://bank.example/errors/mfa", scope="payments:write accounts:read", ' +
      'acr_values="phr phrh", max_age=300, algs="ES256 EdDSA", ' +
      'resource_metadata="https://bank.example/.well-known/oauth-protected-resource", claims="eyJ9", x=y'
    const oauth = view(header)
    expect(oauth).toEqual({
      scheme: 'dpop',
      realm: 'bank',
      error: 'insufficient_user_authentication',
      error_description: 'Need MFA',
      error_uri: 'https://bank.example/errors/mfa',
      scope: ['payments:write', 'accounts:read'],
      acr_values: ['phr', 'phrh'],
      max_age: 300,
      algs: ['ES256', 'EdDSA'],
      resource_metadata: 'https://bank.example/.well-known/oauth-protected-resource',
      claims: 'eyJ9',
      invalid: [],
      params: oauth.params,
    })
    expect(oauth.params.x).toBe('y')
  })

  test('max_age is a non-negative safe integer, token or quoted', () => {
    expect(view('Bearer max_age=0').max_age).toBe(0)
    expect(view('Bearer max_age="0042"').max_age).toBe(42)
    expect(view('Bearer max_age=9007199254740991').max_age).toBe(9007199254740991)
    for (const bad of [
      '"-1"',
      '"5.0"',
      '"+5"',
      '""',
      '"1e3"',
      '" 5"',
      '9007199254740992',
      `"${'9'.repeat(40)}"`,
    ]) {
      const oauth = view(`Bearer max_age=${bad}`)
      expect(oauth.max_age).toBeUndefined()
      expect(oauth.invalid).toEqual(['max_age'])
    }
  })

  test('lists are scope-tokens separated by exactly one space', () => {
    expect(view('Bearer acr_values="urn:example:gold urn:example:silver"').acr_values).toEqual([
      'urn:example:gold',
      'urn:example:silver',
    ])
    for (const bad of [
      '""',
      '" a"',
      '"a "',
      '"a  b"',
      '"a\tb"',
      '"a\\"b"',
      '"a\\\\b"',
      '"caf\u00e9"',
    ]) {
      for (const name of ['scope', 'acr_values', 'algs']) {
        const oauth = view(`Bearer ${name}=${bad}`)
        expect(oauth).not.toHaveProperty(name)
        expect(oauth.invalid).toEqual([name])
      }
    }
  })

  test('error and error_description are 1*NQSCHAR; error_uri is 1*NQCHAR', () => {
    expect(view('Bearer error_description="spaces, $ and !"').error_description).toBe(
      'spaces, $ and !',
    )
    for (const bad of ['""', '"a\\"b"', '"a\\\\b"', '"tab\there"', '"caf\u00e9"']) {
      expect(view(`Bearer error=${bad}, error_description=${bad}`).invalid).toEqual([
        'error',
        'error_description',
      ])
    }
    expect(view('Bearer error_uri="https://x.example/a b"').invalid).toEqual(['error_uri'])
    expect(view('Bearer error_uri="/relative/ok"').error_uri).toBe('/relative/ok')
  })

  test('resource_metadata must be an absolute https URL, kept exactly as sent', () => {
    expect(view('Bearer resource_metadata="https://RS.example:443/x/../y"').resource_metadata).toBe(
      'https://RS.example:443/x/../y',
    )
    for (const bad of [
      '"http://rs.example/.well-known/oauth-protected-resource"',
      '"/.well-known/oauth-protected-resource"',
      '"javascript:alert(1)"',
      '"https://rs.example/a b"',
      '""',
      'https',
      '"http://localhost.evil.example/meta"',
      '"http://127.0.0.2/meta"',
    ]) {
      expect(view(`Bearer resource_metadata=${bad}`).invalid).toEqual(['resource_metadata'])
    }
  })

  test('resource_metadata may be http on a loopback host, for development', () => {
    for (const url of [
      'http://localhost:4000/.well-known/oauth-protected-resource',
      'http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp',
      'http://[::1]/.well-known/oauth-protected-resource',
    ]) {
      expect(view(`Bearer resource_metadata="${url}"`).resource_metadata).toBe(url)
      expect(createOAuthChallenge({ resource_metadata: url })).toBe(
        `Bearer resource_metadata="${url}"`,
      )
    }
  })

  test('realm may be anything, claims anything non-empty', () => {
    expect(view('Bearer realm=""').realm).toBe('')
    expect(view('Bearer claims=""').invalid).toEqual(['claims'])
    expect(view('Bearer claims="{\\"a\\":1}"').claims).toBe('{"a":1}')
  })

  test('unknown parameters stay in params and are never flagged', () => {
    const oauth = view('Bearer authorization_uri="https://login.example/authorize", client_id=abc')
    expect(oauth.invalid).toEqual([])
    expect(oauth.params).toEqual({
      authorization_uri: 'https://login.example/authorize',
      client_id: 'abc',
    })
  })

  test('lower-cases the scheme of a hand-built challenge and ignores inherited keys', () => {
    const challenge: WwwAuthenticateChallenge = { scheme: 'DPoP', params: { error: 'x' } }
    expect(parseOAuthChallenge(challenge)).toEqual({
      scheme: 'dpop',
      error: 'x',
      invalid: [],
      params: { error: 'x' },
    })
  })
})
