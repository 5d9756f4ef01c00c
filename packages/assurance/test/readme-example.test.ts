import { SignJWT } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
// README example, verbatim from here down to the marker.
import {
  AccessTokenError,
  createJwtAccessTokenVerifier,
  type ErrorResponse,
  evaluateAssurance,
  extractAccessToken,
  toErrorResponse,
} from '../src/index.ts'
import { makeKey } from './keys.ts'

const verifier = createJwtAccessTokenVerifier({
  issuer: 'https://as.example.net',
  audience: 'https://rs.example.com',
  jwks: new URL('https://as.example.net/jwks'),
})
const send = ({ status, headers, body }: ErrorResponse) =>
  new Response(body && JSON.stringify(body), { status, headers })

/** Undefined means: go ahead. Otherwise, the response to send. */
export async function guard(request: Request): Promise<Response | undefined> {
  const extracted = extractAccessToken({ authorization: request.headers.get('authorization') })
  if (!extracted.ok) return send(toErrorResponse(extracted, { realm: 'bank' }))
  try {
    const claims = await verifier.verify(extracted.token)
    const result = evaluateAssurance(claims, { acr_values: ['phrh'], max_age: 300 })
    if (!result.ok) return send(toErrorResponse(result, { realm: 'bank' }))
  } catch (error) {
    if (error instanceof AccessTokenError) return send(toErrorResponse(error, { realm: 'bank' }))
    throw error
  }
  return undefined
}
// End of the README example.

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('README example', () => {
  it('challenges, steps up, then allows', async () => {
    const key = await makeKey('ES256', 'k1')
    vi.stubGlobal('fetch', async () => Response.json({ keys: [key.jwk] }))
    const now = Math.floor(Date.now() / 1000)
    const token = (acr: string) =>
      new SignJWT({ acr, auth_time: now - 10, client_id: 'c' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer('https://as.example.net')
        .setSubject('alice')
        .setJti(crypto.randomUUID())
        .setAudience('https://rs.example.com')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key.privateKey)
    const request = (authorization?: string) =>
      new Request(
        'https://rs.example.com/transfers',
        authorization ? { headers: { authorization } } : {},
      )

    const none = await guard(request())
    expect(none?.status).toBe(401)
    expect(none?.headers.get('www-authenticate')).toBe('Bearer realm="bank"')

    const weak = await guard(request(`Bearer ${await token('phr')}`))
    expect(weak?.status).toBe(401)
    expect(weak?.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh", max_age="300"',
    )
    expect(await weak?.json()).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
    })

    expect(await guard(request(`Bearer ${await token('phrh')}`))).toBeUndefined()

    const forged = await guard(request('Bearer eyJhbGciOiJub25lIn0.e30.'))
    expect(forged?.status).toBe(401)
    expect(await forged?.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
  })
})
