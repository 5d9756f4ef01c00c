import { describe, expect, it } from 'vitest'
import { createRiskPolicy, createStepUpGuard } from '../src/index.ts'

// An adapter whose verifier arrives later (Effect takes it from a layer per request) checks the
// rest of its options when it is called by building a guard with a placeholder verifier.
const verify = () => Promise.reject(new TypeError('no verifier'))

describe('createStepUpGuard: the option checks, run when it is called', () => {
  it('accepts a requirement or a policy, with a placeholder verifier', () => {
    expect(
      createStepUpGuard({
        verify,
        requirement: { acr_values: ['phrh'], max_age: 60 },
        realm: 'bank',
      }),
    ).toBeTypeOf('function')
    expect(
      createStepUpGuard({ verify, requirement: createRiskPolicy([]) }, 'requireAssurance'),
    ).toBeTypeOf('function')
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
    expect(() => createStepUpGuard({ verify, ...options } as never, 'requireAssurance')).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code,
        message: expect.stringContaining(message),
      }),
    )
  })
})
