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
    expect(await rule.evaluate(ctx({ details: [payment('50000'), transfer('5')] }))).toBeUndefined()
    const out = await rule.evaluate(ctx({ details: [transfer('1500'), transfer('20000')] }))
    expect(out).toMatchObject({ acr_values: ['phrh'] })
  })

  it('binds every detail of its type once a threshold is reached, even those below it', async () => {
    const out = await rule.evaluate(ctx({ details: [transfer('5'), transfer('20000')] }))
    expect(out).toMatchObject({ authorization_details: [transfer('5'), transfer('20000')] })
  })

  it('denies a request without a detail of its type (400), unless optional', async () => {
    for (const details of [undefined, [], [payment('50000')]]) {
      await expect(
        (async () => rule.evaluate(ctx(details ? { details } : {})))(),
      ).rejects.toMatchObject({
        name: 'InvalidRequestError',
        error: 'invalid_request',
        status: 400,
        message:
          'The request has no authorization_details of type urn:bank:params:oauth:request:transaction',
      })
    }
    const optional = amountThreshold({
      type: 'urn:bank:params:oauth:request:transaction',
      optional: true,
      thresholds: [{ atLeast: '1', acr_values: ['phr'] }],
    })
    expect(await optional.evaluate(ctx())).toBeUndefined()
  })

  it('refuses unknown option and threshold keys, naming the nearest one', () => {
    const thresholds = [{ atLeast: '1', acr_values: ['phr'] }]
    expect(() =>
      amountThreshold({ type: 'x', thresholds, bnid: true } as unknown as Parameters<
        typeof amountThreshold
      >[0]),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'amountThreshold: unknown option "bnid" (did you mean "bind"?)',
      }),
    )
    expect(() =>
      amountThreshold({
        type: 'x',
        thresholds: [{ atLeast: '1', acr_value: ['phr'] }],
      } as unknown as Parameters<typeof amountThreshold>[0]),
    ).toThrow(
      'amountThreshold: thresholds[0]: unknown option "acr_value" (did you mean "acr_values"?)',
    )
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
    expect(await rule.evaluate(ctx({ signals: { newDevice: false } }))).toBeUndefined()
    // A signal the app did not wire (or misspelt) denies: the rule cannot tell.
    for (const signals of [undefined, {}, { newDevice: 'yes' }, { newdevice: true }]) {
      await expect((async () => rule.evaluate(ctx(signals ? { signals } : {})))()).rejects.toThrow(
        'newDevice: the signal "newDevice" must be true or false',
      )
    }
    expect(() => newDevice({ sigal: 'x' } as never)).toThrow(
      'newDevice: unknown option "sigal" (did you mean "signal"?)',
    )
    expect(() => sessionOlderThan(60, { nmae: 'x' } as never)).toThrow(
      'sessionOlderThan: unknown option "nmae" (did you mean "name"?)',
    )
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

  it('destructiveMethod fires for every spelling a router may accept', async () => {
    const rule = destructiveMethod({ path: '/admin', requirement: { acr_values: ['phrh'] } })
    const at = (url: string, path?: string) =>
      rule.evaluate(ctx({ request: { method: 'DELETE', url, ...(path && { path }) } }))
    for (const url of [
      '/Admin/users/1',
      '//admin/users/1',
      '/admin/./users/1',
      '/x/../admin/users/1',
      '/%61dmin/users/1',
      '/ADMIN',
      'http://api.example.com//admin/users/1',
    ]) {
      expect(await at(url), url).toEqual({ acr_values: ['phrh'] })
    }
    expect(await at('/administrator')).toBeUndefined()
    // The guard's normalised path wins over the raw target.
    expect(await at('/elsewhere', '/admin/users/1')).toEqual({ acr_values: ['phrh'] })
    await expect((async () => at('/admin%zz/users'))()).rejects.toMatchObject({
      name: 'InvalidRequestError',
      message: 'The request target is malformed',
    })
    expect(() => destructiveMethod({ path: 'admin', requirement: {} })).toThrow(TypeError)
    expect(() =>
      destructiveMethod({
        path: '/admin',
        requirement: { acr_values: ['phr'] },
        method: ['DELETE'],
      } as never),
    ).toThrow('destructiveMethod: unknown option "method" (did you mean "methods"?)')
  })

  it('transactionBinding requires the request details, optionally single-use', async () => {
    const rule = transactionBinding({ types: ['payment_initiation'], singleUse: true })
    expect(await rule.evaluate(ctx({ details: [payment('1'), transfer('2')] }))).toEqual({
      authorization_details: [payment('1')],
      singleUse: true,
    })
    await expect((async () => rule.evaluate(ctx({ details: [transfer('2')] })))()).rejects.toThrow(
      'The request has no authorization_details of type payment_initiation',
    )
    const optional = transactionBinding({ types: ['payment_initiation'], optional: true })
    expect(await optional.evaluate(ctx({ details: [transfer('2')] }))).toBeUndefined()
    expect(() => transactionBinding({ single_use: true } as never)).toThrow(
      'transactionBinding: unknown option "single_use" (did you mean "singleUse"?)',
    )
  })
})
