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
const invalid = (message: string) =>
  expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message })

const TYPE = 'payment_initiation'
const PHR = { acr_values: ['phr'] }
const PHRH = { acr_values: ['phrh'] }
const twoSteps = (patch: Partial<Parameters<typeof amountThreshold>[0]> = {}) =>
  amountThreshold({
    type: TYPE,
    bind: false,
    thresholds: [
      { atLeast: '100', ...PHR },
      { atLeast: '1000', ...PHRH },
    ],
    ...patch,
  })
const amountOf = (detail: Omit<AuthorizationDetail, 'type'>) =>
  twoSteps().evaluate(ctx({ details: [{ type: TYPE, ...detail }] }))

describe('amountThreshold: where the default reader finds the amount', () => {
  it('reads instructedAmount.amount (RFC 9396 payment_initiation)', async () => {
    expect(await amountOf({ instructedAmount: { amount: '50' } })).toBeUndefined()
    expect(await amountOf({ instructedAmount: { amount: '150' } })).toEqual(PHR)
  })

  it('reads transaction.amount', async () => {
    expect(await amountOf({ transaction: { amount: '50' } })).toBeUndefined()
    expect(await amountOf({ transaction: { amount: '150' } })).toEqual(PHR)
  })

  it('reads a top-level amount', async () => {
    expect(await amountOf({ amount: '50' })).toBeUndefined()
    expect(await amountOf({ amount: '150' })).toEqual(PHR)
  })

  it('passes over an instructedAmount that is null to the next place', async () => {
    expect(await amountOf({ instructedAmount: null, transaction: { amount: '150' } })).toEqual(PHR)
  })
})

describe('amountThreshold: numbers and the highest step', () => {
  it('reads a non-negative finite number as its decimal value', async () => {
    expect(await amountOf({ amount: 0 })).toBeUndefined()
    expect(await amountOf({ amount: 50 })).toBeUndefined()
    expect(await amountOf({ amount: 150 })).toEqual(PHR)
  })

  it('counts an amount that is neither a decimal string nor a number, a BigInt too, as above every step', async () => {
    for (const value of [50n, { toString: () => '50' }]) {
      const rule = twoSteps({ amount: () => value })
      expect(await rule.evaluate(ctx({ details: [{ type: TYPE }] }))).toEqual(PHRH)
    }
  })

  it('takes the highest step reached whatever the order of the details', async () => {
    const details = [
      { type: TYPE, amount: '5000' },
      { type: TYPE, amount: '5' },
      { type: TYPE, amount: '150' },
    ]
    expect(await twoSteps().evaluate(ctx({ details }))).toEqual(PHRH)
  })
})

describe('amountThreshold: options are checked when it is built', () => {
  it('names what is missing without a type or a thresholds list', () => {
    const message = 'amountThreshold needs a type and at least one threshold'
    expect(() => amountThreshold({ type: 5, thresholds: [{ atLeast: '1' }] } as never)).toThrow(
      invalid(message),
    )
    expect(() => amountThreshold({ type: TYPE, thresholds: 'many' } as never)).toThrow(
      invalid(message),
    )
  })

  it('refuses an atLeast that is a number, naming the threshold', () => {
    expect(() => amountThreshold({ type: TYPE, thresholds: [{ atLeast: 1000 }] } as never)).toThrow(
      invalid('thresholds[0].atLeast must be a decimal string'),
    )
  })

  it('names the threshold of an invalid requirement value', () => {
    expect(() =>
      amountThreshold({
        type: TYPE,
        thresholds: [{ atLeast: '1' }, { atLeast: '2', max_age: -1 }],
      }),
    ).toThrow(invalid('amountThreshold: thresholds[1]: invalid option "max_age"'))
  })

  it('passes an unknown threshold key on as ERR_UNKNOWN_OPTION, suggesting atLeast', () => {
    expect(() =>
      amountThreshold({ type: TYPE, thresholds: [{ atLeast: '1', atleast: '2' }] } as never),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message:
          'amountThreshold: thresholds[0]: unknown option "atleast" (did you mean "atLeast"?)',
      }),
    )
  })

  it('refuses authorization_details in a threshold: the rule binds the request details itself', () => {
    expect(() =>
      amountThreshold({
        type: TYPE,
        thresholds: [{ atLeast: '1', authorization_details: [] }],
      } as never),
    ).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }))
  })

  it('accepts a custom amount reader and name', async () => {
    const rule = twoSteps({ amount: (d) => d['cents'], name: 'cents' })
    expect(rule.name).toBe('cents')
    expect(await rule.evaluate(ctx({ details: [{ type: TYPE, cents: '150' }] }))).toEqual(PHR)
  })
})

