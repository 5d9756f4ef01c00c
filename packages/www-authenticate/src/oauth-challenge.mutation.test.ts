import { describe, expect, test } from 'vitest'
import { parseOAuthChallenge } from './oauth-challenge.js'
import { parseWwwAuthenticate } from './parse.js'

const view = (header: string) => parseOAuthChallenge(parseWwwAuthenticate(header)[0]!)

describe('parseOAuthChallenge: max_age length bound', () => {
  test('reads a zero-padded max_age of 16 digits', () => {
    expect(view(`Bearer max_age=${'0'.repeat(13)}300`).max_age).toBe(300)
  })

  test('refuses a max_age of 17 digits or more, even zero-padded to a small number', () => {
    for (const digits of [`${'0'.repeat(14)}300`, `${'0'.repeat(20)}300`]) {
      const oauth = view(`Bearer max_age=${digits}`)
      expect(oauth.max_age).toBeUndefined()
      expect(oauth.invalid).toEqual(['max_age'])
    }
  })
})

describe('parseOAuthChallenge: resource_metadata over http', () => {
  test.each([
    'http://notlocalhost/.well-known/oauth-protected-resource',
    'http://localhost.evil.example/.well-known/oauth-protected-resource',
    'ftp://localhost/.well-known/oauth-protected-resource',
  ])('%s is invalid: only http: on a loopback host itself is allowed', (url) => {
    const oauth = view(`Bearer resource_metadata="${url}"`)
    expect(oauth.resource_metadata).toBeUndefined()
    expect(oauth.invalid).toEqual(['resource_metadata'])
  })
})
