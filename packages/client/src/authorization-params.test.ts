import { describe, expect, it } from 'vitest'
import { buildStepUpAuthorizationParams } from './authorization-params.js'
import type { StepUpChallenge } from './challenge.js'

const raw = { scheme: 'bearer', params: {} }
const stepUp = (extra: object = {}) =>
  ({ kind: 'step_up', scheme: 'bearer', raw, ...extra }) as StepUpChallenge

describe('buildStepUpAuthorizationParams: caller mistakes are coded TypeErrors', () => {
  it.each([
    ['an unknown mode', stepUp(), { mode: 'both' }],
    ['an acr value with a space', stepUp({ acr_values: ['a b'] }), {}],
    ['an empty acr value', stepUp({ acr_values: [''] }), {}],
    ['a negative max_age', stepUp({ max_age: -1 }), {}],
    ['a fractional max_age', stepUp({ max_age: 1.5 }), {}],
    ['a currentScope token with a quote', stepUp(), { currentScope: ['a"b'] }],
    ['a currentScope with a tab', stepUp(), { currentScope: 'a\tb' }],
    [
      'authorizationDetails that is not an array',
      stepUp(),
      { authorizationDetails: { type: 'x' } },
    ],
    [
      'authorizationDetails without type',
      stepUp(),
      { authorizationDetails: [{ actions: ['read'] }] },
    ],
    ['a use_dpop_nonce challenge', { kind: 'use_dpop_nonce', scheme: 'dpop', nonce: 'n', raw }, {}],
    [
      'an insufficient_claims challenge without claims',
      { kind: 'insufficient_claims', scheme: 'bearer', raw },
      {},
    ],
    ['no challenge', undefined, {}],
  ])('%s', (_, challenge, options) => {
    expect(() =>
      buildStepUpAuthorizationParams(challenge as StepUpChallenge, options as never),
    ).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }))
  })
})

describe('buildStepUpAuthorizationParams: details', () => {
  it('an empty acr_values list adds nothing', () => {
    expect(buildStepUpAuthorizationParams(stepUp({ acr_values: [] }))).toStrictEqual({})
  })

  it('claims mode without acr_values sends no claims', () => {
    expect(
      buildStepUpAuthorizationParams(stepUp({ max_age: 9 }), { mode: 'claims' }),
    ).toStrictEqual({
      max_age: '9',
    })
  })

  it('currentScope alone is carried into scope, duplicates and extra spaces removed', () => {
    expect(
      buildStepUpAuthorizationParams(stepUp({ scope: ['b', 'c'] }), { currentScope: ' a  b a ' }),
    ).toStrictEqual({ scope: 'a b c' })
  })

  it('insufficient_scope without a scope and without currentScope adds nothing', () => {
    expect(
      buildStepUpAuthorizationParams({ kind: 'insufficient_scope', scheme: 'bearer', raw }),
    ).toStrictEqual({})
  })

  it('returns a fresh plain object each time', () => {
    const challenge = stepUp({ acr_values: ['x'] })
    const a = buildStepUpAuthorizationParams(challenge)
    const b = buildStepUpAuthorizationParams(challenge)
    expect(a).not.toBe(b)
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype)
  })
})

describe('buildStepUpAuthorizationParams: options', () => {
  it('refuses an unknown option key, naming the nearest known one', () => {
    expect(() => buildStepUpAuthorizationParams(stepUp(), { currentScopes: 'a' } as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_UNKNOWN_OPTION',
        message:
          'buildStepUpAuthorizationParams: unknown option "currentScopes" (did you mean "currentScope"?)',
      }),
    )
  })

  it('says which value is wrong', () => {
    expect(() => buildStepUpAuthorizationParams(stepUp(), { currentScope: ['ok', 'a"b'] })).toThrow(
      /currentScope holds "a\\"b", which is not a scope token/,
    )
    expect(() => buildStepUpAuthorizationParams(stepUp({ max_age: -1 }))).toThrow(
      /max_age -1 is not a non-negative integer \(RFC 9470 §3\)/,
    )
  })
})