describe('newDevice, sessionOlderThan: options', () => {
  it('newDevice takes a requirement and a name', async () => {
    const rule = newDevice({ requirement: PHRH, name: 'device' })
    expect(rule.name).toBe('device')
    expect(await rule.evaluate(ctx({ signals: { newDevice: true } }))).toEqual(PHRH)
  })

  it('newDevice names itself when its requirement is invalid', () => {
    expect(() => newDevice({ requirement: { max_age: -1 } })).toThrow(
      invalid('newDevice: invalid option "max_age"'),
    )
  })

  it('keeps the requirement check’s own error as the cause', () => {
    expect(() => newDevice({ requirement: { max_age: -1 } })).toThrow(
      expect.objectContaining({
        cause: expect.objectContaining({
          code: 'ERR_INVALID_ARG_VALUE',
          message: 'invalid option "max_age"',
        }),
      }),
    )
  })

  it('sessionOlderThan takes a name and adds its requirement to max_age', async () => {
    const rule = sessionOlderThan(60, { name: 'stale', requirement: PHR })
    expect(rule.name).toBe('stale')
    expect(await rule.evaluate(ctx({ now: 1061 }))).toEqual({ ...PHR, max_age: 60 })
  })

  it('sessionOlderThan names what is invalid', () => {
    expect(() => sessionOlderThan(-1)).toThrow(invalid('invalid option "seconds"'))
    expect(() => sessionOlderThan(60, { requirement: { scope: ['a b'] } })).toThrow(
      invalid('sessionOlderThan: invalid option "scope"'),
    )
  })

  it('sessionOlderThan fires when auth_time is not a number', async () => {
    const rule = sessionOlderThan(100)
    const stringTime = { ...claims, auth_time: '1000' } as unknown as AccessTokenClaims
    expect(await rule.evaluate(ctx({ claims: stringTime }))).toEqual({ max_age: 100 })
  })
})

describe('destructiveMethod', () => {
  const at = (rule: ReturnType<typeof destructiveMethod>, method: string, url: string) =>
    rule.evaluate(ctx({ request: { method, url } }))

  it('fires for POST, PUT, PATCH and DELETE by default, not for GET', async () => {
    const rule = destructiveMethod({ path: '/accounts', requirement: PHR })
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(await at(rule, method, '/accounts/1'), method).toEqual(PHR)
    }
    expect(await at(rule, 'GET', '/accounts/1')).toBeUndefined()
  })

  it('reads a path with a trailing slash as the same prefix', async () => {
    const rule = destructiveMethod({ path: '/accounts/', requirement: PHR })
    expect(await at(rule, 'DELETE', '/accounts/1')).toEqual(PHR)
    expect(await at(rule, 'DELETE', '/accounts')).toEqual(PHR)
  })

  it('fires for a pattern only where the pattern matches', async () => {
    const rule = destructiveMethod({ path: /^\/users\/\d+$/, requirement: PHR })
    expect(await at(rule, 'DELETE', '/users/7')).toEqual(PHR)
    expect(await at(rule, 'DELETE', '/users/me')).toBeUndefined()
  })

  it('takes a name, and names itself when refusing a path or a requirement', () => {
    expect(destructiveMethod({ path: '/a', requirement: PHR, name: 'deletes' }).name).toBe(
      'deletes',
    )
    expect(() => destructiveMethod({ path: 'a', requirement: PHR })).toThrow(
      invalid('destructiveMethod: path must be a string starting with "/" or a RegExp'),
    )
    expect(() => destructiveMethod({ path: '/a', requirement: { acr_values: [] } })).toThrow(
      invalid('destructiveMethod: invalid option "acr_values"'),
    )
  })
})

describe('transactionBinding', () => {
  const detail = { type: TYPE, amount: '1' }

  it('is named transaction-binding and not single-use by default', async () => {
    const rule = transactionBinding()
    expect(rule.name).toBe('transaction-binding')
    expect(await rule.evaluate(ctx({ details: [detail] }))).toEqual({
      authorization_details: [detail],
      singleUse: false,
    })
  })

  it('takes a name', () => {
    expect(transactionBinding({ name: 'bind' }).name).toBe('bind')
  })

  it('refuses a request without details, naming the types it looked for', async () => {
    await expect((async () => transactionBinding().evaluate(ctx()))()).rejects.toMatchObject({
      name: 'InvalidRequestError',
      message: 'The request has no authorization_details',
    })
    const typed = transactionBinding({ types: ['a', 'b'] })
    await expect((async () => typed.evaluate(ctx({ details: [detail] })))()).rejects.toMatchObject({
      name: 'InvalidRequestError',
      message: 'The request has no authorization_details of type a or b',
    })
  })
})
