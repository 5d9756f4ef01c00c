import type { StepUpEvent } from '@stepup/assurance'
import { authorizationDetailsDigest } from '@stepup/rar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BankApi } from '../src/index.ts'
import {
  ALL_SCOPES,
  epoch,
  mintConfirmedToken,
  mintToken,
  startTestApi,
  transferTo,
} from './tokens.ts'

const PAYEE = 'ACC-987654'
const OTHER_PAYEE = 'ACC-555123'

/** Flip the first character of a base64url value to another base64url character. */
const tamper = (digest: string) => `${digest[0] === 'A' ? 'B' : 'A'}${digest.slice(1)}`

describe.each(['express', 'fastify'] as const)('%s: dynamic linking', (framework) => {
  let api: BankApi
  let checking: string
  const events: StepUpEvent[] = []
  const transfer = transferTo(PAYEE, '10000.00')
  const details = transfer.authorization_details

  beforeAll(async () => {
    api = await startTestApi(framework, { onDecision: (event) => events.push(event) })
    const token = await mintToken({ scope: ALL_SCOPES })
    const accounts = await (
      await fetch(`${api.url}/accounts`, { headers: { authorization: `Bearer ${token}` } })
    ).json()
    checking = accounts.accounts[0].account_id
  })
  afterAll(() => api.close())

  const send = (token: string, body: unknown = transfer) =>
    fetch(`${api.url}/accounts/${checking}/transfers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  const balance = async (token: string) =>
    (
      await (
        await fetch(`${api.url}/accounts/${checking}/balance`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()
    ).balance

  /** The step-up challenge a refused bound transfer gets: the same as a weak token's. */
  async function expectStepUpAgain(response: Response): Promise<void> {
    expect(response.status).toBe(401)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="The authentication must confirm this transaction", acr_values="phrh", max_age="60"',
    )
    expect(await response.json()).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'The authentication must confirm this transaction',
      authorization_details: details,
    })
  }

  it('refuses a token whose digest was tampered with, and executes nothing', async () => {
    const token = await mintConfirmedToken(
      details,
      tamper(await authorizationDetailsDigest(details)),
    )
    const before = await balance(token)
    await expectStepUpAgain(await send(token))
    expect(await balance(token)).toBe(before)
    expect(events).toContainEqual(
      expect.objectContaining({
        ok: false,
        status: 401,
        error: 'insufficient_user_authentication',
        reason: 'authorization_details_digest_mismatch (rule transaction-binding)',
        fired: ['transfer-amount', 'transaction-binding'],
      }),
    )
  })

  it('refuses a token without a digest (details granted, never confirmed with a key)', async () => {
    const token = await mintConfirmedToken(details, null)
    const before = await balance(token)
    await expectStepUpAgain(await send(token))
    expect(await balance(token)).toBe(before)
  })

  it('refuses a token whose digest is of other details than it grants', async () => {
    const other = transferTo(OTHER_PAYEE, '10000.00').authorization_details
    const token = await mintConfirmedToken(details, await authorizationDetailsDigest(other))
    const before = await balance(token)
    await expectStepUpAgain(await send(token))
    expect(await balance(token)).toBe(before)
  })

  it('refuses a digest claim that is not a string', async () => {
    const token = await mintToken({
      scope: ALL_SCOPES,
      acr: 'phrh',
      auth_time: epoch() - 5,
      authorization_details: details,
      authorization_details_digest: 42,
    })
    await expectStepUpAgain(await send(token))
  })

  it('refuses a smaller amount than the one confirmed: the confirmation was of 15,000', async () => {
    const confirmed = transferTo(PAYEE, '15000.00').authorization_details
    const token = await mintConfirmedToken(confirmed, await authorizationDetailsDigest(confirmed))
    const smaller = transferTo(PAYEE, '12000.00')
    const before = await balance(token)
    const response = await send(token, smaller)
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'The authentication must confirm this transaction',
      authorization_details: smaller.authorization_details,
    })
    expect(await balance(token)).toBe(before)
  })

  it('executes the transfer whose digest is right, once', async () => {
    const token = await mintConfirmedToken(details, await authorizationDetailsDigest(details))
    const first = await send(token)
    expect(first.status).toBe(201)
    expect(await first.json()).toMatchObject({
      amount: '10000.00',
      destination_account: PAYEE,
      authorized_by: { acr: 'phrh', rules: ['transfer-amount', 'transaction-binding'] },
    })
    const replay = await send(token)
    expect(replay.status).toBe(403)
    expect(await replay.json()).toMatchObject({ error: 'insufficient_authorization_details' })
  })

  it('asks nothing of transfers below the binding threshold', async () => {
    const token = await mintToken({ scope: ALL_SCOPES, acr: 'phr', auth_time: epoch() - 5 })
    const response = await send(token, transferTo(PAYEE, '9999.99'))
    expect(response.status).toBe(201)
  })
})
