import { authorizationDetailsDigest } from '@stepup/rar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBankApi } from '../src/index.ts'
import {
  createSoftwareAuthenticator,
  type Stack,
  startStack,
  transferTo,
  UserAgent,
  WEB_ORIGIN,
} from './stack.ts'

const alice = { username: 'alice', password: 'wonderland' }
const PAYEE = 'ACC-987654'
const OTHER_PAYEE = 'ACC-555123'
const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) })

describe.each(['express', 'fastify'] as const)('bank API on %s with real tokens', (framework) => {
  let stack: Stack
  let agent: UserAgent
  let password: string
  let checking: string
  const authenticator = createSoftwareAuthenticator({ hardwareBound: true })

  beforeAll(async () => {
    stack = await startStack(framework)
    agent = new UserAgent()
    ;({ token: password } = await stack.token(agent, alice))
    const accounts = await (await stack.call('/accounts', password)).json()
    checking = accounts.accounts[0].account_id
    // A first key after a password-only sign-in needs the account's one-time enrolment code.
    await agent.registerSecurityKey(stack.as.issuer, authenticator, {
      enrolmentCode: stack.as.enrolmentCodes.get(alice.username)!.code,
    })
  })
  afterAll(() => stack.close())

  const stepUp = (params: Record<string, string>) =>
    stack.token(agent, { ...alice, authenticator }, params)

  it('serves its RFC 9728 metadata at the well-known path', async () => {
    const response = await fetch(`${stack.api.url}/.well-known/oauth-protected-resource`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      resource: stack.resource,
      authorization_servers: [stack.as.issuer],
      acr_values_supported: ['phr', 'phrh'],
      bearer_methods_supported: ['header'],
      authorization_details_types_supported: ['urn:bank:params:oauth:request:transaction'],
    })
  })

  it('answers a request without a token with a Bearer challenge pointing at the metadata', async () => {
    const response = await stack.call('/accounts', undefined)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
  })

  it('refuses a token it cannot verify with invalid_token', async () => {
    const response = await stack.call('/accounts', 'not.a.jwt')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('lists accounts and reads a balance with a password sign-in, nothing more asked', async () => {
    const accounts = await (await stack.call('/accounts', password)).json()
    expect(accounts.accounts).toHaveLength(2)
    const response = await stack.call(`/accounts/${checking}/balance`, password)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({
      account_id: checking,
      currency: 'USD',
      balance: expect.stringMatching(/^\d+\.\d{2}$/),
    })
  })

  it('answers 404 for an account that is not the customer’s', async () => {
    for (const path of ['/accounts/ACC-000000/balance', `/accounts/${PAYEE}/balance`]) {
      const response = await stack.call(path, password)
      expect(response.status).toBe(404)
      expect(await response.json()).toMatchObject({ error: 'unknown_account' })
    }
    const transfer = await stack.call(
      '/accounts/ACC-000000/transfers',
      password,
      json(transferTo(PAYEE, '5.00')),
    )
    expect(transfer.status).toBe(404)
  })

  it('lets a small transfer through on a password sign-in', async () => {
    const response = await stack.call(
      `/accounts/${checking}/transfers`,
      password,
      json(transferTo(PAYEE, '25.00')),
    )
    expect(response.status).toBe(201)
    expect(response.headers.get('location')).toMatch(`/accounts/${checking}/transfers/`)
    expect(await response.json()).toMatchObject({ amount: '25.00', status: 'completed' })
  })

  it('answers 400 with the RAR issues for a malformed transfer', async () => {
    const bad = {
      authorization_details: [
        {
          type: 'urn:bank:params:oauth:request:transaction',
          transaction: { amount: 'ten', currency: 'usd' },
        },
      ],
    }
    const response = await stack.call(`/accounts/${checking}/transfers`, password, json(bad))
    expect(response.status).toBe(400)
    const body = await response.json()
    expect(body.error).toBe('invalid_request')
    expect(body.issues.map((i: { path: string }) => i.path)).toEqual([
      'authorization_details[0].transaction.amount',
      'authorization_details[0].transaction.currency',
      'authorization_details[0].transaction.destination_account',
    ])
  })

  it('answers 400 for bodies that are not a single transfer', async () => {
    const cases: [string, string][] = [
      ['{not json', 'The request body must be a JSON object'],
      ['[]', 'The request body must be a JSON object'],
      [JSON.stringify({ authorization_details: [] }), 'The transfer is malformed'],
      [JSON.stringify({ ...transferTo(PAYEE, '1.00'), extra: 1 }), 'The transfer is malformed'],
      [JSON.stringify(transferTo(PAYEE, '1.001')), 'The transfer is malformed'],
      [JSON.stringify(transferTo(PAYEE, '0')), 'The transfer is malformed'],
      [JSON.stringify(transferTo(PAYEE, '1.00', 'EUR')), 'The transfer is malformed'],
      [JSON.stringify(transferTo(checking, '1.00')), 'The transfer is malformed'],
    ]
    for (const [body, description] of cases) {
      const response = await stack.call(`/accounts/${checking}/transfers`, password, {
        method: 'POST',
        body,
      })
      expect(response.status, body).toBe(400)
      expect(await response.json()).toMatchObject({ error_description: description })
    }
  })

  it('answers 404 for an unknown destination and 422 for insufficient funds, without a step-up', async () => {
    const unknown = await stack.call(
      `/accounts/${checking}/transfers`,
      password,
      json(transferTo('ACC-000001', '5.00')),
    )
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: 'unknown_account' })
    const poor = await stack.call(
      `/accounts/${checking}/transfers`,
      password,
      json(transferTo(PAYEE, '50000.00')),
    )
    expect(poor.status).toBe(422)
    expect(await poor.json()).toMatchObject({ error: 'insufficient_funds' })
  })

  it('asks for phr within 300 s from 1,000', async () => {
    const response = await stack.call(
      `/accounts/${checking}/transfers`,
      password,
      json(transferTo(PAYEE, '1000.00')),
    )
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="300"',
    )
  })

  it('asks for phrh within 60 s from 10,000, readable by the web client (CORS)', async () => {
    const response = await stack.call(`/accounts/${checking}/transfers`, password, {
      ...json(transferTo(PAYEE, '10000.00')),
      headers: { origin: WEB_ORIGIN },
    })
    expect(response.status).toBe(401)
    const challenge = response.headers.get('www-authenticate')
    expect(challenge).toContain('error="insufficient_user_authentication"')
    expect(challenge).toContain('acr_values="phrh", max_age="60"')
    expect(response.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN)
    expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate')
  })

  it('answers CORS preflights for the web client only', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.api.url}/accounts/${checking}/transfers`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      })
    const allowed = await preflight(WEB_ORIGIN)
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN)
    expect(allowed.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type')
    const other = await preflight('http://evil.example')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('lets the $10,000 transfer through once with a phrh token bound to it, then refuses the replay', async () => {
    const transfer = transferTo(PAYEE, '10000.00')
    const { token, claims } = await stepUp({
      acr_values: 'phrh',
      max_age: '60',
      authorization_details: JSON.stringify(transfer.authorization_details),
    })
    expect(claims).toMatchObject({
      acr: 'phrh',
      amr: expect.arrayContaining(['hwk']),
      authorization_details: transfer.authorization_details,
      // The key confirmed these details: the API recomputes this digest before executing.
      authorization_details_digest: await authorizationDetailsDigest(
        transfer.authorization_details,
      ),
    })
    const first = await stack.call(`/accounts/${checking}/transfers`, token, json(transfer))
    expect(first.status).toBe(201)
    expect(await first.json()).toMatchObject({
      amount: '10000.00',
      destination_account: PAYEE,
      authorized_by: { acr: 'phrh', rules: ['transfer-amount', 'transaction-binding'] },
    })
    const replay = await stack.call(`/accounts/${checking}/transfers`, token, json(transfer))
    expect(replay.status).toBe(403)
    expect(replay.headers.get('www-authenticate')).toContain(
      'error="insufficient_authorization_details"',
    )
    expect(await replay.json()).toMatchObject({
      error: 'insufficient_authorization_details',
      error_description: 'The authorization for this transaction has already been used',
    })

    // The same strong token does not cover another transfer; a mid-size one needs no binding.
    const other = await stack.call(
      `/accounts/${checking}/transfers`,
      token,
      json(transferTo(OTHER_PAYEE, '10000.00')),
    )
    expect(other.status).toBe(403)
    expect(await other.json()).toMatchObject({
      error: 'insufficient_authorization_details',
      authorization_details: transferTo(OTHER_PAYEE, '10000.00').authorization_details,
    })
    const midSize = await stack.call(
      `/accounts/${checking}/transfers`,
      token,
      json(transferTo(OTHER_PAYEE, '2000.00')),
    )
    expect(midSize.status).toBe(201)
  })

  it('refuses an expired step-up (auth_time older than max_age) with a fresh challenge', async () => {
    const transfer = transferTo(OTHER_PAYEE, '10000.00')
    const { token } = await stepUp({
      acr_values: 'phrh',
      max_age: '60',
      authorization_details: JSON.stringify(transfer.authorization_details),
    })
    const later = await createBankApi({
      framework,
      issuer: stack.as.issuer,
      resource: stack.resource,
      port: 0,
      now: () => Math.floor(Date.now() / 1000) + 120,
    })
    try {
      const accounts = await (
        await fetch(`${later.url}/accounts`, { headers: { authorization: `Bearer ${token}` } })
      ).json()
      const response = await fetch(
        `${later.url}/accounts/${accounts.accounts[0].account_id}/transfers`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(transfer),
        },
      )
      expect(response.status).toBe(401)
      const challenge = response.headers.get('www-authenticate')
      expect(challenge).toContain('error="insufficient_user_authentication"')
      expect(challenge).toContain('error_description="More recent authentication is required"')
      expect(challenge).toContain('max_age="60"')
    } finally {
      await later.close()
    }
  })

  it('changes the password within 5 minutes of sign-in, asks again after', async () => {
    const ok = await stack.call(
      '/me/password',
      password,
      json({ new_password: 'a much longer one' }),
    )
    expect(ok.status).toBe(204)
    const short = await stack.call('/me/password', password, json({ new_password: 'short' }))
    expect(short.status).toBe(400)
    expect(await short.json()).toMatchObject({ issues: [{ path: 'new_password' }] })
    const later = await createBankApi({
      framework,
      issuer: stack.as.issuer,
      resource: stack.resource,
      port: 0,
      now: () => Math.floor(Date.now() / 1000) + 400,
    })
    try {
      const stale = await fetch(`${later.url}/me/password`, {
        method: 'POST',
        headers: { authorization: `Bearer ${password}`, 'content-type': 'application/json' },
        body: JSON.stringify({ new_password: 'a much longer one' }),
      })
      expect(stale.status).toBe(401)
      const challenge = stale.headers.get('www-authenticate')
      expect(challenge).toContain('error="insufficient_user_authentication"')
      expect(challenge).toContain('max_age="300"')
      expect(challenge).not.toContain('acr_values')
    } finally {
      await later.close()
    }
  })

  it('answers unknown routes with 404 JSON', async () => {
    const response = await stack.call('/nope', password)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      error: 'not_found',
      error_description: 'No such route',
    })
  })
})
