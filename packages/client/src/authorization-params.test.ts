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
