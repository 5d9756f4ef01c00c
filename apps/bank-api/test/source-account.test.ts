import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BankApi } from '../src/index.ts'
import { ALL_SCOPES, mintConfirmedToken, mintToken, startTestApi } from './tokens.ts'

const PAYEE = 'ACC-987654'

/** A transfer whose RFC 9396 §2.2 `identifier` names the account the money leaves. */
const transferFrom = (source: string, amount: string) => ({
  authorization_details: [
    {
      type: 'urn:bank:params:oauth:request:transaction',
      identifier: source,
      transaction: { amount, currency: 'USD', destination_account: PAYEE },
    },
  ],
})

describe.each(['express', 'fastify'] as const)(
  '%s: the source account in identifier',
  (framework) => {
    let api: BankApi
    let checking: string
    let savings: string

    beforeAll(async () => {
      api = await startTestApi(framework)
      const token = await mintToken({ scope: ALL_SCOPES })
      const { accounts } = await (
        await fetch(`${api.url}/accounts`, { headers: { authorization: `Bearer ${token}` } })
      ).json()
      checking = accounts[0].account_id
      savings = accounts[1].account_id
    })
    afterAll(() => api.close())

    const send = (token: string, account: string, body: unknown) =>
      fetch(`${api.url}/accounts/${account}/transfers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })

    it('refuses an identifier that is not the account in the path, before any step-up', async () => {
      const token = await mintToken({ scope: ALL_SCOPES })
      const response = await send(token, checking, transferFrom(savings, '50.00'))
      expect(response.status).toBe(400)
      expect((await response.json()).issues).toEqual([
        {
          path: 'authorization_details[0].identifier',
          message: `must be the account the transfer leaves (${checking})`,
        },
      ])
    })

    it('executes a bound transfer from the account its grant names, and only from it', async () => {
      const fromChecking = transferFrom(checking, '10000.00')
      // A grant for the same payee and amount from savings does not cover it.
      const savingsGrant = await mintConfirmedToken(
        transferFrom(savings, '10000.00').authorization_details,
      )
      const elsewhere = await send(savingsGrant, checking, fromChecking)
      expect(elsewhere.status).toBe(403)
      expect((await elsewhere.json()).error).toBe('insufficient_authorization_details')
      const token = await mintConfirmedToken(fromChecking.authorization_details)
      const paid = await send(token, checking, fromChecking)
      expect(paid.status).toBe(201)
      expect((await paid.json()).source_account).toBe(checking)
    })
  },
)
