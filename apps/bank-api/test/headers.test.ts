import type { ConsumedGrantStore } from '@stepup/assurance'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BankApi, createBankApi } from '../src/index.ts'
import { ALL_SCOPES, epoch, mintToken, startTestApi, TEST_RESOURCE, transferTo } from './tokens.ts'

const CSP = "default-src 'none';frame-ancestors 'none'"

/** What every answer of the API carries, whatever its status. */
function expectHeaders(response: Response, status: number): void {
  expect(response.status).toBe(status)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(response.headers.get('content-security-policy')).toBe(CSP)
  expect(response.headers.get('x-frame-options')).toBe('DENY')
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
}

describe.each(['express', 'fastify'] as const)('%s: headers on every answer', (framework) => {
  let api: BankApi
  let token: string
  let checking: string
  const failing: ConsumedGrantStore = {
    add: () => Promise.reject(new Error('store down')),
  } as unknown as ConsumedGrantStore

  beforeAll(async () => {
    api = await startTestApi(framework, {
      grants: failing,
      changePassword: () => Promise.reject(new Error('credential store down')),
    })
    token = await mintToken({ scope: ALL_SCOPES, acr: 'phrh', auth_time: epoch() - 5 })
    const accounts = await (
      await fetch(`${api.url}/accounts`, { headers: { authorization: `Bearer ${token}` } })
    ).json()
    checking = accounts.accounts[0].account_id
  })
  afterAll(() => api.close())

  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${api.url}${path}`, {
      ...init,
      headers: {
        ...(init.token && { authorization: `Bearer ${init.token}` }),
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
        ...(init.headers as Record<string, string>),
      },
    })

  it('200: a read, and the RFC 9728 metadata', async () => {
    expectHeaders(await call('/accounts', { token }), 200)
    expectHeaders(await fetch(`${api.url}/.well-known/oauth-protected-resource`), 200)
  })

  it('201: a transfer', async () => {
    const response = await call(`/accounts/${checking}/transfers`, {
      token,
      method: 'POST',
      body: JSON.stringify(transferTo('ACC-987654', '5.00')),
    })
    expectHeaders(response, 201)
  })

  it('204: a CORS preflight', async () => {
    const response = await call('/accounts', {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' },
    })
    expectHeaders(response, 204)
  })

  it('400: a body that is not JSON, and a path that is not valid percent-encoding', async () => {
    const body = await call(`/accounts/${checking}/transfers`, {
      token,
      method: 'POST',
      body: '{not json',
    })
    expectHeaders(body, 400)
    expectHeaders(await call('/accounts/%E0%A4%A/balance', { token }), 400)
  })

  it('401 from the guard: no token, and a step-up challenge', async () => {
    const none = await call('/accounts')
    expectHeaders(none, 401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
    const weak = await mintToken({
      scope: ALL_SCOPES,
      acr: 'urn:stepup:acr:pwd',
      auth_time: epoch(),
    })
    const challenge = await call(`/accounts/${checking}/transfers`, {
      token: weak,
      method: 'POST',
      body: JSON.stringify(transferTo('ACC-987654', '1000.00')),
    })
    expectHeaders(challenge, 401)
    expect(challenge.headers.get('www-authenticate')).toContain(
      'error="insufficient_user_authentication"',
    )
  })

  it('403 from the guard: a token without the scope', async () => {
    const readOnly = await mintToken({ scope: 'accounts:read', auth_time: epoch() })
    const response = await call('/me/password', {
      token: readOnly,
      method: 'POST',
      body: JSON.stringify({ new_password: 'a much longer one' }),
    })
    expectHeaders(response, 403)
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
  })

  it('404: an unknown route, and an account that is not the customer’s', async () => {
    expectHeaders(await call('/nope', { token }), 404)
    expectHeaders(await call('/accounts/ACC-000000/balance', { token }), 404)
  })

  it('413: a body over 16 KiB', async () => {
    const response = await call(`/accounts/${checking}/transfers`, {
      token,
      method: 'POST',
      body: JSON.stringify({ padding: 'x'.repeat(20_000) }),
    })
    expectHeaders(response, 413)
  })

  it('415: a body the API cannot read', async () => {
    // Fastify refuses a media type it has no parser for; Express's body parser an encoding.
    const response = await call(`/accounts/${checking}/transfers`, {
      token,
      method: 'POST',
      body: 'amount=5',
      headers:
        framework === 'fastify'
          ? { 'content-type': 'application/xml' }
          : { 'content-type': 'application/json', 'content-encoding': 'x-unknown' },
    })
    expectHeaders(response, 415)
  })

  it('500: a server fault', async () => {
    const response = await call('/me/password', {
      token,
      method: 'POST',
      body: JSON.stringify({ new_password: 'a much longer one' }),
    })
    expectHeaders(response, 500)
  })

  it('503 from the guard: the single-use grant store is down', async () => {
    const transfer = transferTo('ACC-987654', '10000.00')
    const bound = await mintToken({
      scope: ALL_SCOPES,
      acr: 'phrh',
      auth_time: epoch(),
      ...transfer,
    })
    const response = await call(`/accounts/${checking}/transfers`, {
      token: bound,
      method: 'POST',
      body: JSON.stringify(transfer),
    })
    expectHeaders(response, 503)
  })

  it('503 while the issuer’s key set is not known yet', async () => {
    const starting = await createBankApi({
      framework,
      issuer: 'http://127.0.0.1:1',
      resource: TEST_RESOURCE,
      discovery: { initialDelay: 60_000, maxDelay: 60_000, timeout: 200 },
    })
    try {
      const response = await fetch(`${starting.url}/accounts`)
      expectHeaders(response, 503)
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
    } finally {
      await starting.close()
    }
  })
})
