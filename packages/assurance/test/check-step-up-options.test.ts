import { describe, expect, it } from 'vitest'
import { checkStepUpOptions, createRiskPolicy } from '../src/index.ts'

describe('checkStepUpOptions: the guard checks without a guard', () => {
  it('accepts options without a verifier', () => {
    expect(
      checkStepUpOptions({ requirement: { acr_values: ['phrh'], max_age: 60 }, realm: 'bank' }),
    ).toBeUndefined()
    expect(checkStepUpOptions({ requirement: createRiskPolicy([]) }, 'requireAssurance')).toBe(
      undefined,
    )
  })

  it.each([
    [{ relam: 'bank' }, 'ERR_UNKNOWN_OPTION', 'requireAssurance: unknown option "relam"'],
    [{ policy: {} }, 'ERR_UNKNOWN_OPTION', 'did you mean "requirement"?'],
    [{ requirement: { max_age: -1 } }, 'ERR_INVALID_ARG_VALUE', 'max_age'],
    [{ bodyLimit: 1.5 }, 'ERR_INVALID_ARG_VALUE', 'bodyLimit must be a non-negative integer'],
    [{ dpop: { algs: ['ES256'], nonce: true } }, 'ERR_UNKNOWN_OPTION', 'dpop: unknown option'],
    [{ realm: 'a\nb' }, 'ERR_INVALID_ARG_VALUE', 'realm'],
  ])('refuses %j as the guard would', (options, code, message) => {
    expect(() => checkStepUpOptions(options as never, 'requireAssurance')).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code,
        message: expect.stringContaining(message),
      }),
    )
  })
})
