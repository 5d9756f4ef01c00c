import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, parseLimitsEnv, resolveLimits } from './limits.ts'

describe('parseLimitsEnv', () => {
  it('keeps today’s limits when nothing is set (or set empty)', () => {
    expect(parseLimitsEnv({})).toEqual({
      phrFrom: '1000',
      phrMaxAge: 300,
      phrhFrom: '10000',
      phrhMaxAge: 60,
      bindingFrom: '10000',
      passwordMaxAge: 300,
    })
    expect(parseLimitsEnv({ TRANSFER_PHR_FROM: '', PASSWORD_CHANGE_MAX_AGE: '' })).toEqual(
      DEFAULT_LIMITS,
    )
  })

  it('reads every variable', () => {
    expect(
      parseLimitsEnv({
        TRANSFER_PHR_FROM: '50',
        TRANSFER_PHR_MAX_AGE: '120',
        TRANSFER_PHRH_FROM: '100.50',
        TRANSFER_PHRH_MAX_AGE: '30',
        TRANSFER_BINDING_FROM: '75',
        PASSWORD_CHANGE_MAX_AGE: '90',
      }),
    ).toEqual({
      phrFrom: '50',
      phrMaxAge: 120,
      phrhFrom: '100.50',
      phrhMaxAge: 30,
      bindingFrom: '75',
      passwordMaxAge: 90,
    })
  })

  it.each([
    [
      { TRANSFER_PHR_MAX_AGE: '-5' },
      'TRANSFER_PHR_MAX_AGE="-5" must be a whole number of seconds (digits only)',
    ],
    [{ PASSWORD_CHANGE_MAX_AGE: '0' }, 'PASSWORD_CHANGE_MAX_AGE="0" must be at least 1 second'],
    [
      { TRANSFER_PHRH_MAX_AGE: '1e3' },
      'TRANSFER_PHRH_MAX_AGE="1e3" must be a whole number of seconds (digits only)',
    ],
    [
      { PASSWORD_CHANGE_MAX_AGE: '100000' },
      'PASSWORD_CHANGE_MAX_AGE="100000" must be at most 86400 seconds',
    ],
    [
      { TRANSFER_PHR_FROM: 'ten' },
      'TRANSFER_PHR_FROM="ten" must be an amount more than 0 and at most 1000000000, with at most two decimals (e.g. 1000 or 2500.50)',
    ],
    [
      { TRANSFER_BINDING_FROM: '10000.001' },
      'TRANSFER_BINDING_FROM="10000.001" must be an amount more than 0 and at most 1000000000, with at most two decimals (e.g. 1000 or 2500.50)',
    ],
    [
      { TRANSFER_PHRH_FROM: '0' },
      'TRANSFER_PHRH_FROM="0" must be an amount more than 0 and at most 1000000000, with at most two decimals (e.g. 1000 or 2500.50)',
    ],
  ])('refuses a malformed value, naming the variable: %o', (env, message) => {
    expect(() => parseLimitsEnv(env)).toThrow(message)
  })

  it('refuses a phrh threshold not above the phr one, naming both', () => {
    expect(() => parseLimitsEnv({ TRANSFER_PHRH_FROM: '500' })).toThrow(
      'TRANSFER_PHRH_FROM="500" must be more than TRANSFER_PHR_FROM (1000)',
    )
    expect(() => parseLimitsEnv({ TRANSFER_PHR_FROM: '20000' })).toThrow(
      'TRANSFER_PHRH_FROM (unset: 10000) must be more than TRANSFER_PHR_FROM (20000)',
    )
    expect(() => parseLimitsEnv({ TRANSFER_PHRH_FROM: '1000' })).toThrow(
      'must be more than TRANSFER_PHR_FROM (1000)',
    )
  })

  it('refuses a phrh max_age longer than the phr one', () => {
    expect(() => parseLimitsEnv({ TRANSFER_PHRH_MAX_AGE: '301' })).toThrow(
      'TRANSFER_PHRH_MAX_AGE="301" must not be longer than TRANSFER_PHR_MAX_AGE (300)',
    )
    expect(parseLimitsEnv({ TRANSFER_PHRH_MAX_AGE: '300' }).phrhMaxAge).toBe(300)
  })

  it('refuses a binding threshold below the phr one', () => {
    expect(() => parseLimitsEnv({ TRANSFER_BINDING_FROM: '999.99' })).toThrow(
      'TRANSFER_BINDING_FROM="999.99" must not be less than TRANSFER_PHR_FROM (1000)',
    )
    expect(parseLimitsEnv({ TRANSFER_BINDING_FROM: '1000' }).bindingFrom).toBe('1000')
  })

  it('names every refused variable at once, with the option and variable on each issue', () => {
    const thrown = (() => {
      try {
        parseLimitsEnv({ TRANSFER_PHR_MAX_AGE: 'x', PASSWORD_CHANGE_MAX_AGE: '-1' })
      } catch (error) {
        return error
      }
      return undefined
    })()
    expect(thrown).toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      issues: [
        { option: 'phrMaxAge', variable: 'TRANSFER_PHR_MAX_AGE' },
        { option: 'passwordMaxAge', variable: 'PASSWORD_CHANGE_MAX_AGE' },
      ],
    })
  })
})

describe('resolveLimits', () => {
  it('completes options with the defaults', () => {
    expect(resolveLimits({ phrMaxAge: 120 })).toEqual({ ...DEFAULT_LIMITS, phrMaxAge: 120 })
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS)
  })

  it('refuses malformed and contradictory options, naming the option', () => {
    expect(() => resolveLimits({ phrMaxAge: -1 })).toThrow('phrMaxAge must be at least 1 second')
    expect(() => resolveLimits({ phrMaxAge: 1.5 })).toThrow(
      'phrMaxAge must be a whole number of seconds',
    )
    expect(() => resolveLimits({ phrFrom: 1000 as never })).toThrow('phrFrom')
    expect(() => resolveLimits({ phrhFrom: '999' })).toThrow(
      'phrhFrom must be more than phrFrom (1000)',
    )
  })
})
