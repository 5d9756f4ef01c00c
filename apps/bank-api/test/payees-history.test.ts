import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BankApi } from '../src/index.ts'
import { ALL_SCOPES, epoch, mintToken, startTestApi, transferTo } from './tokens.ts'

describe.each(['express', 'fastify'] as const)(
  '%s: payee book and transfer history',
  (framework) => {
    let api: BankApi
    let token: string
    let checking: string
    let savings: string

    beforeAll(async () => {
      api = await startTestApi(framework)
      token = await mintToken({ scope: ALL_SCOPES, acr: 'phr', auth_time: epoch() - 5 })
      const { accounts } = await (await get('/accounts', token)).json()
      ;[checking, savings] = accounts.map((a: { account_id: string }) => a.account_id)
    })
    afterAll(() => api.close())

    const get = (path: string, bearer?: string) =>
      fetch(`${api.url}${path}`, {
        headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
      })
    const post = (path: string, body: unknown) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })

    it('lists an account’s payees by name: the bank’s known payees, then the customer’s other accounts', async () => {
      const response = await get(`/accounts/${checking}/payees`, token)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({
        account_id: checking,
        payees: [
          { account_id: 'ACC-987654', name: 'Mad Hatter Tea Co.', own: false },
          { account_id: 'ACC-555123', name: 'White Rabbit Watches', own: false },
          { account_id: savings, name: 'Savings', own: true },
        ],
      })
      const fromSavings = await (await get(`/accounts/${savings}/payees`, token)).json()
      expect(fromSavings.payees.at(-1)).toEqual({
        account_id: checking,
        name: 'Checking',
        own: true,
      })
    })

    it('lists transfers newest first, with the payee’s name, amount and currency', async () => {
      const empty = await get(`/accounts/${checking}/transfers`, token)
      expect(empty.status).toBe(200)
      expect(await empty.json()).toEqual({ transfers: [] })
      expect(
        (await post(`/accounts/${checking}/transfers`, transferTo('ACC-987654', '5'))).status,
      ).toBe(201)
      expect(
        (await post(`/accounts/${checking}/transfers`, transferTo(savings, '1500.50'))).status,
      ).toBe(201)
      const { transfers } = await (await get(`/accounts/${checking}/transfers`, token)).json()
      expect(transfers).toEqual([
        {
          transfer_id: expect.any(String),
          source_account: checking,
          destination_account: savings,
          destination_name: 'Savings',
          amount: '1500.50',
          currency: 'USD',
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
        {
          transfer_id: expect.any(String),
          source_account: checking,
          destination_account: 'ACC-987654',
          destination_name: 'Mad Hatter Tea Co.',
          amount: '5.00',
          currency: 'USD',
          created_at: expect.any(String),
        },
      ])
      expect(transfers[0].created_at >= transfers[1].created_at).toBe(true)
    })

    it('shows another customer nothing: 404 for the account’s payees and history', async () => {
      const mallory = await mintToken({ scope: ALL_SCOPES }, 'customer-2')
      for (const path of [`/accounts/${checking}/payees`, `/accounts/${checking}/transfers`]) {
        const response = await get(path, mallory)
        expect(response.status).toBe(404)
        expect(await response.json()).toMatchObject({ error: 'unknown_account' })
      }
      expect((await get('/accounts/ACC-987654/payees', token)).status).toBe(404)
    })

    it('needs a token with accounts:read', async () => {
      expect((await get(`/accounts/${checking}/payees`)).status).toBe(401)
      const writeOnly = await mintToken({ scope: 'transfers:write' })
      for (const path of [`/accounts/${checking}/payees`, `/accounts/${checking}/transfers`]) {
        const response = await get(path, writeOnly)
        expect(response.status).toBe(403)
        expect(response.headers.get('www-authenticate')).toContain('scope="accounts:read"')
      }
    })
  },
)
