import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { config, middleware } from '../middleware'
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

/** What Next.js hands middleware: a `NextRequest`, which is a web `Request` subclass. */
const adminRequest = (token?: string) =>
  new Request('https://bank.example.com/api/admin/users', {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })

describe('middleware.ts on /api/admin/:path*', () => {
  it('is mounted on the admin routes only', () => {
    expect(config.matcher).toEqual(['/api/admin/:path*'])
  })

  it('lets a strong sign-in from the last minute with the admin scope through (no response)', async () => {
    const token = await sign({ acr: 'phrh', scope: 'admin', auth_time: NOW - 30 })
    expect(await middleware(adminRequest(token))).toBeUndefined()
  })

  it('answers a sign-in older than a minute with the step-up challenge', async () => {
    const token = await sign({ acr: 'phrh', scope: 'admin', auth_time: NOW - 120 })
    const response = await middleware(adminRequest(token))
    expect(response?.status).toBe(401)
    expect(response?.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="More recent authentication is required", acr_values="phrh", max_age="60"',
    )
    expect(await response?.json()).toMatchObject({ error: 'insufficient_user_authentication' })
  })

  it('answers a request without a token with a bare challenge and an empty body', async () => {
    const response = await middleware(adminRequest())
    expect(response?.status).toBe(401)
    expect(response?.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
    expect(await response?.text()).toBe('')
  })

  it('refuses a token that does not verify: 401 invalid_token', async () => {
    const response = await middleware(adminRequest('not.a.token'))
    expect(response?.status).toBe(401)
    expect(response?.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })
})
