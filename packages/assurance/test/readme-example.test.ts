import { SignJWT } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
// README example, verbatim from here down to the marker.
import { createJwtAccessTokenVerifier, createStepUpGuard, readRequestBody } from '../src/index.ts'
import { makeKey } from './keys.ts'

const guard = createStepUpGuard<Request>({
  verify: createJwtAccessTokenVerifier({
    issuer: 'https://as.example.net',
    audience: 'https://rs.example.com',
    jwks: new URL('https://as.example.net/jwks'),
  }),
  requirement: { acr_values: ['phrh'], max_age: 300 },
  realm: 'bank',
})

/** Undefined means: go ahead. Otherwise, the response to send. */
export async function stepUp(request: Request): Promise<Response | undefined> {
  const { method, url, headers } = request
  const body = (limit: number) =>
    readRequestBody(headers.get('content-type'), request.clone().body, limit)
  const outcome = await guard({ method, url, headers, body }, request)
  if (outcome.ok) return undefined
  return new Response(outcome.body && JSON.stringify(outcome.body), {
    status: outcome.status,
    headers: outcome.headers,
  })
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

    const none = await stepUp(request())
    expect(none?.status).toBe(401)
    expect(none?.headers.get('www-authenticate')).toBe('Bearer realm="bank"')

    const weak = await stepUp(request(`Bearer ${await token('phr')}`))
    expect(weak?.status).toBe(401)
    expect(weak?.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh", max_age="300"',
    )
    expect(await weak?.json()).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
    })

    expect(await stepUp(request(`Bearer ${await token('phrh')}`))).toBeUndefined()

    const forged = await stepUp(request('Bearer eyJhbGciOiJub25lIn0.e30.'))
    expect(forged?.status).toBe(401)
    expect(await forged?.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
  })
})
