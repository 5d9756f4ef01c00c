import type { AuthorizationDetail } from '@stepup/rar'
import { describe, expect, it } from 'vitest'
import type { AccessTokenClaims } from './claims.js'
import type { RiskContext } from './risk-policy.js'
import {
  amountThreshold,
  destructiveMethod,
  newDevice,
  sessionOlderThan,
  transactionBinding,
} from './risk-rules.js'

const claims: AccessTokenClaims = { scopes: [], raw: {}, auth_time: 1000 }
const ctx = (patch: Partial<RiskContext> = {}): RiskContext => ({
  claims,
  request: { method: 'POST', url: '/transfers' },
  now: 1100,
  ...patch,
})
const transfer = (amount: unknown): AuthorizationDetail => ({
  type: 'urn:bank:params:oauth:request:transaction',
  transaction: { amount, currency: 'EUR', destination_account: 'DE02' },
})
const payment = (amount: string): AuthorizationDetail => ({
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount },
})

describe('amountThreshold', () => {
  const rule = amountThreshold({
    type: 'urn:bank:params:oauth:request:transaction',
    thresholds: [
      { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
      { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
    ],
  })
  const cases: { amount: unknown; expected: object | undefined }[] = [
    { amount: '999.99', expected: undefined },
    { amount: '1000', expected: { acr_values: ['phr'], max_age: 300 } },
    { amount: '9999.99', expected: { acr_values: ['phr'], max_age: 300 } },
    { amount: '10000.00', expected: { acr_values: ['phrh'], max_age: 60, singleUse: true } },
    { amount: 25000, expected: { acr_values: ['phrh'], max_age: 60, singleUse: true } },
    { amount: 'ten thousand', expected: { acr_values: ['phrh'], max_age: 60, singleUse: true } },
    { amount: '-5', expected: { acr_values: ['phrh'], max_age: 60, singleUse: true } },
    { amount: undefined, expected: { acr_values: ['phrh'], max_age: 60, singleUse: true } },
  ]
  it.each(cases)('amount $amount', async ({ amount, expected }) => {
    const out = await rule.evaluate(ctx({ details: [transfer(amount)] }))
    expect(out).toEqual(expected && { ...expected, authorization_details: [transfer(amount)] })
  })

  it('ignores other types and takes the highest threshold over several details', async () => {
    expect(await rule.evaluate(ctx({ details: [payment('50000')] }))).toBeUndefined()
    expect(await rule.evaluate(ctx())).toBeUndefined()
    const out = await rule.evaluate(ctx({ details: [transfer('1500'), transfer('20000')] }))
    expect(out).toMatchObject({ acr_values: ['phrh'] })
  })

  it('reads RFC 9396 instructedAmount by default and binds only when asked', async () => {
    const pay = amountThreshold({
      type: 'payment_initiation',
      bind: false,
      thresholds: [{ atLeast: '100', acr_values: ['phr'] }],
    })
    expect(await pay.evaluate(ctx({ details: [payment('123.50')] }))).toEqual({
      acr_values: ['phr'],
    })
    expect(pay.name).toBe('amount:payment_initiation')
  })

  it('refuses bad thresholds at creation', () => {
    expect(() => amountThreshold({ type: 'x', thresholds: [] })).toThrow(TypeError)
    expect(() => amountThreshold({ type: 'x', thresholds: [{ atLeast: '1e3' }] })).toThrow(
      TypeError,
    )
    expect(() =>
      amountThreshold({ type: 'x', thresholds: [{ atLeast: '1', max_age: -1 }] }),
    ).toThrow(TypeError)
  })
})

describe('other rule helpers', () => {
  it('newDevice fires on the signal only', async () => {
    const rule = newDevice()
    expect(await rule.evaluate(ctx({ signals: { newDevice: true } }))).toEqual({
      acr_values: ['mod-mf'],
    })
    expect(await rule.evaluate(ctx({ signals: { newDevice: 'yes' } }))).toBeUndefined()
    expect(await rule.evaluate(ctx())).toBeUndefined()
  })

  it('sessionOlderThan fires when auth_time is older or unknown', async () => {
    const rule = sessionOlderThan(100)
    expect(await rule.evaluate(ctx())).toBeUndefined()
    expect(await rule.evaluate(ctx({ now: 1101 }))).toEqual({ max_age: 100 })
    expect(await rule.evaluate(ctx({ claims: { scopes: [], raw: {} } }))).toEqual({ max_age: 100 })
    expect(() => sessionOlderThan(-1)).toThrow(TypeError)
  })

  it('destructiveMethod matches unsafe methods on a path prefix or pattern', async () => {
    const rule = destructiveMethod({ path: '/accounts', requirement: { acr_values: ['phr'] } })
    const at = (method: string, url: string) => rule.evaluate(ctx({ request: { method, url } }))
    expect(await at('DELETE', '/accounts/42')).toEqual({ acr_values: ['phr'] })
    expect(await at('post', 'https://api.example.com/accounts?x=1')).toEqual({
      acr_values: ['phr'],
    })
    expect(await at('GET', '/accounts/42')).toBeUndefined()
    expect(await at('DELETE', '/accountsX')).toBeUndefined()
    const pattern = destructiveMethod({
      methods: ['DELETE'],
      path: /^\/users\/\d+$/g,
      requirement: { max_age: 0 },
    })
    for (let i = 0; i < 2; i++) {
      expect(
        await pattern.evaluate(ctx({ request: { method: 'DELETE', url: '/users/7' } })),
      ).toEqual({ max_age: 0 })
    }
  })

  it('transactionBinding requires the request details, optionally single-use', async () => {
    const rule = transactionBinding({ types: ['payment_initiation'], singleUse: true })
    expect(await rule.evaluate(ctx({ details: [payment('1'), transfer('2')] }))).toEqual({
      authorization_details: [payment('1')],
      singleUse: true,
    })
    expect(await rule.evaluate(ctx({ details: [transfer('2')] }))).toBeUndefined()
  })
})
