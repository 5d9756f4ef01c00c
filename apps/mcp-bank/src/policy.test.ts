import { InvalidRequestError, parseAccessTokenClaims, type RiskContext } from '@stepup/assurance'
import { describe, expect, it } from 'vitest'
import {
  createMcpBankPolicy,
  INVALID_MESSAGE,
  MCP_MESSAGE_SIGNAL,
  type McpMessage,
  readMcpMessage,
} from './policy.ts'
import { TRANSFER_TYPE } from './tools.ts'

const NOW = 1_800_000_000
const JSON_TYPE = 'application/json'
const PAYEE = 'ACC-987654'

const transfer = (amount: string) => ({ amount, currency: 'USD', destination_account: PAYEE })
const detail = (amount: string) => ({ type: TRANSFER_TYPE, transaction: transfer(amount) })
const call = (name: string, args: unknown): McpMessage => ({
  kind: 'tool_call',
  name,
  arguments: args,
})

const claims = (extra: Record<string, unknown> = {}) =>
  parseAccessTokenClaims({
    iss: 'http://localhost:3000',
    sub: 'alice',
    jti: `jti-${Math.random()}`,
    exp: NOW + 900,
    scope: 'accounts:read transfers:write',
    acr: 'urn:stepup:acr:pwd',
    auth_time: NOW - 30,
    ...extra,
  })

const context = (message: McpMessage, token = claims()): RiskContext => ({
  claims: token,
  request: { method: 'POST', url: '/mcp', path: '/mcp' },
  signals: { [MCP_MESSAGE_SIGNAL]: message },
  now: NOW,
})

describe('readMcpMessage', () => {
  const body = (method: string, params?: unknown) => ({ jsonrpc: '2.0', id: 3, method, params })

  it('reads a tools/call: its tool and arguments', () => {
    expect(
      readMcpMessage(
        'POST',
        JSON_TYPE,
        body('tools/call', { name: 'transfer_funds', arguments: transfer('5') }),
      ),
    ).toEqual(call('transfer_funds', transfer('5')))
  })

  it('a tools/call without arguments has none (MCP CallToolRequest)', () => {
    expect(
      readMcpMessage('POST', 'application/json; charset=utf-8', body('tools/call', { name: 'x' })),
    ).toEqual(call('x', {}))
  })

  it('any other message, and a request that is not a POST, is "other"', () => {
    expect(readMcpMessage('POST', JSON_TYPE, body('tools/list'))).toEqual({ kind: 'other' })
    expect(
      readMcpMessage('POST', JSON_TYPE, { jsonrpc: '2.0', method: 'notifications/initialized' }),
    ).toEqual({ kind: 'other' })
    expect(readMcpMessage('GET', undefined, undefined)).toEqual({ kind: 'other' })
  })

  it.each([
    ['no body', JSON_TYPE, undefined],
    ['a batch', JSON_TYPE, [body('tools/call', { name: 'transfer_funds' })]],
    ['a form', 'application/x-www-form-urlencoded', { jsonrpc: '2.0', method: 'tools/call' }],
    ['no content type', undefined, body('tools/list')],
    ['not JSON-RPC 2.0', JSON_TYPE, { jsonrpc: '1.0', method: 'tools/call' }],
  ])('refuses a POST whose body is not one JSON-RPC message: %s', (_, type, value) => {
    expect(() => readMcpMessage('POST', type, value)).toThrow(
      new InvalidRequestError(INVALID_MESSAGE.notJsonRpc),
    )
  })

  it.each([
    ['no params', undefined],
    ['a name that is not a string', { name: 7 }],
    ['arguments that are a list', { name: 'transfer_funds', arguments: [transfer('5')] }],
    ['arguments that are a string', { name: 'transfer_funds', arguments: '{}' }],
  ])('refuses a tools/call with %s', (_, params) => {
    expect(() => readMcpMessage('POST', JSON_TYPE, body('tools/call', params))).toThrow(
      new InvalidRequestError(INVALID_MESSAGE.toolCall),
    )
  })
})

