import { describe, expect, it } from 'vitest'
import { OAUTH_ERROR_STATUS, refusalCode } from './oauth-status.js'

describe('refusalCode', () => {
  it('names a refusal without credentials apart from an invalid token (RFC 6750 §3.1)', () => {
    expect(refusalCode({ body: null })).toBe('ERR_ACCESS_UNAUTHENTICATED')
    expect(refusalCode({ body: { error: 'invalid_token' } })).toBe('ERR_ACCESS_INVALID_TOKEN')
  })

  it('says step-up only for insufficient_user_authentication (RFC 9470 §3)', () => {
    const codes = Object.keys(OAUTH_ERROR_STATUS).map((error) => refusalCode({ body: { error } }))
    expect(codes).toEqual([
      'ERR_ACCESS_INVALID_REQUEST',
      'ERR_ACCESS_INVALID_TOKEN',
      'ERR_ACCESS_INSUFFICIENT_USER_AUTHENTICATION',
      'ERR_ACCESS_INSUFFICIENT_SCOPE',
      'ERR_ACCESS_INSUFFICIENT_AUTHORIZATION_DETAILS',
      'ERR_ACCESS_INVALID_DPOP_PROOF',
      'ERR_ACCESS_USE_DPOP_NONCE',
      'ERR_ACCESS_TEMPORARILY_UNAVAILABLE',
    ])
  })

  it('gives ERR_ACCESS_DENIED for an error outside the table, inherited names included', () => {
    expect(refusalCode({ body: { error: 'access_denied' } })).toBe('ERR_ACCESS_DENIED')
    expect(refusalCode({ body: { error: 'toString' } })).toBe('ERR_ACCESS_DENIED')
  })
})
