import { describe, expect, it } from 'vitest'
import { checkStepUpOptions, createRiskPolicy, createStepUpGuard } from '../src/index.ts'

const verify = () => Promise.reject(new TypeError('not called'))

// The same checks two ways: createStepUpGuard runs them when it is called, and checkStepUpOptions
// runs them without a guard, for an adapter whose verifier arrives later (Effect's layers).
const WAYS = [
  [
    'createStepUpGuard',
    (options: object) => createStepUpGuard({ verify, ...options } as never, 'requireAssurance'),
  ],
  [
    'checkStepUpOptions',
    (options: object) => checkStepUpOptions(options as never, 'requireAssurance'),
  ],
] as const

describe.each(WAYS)('%s: the guard option checks', (_, check) => {
  it('accepts a requirement object or a policy made by createRiskPolicy', () => {
    expect(() =>
      check({ requirement: { acr_values: ['phrh'], max_age: 60 }, realm: 'bank' }),
    ).not.toThrow()
    expect(() => check({ requirement: createRiskPolicy([]) })).not.toThrow()
  })

  it.each([
    [{ relam: 'bank' }, 'ERR_UNKNOWN_OPTION', 'requireAssurance: unknown option "relam"'],
    [{ policy: {} }, 'ERR_UNKNOWN_OPTION', 'did you mean "requirement"?'],
    [{ requirement: { max_age: -1 } }, 'ERR_INVALID_ARG_VALUE', 'max_age'],
    [{ requirement: { decide: async () => ({}) } }, 'ERR_UNKNOWN_OPTION', 'decide'],
    [{ bodyLimit: 1.5 }, 'ERR_INVALID_ARG_VALUE', 'bodyLimit must be a non-negative integer'],
    [{ dpop: { algs: ['ES256'], nonce: true } }, 'ERR_UNKNOWN_OPTION', 'dpop: unknown option'],
    [{ realm: 'a\nb' }, 'ERR_INVALID_ARG_VALUE', 'realm'],
  ])('refuses %j', (options, code, message) => {
    expect(() => check(options)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code,
        message: expect.stringContaining(message),
      }),
    )
  })
})

it('checkStepUpOptions needs no verifier; the guard does', () => {
  expect(checkStepUpOptions({ requirement: { acr_values: ['phr'] } })).toBeUndefined()
  expect(() => checkStepUpOptions({ relam: 'bank' } as never)).toThrow(
    'createStepUpGuard: unknown option "relam"',
  )
  expect(
    checkStepUpOptions({ realm: 'bank', passErrors: true } as never, 'stepUp', ['passErrors']),
  ).toBeUndefined()
  expect(() => createStepUpGuard({ requirement: { acr_values: ['phr'] } } as never)).toThrow(
    expect.objectContaining({ name: 'TypeError' }),
  )
})