describe('createMcpBankPolicy', () => {
  it('messages other than tool calls, and tools without a scope, need a valid token only', async () => {
    const { policy } = createMcpBankPolicy()
    const token = claims({ scope: '' })
    for (const message of [{ kind: 'other' } as const, call('no_such_tool', {})]) {
      const { result, fired } = await policy.decide(context(message, token))
      expect(result.ok).toBe(true)
      expect(fired).toEqual([])
    }
  })

  it('get_balance needs accounts:read: 403 insufficient_scope otherwise', async () => {
    const { policy } = createMcpBankPolicy()
    expect((await policy.decide(context(call('get_balance', {})))).result.ok).toBe(true)
    const { result } = await policy.decide(context(call('get_balance', {}), claims({ scope: '' })))
    expect(result).toMatchObject({
      ok: false,
      status: 403,
      challenge: { error: 'insufficient_scope', scope: ['accounts:read'] },
    })
  })

  it("the scope challenge lists this resource's scopes the token holds with the one missing, never foreign ones", async () => {
    const { policy } = createMcpBankPolicy()
    const token = claims({ scope: 'openid profile accounts:read' })
    const { result } = await policy.decide(context(call('transfer_funds', transfer('5')), token))
    expect(result).toMatchObject({
      ok: false,
      status: 403,
      challenge: { error: 'insufficient_scope', scope: ['accounts:read', 'transfers:write'] },
    })
  })

  it('a transfer under 1,000 needs the scope only', async () => {
    const { policy } = createMcpBankPolicy()
    const { result, fired } = await policy.decide(
      context(call('transfer_funds', transfer('999.99'))),
    )
    expect(result.ok).toBe(true)
    expect(fired).toEqual(['tool-scope'])
  })

  it('from 1,000: phr within 300 s, and no authorization details are asked for', async () => {
    const { policy } = createMcpBankPolicy()
    const message = call('transfer_funds', transfer('1000'))
    const { result } = await policy.decide(context(message))
    expect(result).toMatchObject({
      ok: false,
      status: 401,
      challenge: { error: 'insufficient_user_authentication', acr_values: ['phr'], max_age: 300 },
    })
    expect(result).not.toHaveProperty('challenge.authorization_details')
    const phr = claims({ acr: 'phr', auth_time: NOW - 300 })
    expect((await policy.decide(context(message, phr))).result.ok).toBe(true)
    const stale = claims({ acr: 'phr', auth_time: NOW - 301 })
    expect((await policy.decide(context(message, stale))).result.ok).toBe(false)
  })

  it('from 10,000: phrh within 60 s and the transfer as authorization details, derived from the tool arguments', async () => {
    const { policy } = createMcpBankPolicy()
    const { result, fired } = await policy.decide(
      context(call('transfer_funds', transfer('10000.00'))),
    )
    expect(fired).toEqual(['tool-scope', 'transfer-amount', 'transaction-binding'])
    expect(result).toMatchObject({
      ok: false,
      status: 401,
      challenge: {
        error: 'insufficient_user_authentication',
        acr_values: ['phrh'],
        max_age: 60,
        authorization_details: [detail('10000.00')],
      },
    })
  })

  it('details put in the context by anything but the arguments are not what is priced', async () => {
    const { policy } = createMcpBankPolicy()
    const message = call('transfer_funds', transfer('10000.00'))
    const { result } = await policy.decide({ ...context(message), details: [detail('1')] })
    expect(result).toMatchObject({
      ok: false,
      challenge: { authorization_details: [detail('10000.00')] },
    })
  })

  it('a phrh token granted the transfer pays for it once; a second call is insufficient_authorization_details', async () => {
    const { policy } = createMcpBankPolicy()
    const token = claims({
      acr: 'phrh',
      auth_time: NOW - 60,
      authorization_details: [detail('10000.00')],
    })
    const message = call('transfer_funds', transfer('10000.00'))
    expect((await policy.decide(context(message, token))).result.ok).toBe(true)
    const { result } = await policy.decide(context(message, token))
    expect(result).toMatchObject({
      ok: false,
      status: 403,
      challenge: {
        error: 'insufficient_authorization_details',
        error_description: 'The authorization for this transaction has already been used',
      },
    })
  })

  it('a grant for another destination or a smaller amount does not cover the transfer', async () => {
    const { policy } = createMcpBankPolicy()
    const message = call('transfer_funds', transfer('10000.00'))
    for (const granted of [
      {
        ...detail('10000.00'),
        transaction: { ...transfer('10000.00'), destination_account: 'ACC-555123' },
      },
      detail('9999.99'),
    ]) {
      const token = claims({ acr: 'phrh', auth_time: NOW, authorization_details: [granted] })
      const { result } = await policy.decide(context(message, token))
      expect(result).toMatchObject({
        ok: false,
        status: 403,
        challenge: { error: 'insufficient_authorization_details' },
      })
    }
  })

  it.each([
    ['a numeric amount', { ...transfer('5'), amount: 5 }],
    ['a negative amount', transfer('-5')],
    ['a zero amount', transfer('0.00')],
    ['three decimals', transfer('5.001')],
    ['another currency', { ...transfer('5'), currency: 'EUR' }],
    ['an unknown member', { ...transfer('5'), memo: 'rent' }],
    ['no destination', { amount: '5', currency: 'USD' }],
  ])(
    'transfer arguments the tool would refuse are refused before any step-up: %s',
    async (_, args) => {
      const { policy } = createMcpBankPolicy()
      await expect(policy.decide(context(call('transfer_funds', args)))).rejects.toThrow(
        new InvalidRequestError(INVALID_MESSAGE.transfer),
      )
    },
  )

  it('without the message signal the decision fails (the guard answers 503), never passes', async () => {
    const { policy } = createMcpBankPolicy()
    const bare: RiskContext = { claims: claims(), request: { method: 'POST', url: '/mcp' } }
    await expect(policy.decide(bare)).rejects.toThrow(/"mcpMessage" signal is missing/)
  })
})
