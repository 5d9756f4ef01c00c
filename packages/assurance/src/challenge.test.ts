import { parseOAuthChallenge, parseWwwAuthenticate } from '@stepup/www-authenticate'
import { describe, expect, it } from 'vitest'
import { toErrorResponse } from './challenge.js'
import { evaluateAssurance } from './evaluate.js'

const RM = 'https://rs.example.com/.well-known/oauth-protected-resource'

describe('toErrorResponse', () => {
  it('WA-03 / EX-6750-03: no credentials → bare challenge with realm, no body (RFC 6750 §3.1)', () => {
    expect(toErrorResponse({ status: 401, challenge: {} }, { realm: 'example' })).toEqual({
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="example"' },
      body: null,
    })
  })

  it('EX-9449-03 (Fig. 17): no credentials, Bearer and DPoP accepted → two challenges without error', () => {
    const res = toErrorResponse(
      { status: 401, challenge: {} },
      { schemes: ['Bearer', 'DPoP'], algs: ['ES256', 'PS256'] },
    )
    expect(res.headers['www-authenticate']).toBe('Bearer, DPoP algs="ES256 PS256"')
  })

  it('EX-9449-04 (Fig. 18): the error goes in the challenge of the scheme used only', () => {
    const res = toErrorResponse(
      { status: 401, challenge: { error: 'invalid_token', error_description: 'Invalid token' } },
      { scheme: 'Bearer', schemes: ['Bearer', 'DPoP'], algs: ['ES256', 'PS256'] },
    )
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="Invalid token", DPoP algs="ES256 PS256"',
    )
  })

  it('WA-12 (RFC 9728 §5.1): resource_metadata on a bare challenge', () => {
    expect(
      toErrorResponse({ status: 401, challenge: {} }, { resource_metadata: RM }).headers,
    ).toEqual({
      'www-authenticate': `Bearer resource_metadata="${RM}"`,
    })
  })

  it('converts an evaluateAssurance failure, adding resource_metadata once even if the result already had it', () => {
    const result = evaluateAssurance(
      { acr: 'phr' },
      { acr_values: ['phrh'], max_age: 60 },
      { now: 100, challenge: { resource_metadata: RM } },
    )
    if (result.ok) throw new Error('expected a failure')
    expect(result.wwwAuthenticate.split('resource_metadata=')).toHaveLength(2)
    const res = toErrorResponse(result, { realm: 'bank', resource_metadata: RM })
    const header = res.headers['www-authenticate'] ?? ''
    expect(header.split('resource_metadata=')).toHaveLength(2)
    expect(res.status).toBe(401)
    const [challenge] = parseWwwAuthenticate(header)
    expect(parseOAuthChallenge(challenge!)).toMatchObject({
      scheme: 'bearer',
      realm: 'bank',
      error: 'insufficient_user_authentication',
      acr_values: ['phrh'],
      max_age: 60,
      resource_metadata: RM,
      invalid: [],
    })
    expect(res.body).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
    })
  })

  it('refuses options that cannot be sent (coded TypeError from the serialiser)', () => {
    expect(() => toErrorResponse({ status: 401, challenge: {} }, { realm: 'a\r\nb' })).toThrow(
      TypeError,
    )
    expect(() =>
      toErrorResponse({ status: 401, challenge: {} }, { resource_metadata: 'http://x' }),
    ).toThrow(TypeError)
  })
})