describe('buildStepUpAuthorizationParams: claims mode (OIDC Core §5.5)', () => {
  it('adds openid to scope, since the claims parameter needs an OpenID request', () => {
    expect(
      buildStepUpAuthorizationParams(stepUp({ acr_values: ['gold'] }), {
        mode: 'claims',
        currentScope: 'accounts',
      }).scope,
    ).toBe('openid accounts')
  })

  it('keeps openid once when the client already holds it', () => {
    expect(
      buildStepUpAuthorizationParams(stepUp({ acr_values: ['gold'], scope: ['openid'] }), {
        mode: 'claims',
        currentScope: ['accounts', 'openid'],
      }).scope,
    ).toBe('accounts openid')
  })

  it('adds nothing when no claims parameter is sent', () => {
    expect(
      buildStepUpAuthorizationParams(stepUp({ max_age: 0 }), { mode: 'claims' }),
    ).toStrictEqual({ max_age: '0', prompt: 'login' })
  })
})

describe('buildStepUpAuthorizationParams: authorization_details (RFC 9396 §2, §3)', () => {
  const payment = { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5' } }
  const account = { type: 'account_information', actions: ['list_accounts'] }

  it('sends what the app asks first, then what the challenge names, each once', () => {
    const challenge = stepUp({
      acr_values: ['gold'],
      authorization_details: [
        { instructedAmount: { amount: '5', currency: 'EUR' }, type: 'payment_initiation' },
        account,
      ],
    })
    const params = buildStepUpAuthorizationParams(challenge, { authorizationDetails: [payment] })
    expect(JSON.parse(params.authorization_details ?? '')).toStrictEqual([payment, account])
  })

  it('answers insufficient_authorization_details with the details it names and the scope held', () => {
    const challenge = {
      kind: 'insufficient_authorization_details',
      scheme: 'bearer',
      raw,
      authorization_details: [payment],
    } as StepUpChallenge
    expect(
      buildStepUpAuthorizationParams(challenge, { currentScope: 'openid accounts' }),
    ).toStrictEqual({
      scope: 'openid accounts',
      authorization_details: JSON.stringify([payment]),
    })
  })

  it('sends no authorization_details for an empty list', () => {
    expect(buildStepUpAuthorizationParams(stepUp(), { authorizationDetails: [] })).toStrictEqual({})
  })

  const cyclic: Record<string, unknown> = { type: 'a' }
  cyclic.self = cyclic
  it.each([
    [
      'NaN',
      [{ type: 'a', x: Number.NaN }],
      /authorizationDetails\[0\]\.x is not a JSON value \(NaN\)/,
    ],
    ['undefined', [{ type: 'a', x: undefined }], /\[0\]\.x is not a JSON value \(undefined\)/],
    ['a Date', [{ type: 'a', at: new Date(0) }], /\[0\]\.at is not plain JSON data/],
    ['a __proto__ member', JSON.parse('[{"type":"a","__proto__":{}}]'), /"__proto__"/],
    [
      'a sparse array',
      [{ type: 'a', x: new Array(3).fill(1, 0, 1) }],
      /\[0\]\.x\[1\] is not a JSON value/,
    ],
    ['a cycle', [cyclic], /nested too deeply/],
    [
      'string privileges',
      [{ type: 'a', privileges: 'all' }],
      /\[0\]\.privileges must be an array of strings/,
    ],
  ])('refuses %s, saying where', (_, authorizationDetails, message) => {
    expect(() =>
      buildStepUpAuthorizationParams(stepUp(), {
        authorizationDetails: authorizationDetails as never,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringMatching(message),
      }),
    )
  })

  it('refuses invalid details on the challenge too', () => {
    expect(() =>
      buildStepUpAuthorizationParams(stepUp({ authorization_details: [{ type: '' }] })),
    ).toThrow(/challenge\.authorization_details\[0\]\.type must be a non-empty string/)
  })
})
