import { parseWwwAuthenticate } from '@stepup/www-authenticate'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { POST } from '../app/api/transfers/route'
import { issuerKey, NOW } from './tokens'

let sign: Awaited<ReturnType<typeof issuerKey>>['sign']

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW * 1000)
  ;({ sign } = await issuerKey())
})
afterAll(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

/** What Next.js hands a route handler: a web `Request` (NextRequest is a subclass). */
const transfer = (token?: string) =>
  new Request('https://bank.example.com/api/transfers', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ amount: '250.00', to: 'DE02100100109307118603' }),
  })

describe('app/api/transfers/route.ts (POST)', () => {
  it('without a token: 401 with a bare challenge and no body (RFC 6750 §3.1)', async () => {
    const response = await POST(transfer())
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
    expect(await response.text()).toBe('')
  })

  it('a password-only token: 401 insufficient_user_authentication with acr_values and max_age (RFC 9470 §3)', async () => {
    const response = await POST(transfer(await sign({ acr: 'phr', scope: 'transfers' })))
    expect(response.status).toBe(401)
    const [challenge] = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
    expect(challenge).toMatchObject({
      scheme: 'bearer',
      params: {
        realm: 'bank',
        error: 'insufficient_user_authentication',
        acr_values: 'phrh',
        max_age: '300',
      },
    })
    expect(await response.json()).toMatchObject({ error: 'insufficient_user_authentication' })
  })

  it('a strong sign-in too long ago: 401 with max_age (RFC 9470 §3)', async () => {
    const token = await sign({ acr: 'phrh', scope: 'transfers', auth_time: NOW - 3600 })
    const response = await POST(transfer(token))
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('max_age="300"')
  })

  it('a strong, recent sign-in without the scope: 403 insufficient_scope (RFC 6750 §3.1)', async () => {
    const response = await POST(transfer(await sign({ acr: 'phrh', scope: 'accounts:read' })))
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
  })

  it('a strong, recent sign-in with the scope: the handler runs and reads the body', async () => {
    const response = await POST(transfer(await sign({ acr: 'phrh', scope: 'transfers' })))
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual({
      amount: '250.00',
      to: 'DE02100100109307118603',
      acr: 'phrh',
    })
  })
})
