import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { describe, expect, it, vi } from 'vitest'
import {
  type AssuranceRequirement,
  createRiskPolicy,
  evaluateAssurance,
  newDevice,
} from '../src/index.ts'

const NOW = 1_700_000_000
const claims = { acr: 'phr', auth_time: NOW - 30, scope: 'a b' }

/** The coded TypeError a malformed requirement member throws. */
const invalid = (name: string) =>
  expect.objectContaining({
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: `invalid option "${name}"`,
  })

describe('evaluateAssurance: a malformed requirement is a caller mistake naming the member', () => {
  it.each([
    ['a requirement that is null', null, 'requirement'],
    ['a requirement that is a string', 'phr', 'requirement'],
    ['acr_values that is empty', { acr_values: [] }, 'acr_values'],
    ['acr_values that is a string', { acr_values: 'phr' }, 'acr_values'],
    ['acr_values holding a number', { acr_values: [5] }, 'acr_values'],
    ['an acr value with a space inside', { acr_values: ['a b'] }, 'acr_values'],
    ['an acr value with a quote inside', { acr_values: ['a"b'] }, 'acr_values'],
    ['a negative max_age', { max_age: -1 }, 'max_age'],
    ['a scope-token with a space inside', { scope: ['a b'] }, 'scope'],
    [
      'authorization_details that is not an array',
      { authorization_details: {} },
      'authorization_details',
    ],
  ])('%s', (_, requirement, name) => {
    expect(() =>
      evaluateAssurance(claims, requirement as unknown as AssuranceRequirement, { now: NOW }),
    ).toThrow(invalid(name))
  })
})

describe('evaluateAssurance: a requirement written in the call is checked at every call', () => {
  it('refuses an object it accepted before once it has been changed', () => {
    const requirement: { acr_values: string[]; max_age?: number } = { acr_values: ['phr'] }
    expect(evaluateAssurance(claims, requirement, { now: NOW }).ok).toBe(true)
    requirement.max_age = -1
    expect(() => evaluateAssurance(claims, requirement, { now: NOW })).toThrow(invalid('max_age'))
  })

  it('checks a new object literal each time, the same as the first', () => {
    for (let i = 0; i < 3; i++) {
      expect(
        evaluateAssurance(claims, { acr_values: ['phr'], max_age: 300 }, { now: NOW }).ok,
      ).toBe(true)
      expect(() =>
        evaluateAssurance(claims, { acr_values: ['phr'], maxAge: 300 } as never, { now: NOW }),
      ).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }))
    }
  })
})

describe('evaluateAssurance: what a risk rule accepted is not thereby a requirement', () => {
  it('still refuses singleUse in a requirement a risk rule checked first', () => {
    const requirement = { acr_values: ['phr'], singleUse: true }
    expect(() => newDevice({ requirement })).not.toThrow()
    expect(() =>
      evaluateAssurance(claims, requirement as AssuranceRequirement, { now: NOW }),
    ).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }))
  })

  it('refuses a rule list holding null as it refuses any malformed rule', () => {
    expect(() => createRiskPolicy([null as never])).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })
})

describe('evaluateAssurance: its options', () => {
  it('refuses an option it does not read, pointing a renamed one at its new name', () => {
    const registry = { satisfies: () => true }
    expect(() =>
      evaluateAssurance(claims, { acr_values: ['phrh'] }, { now: NOW, acr: registry } as never),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'evaluateAssurance: unknown option "acr" (did you mean "acrRegistry"?)',
      }),
    )
    expect(() => evaluateAssurance(claims, {}, { now: NOW, clocktolerance: 5 } as never)).toThrow(
      'evaluateAssurance: unknown option "clocktolerance" (did you mean "clockTolerance"?)',
    )
    expect(
      evaluateAssurance(claims, { acr_values: ['phrh'] }, { now: NOW, acrRegistry: registry }).ok,
    ).toBe(true)
  })
})

describe('evaluateAssurance: malformed claims fail closed with invalid_token and say why', () => {
  it.each([
    ['claims that are not an object', null, 'claims_malformed'],
    ['an auth_time that is not a number', { auth_time: '1' }, 'auth_time_malformed'],
    ['an auth_time in the future', { auth_time: NOW + 60 }, 'auth_time_in_future'],
    ['a scope that is not a string', { scope: ['a'] }, 'scope_malformed'],
    [
      'authorization_details that are not an array',
      { authorization_details: { type: 'x' } },
      'authorization_details_malformed',
    ],
  ])('%s', (_, bad, code) => {
    const result = evaluateAssurance(bad as Record<string, unknown>, {}, { now: NOW })
    expect(result).toMatchObject({ ok: false, status: 401, error: 'invalid_token' })
    expect(!result.ok && result.reasons).toEqual([{ rule: 'claims', code }])
  })

  it('allows claims without any scope when no scope is required', () => {
    expect(evaluateAssurance({ acr: 'phr' }, {}, { now: NOW })).toEqual({
      ok: true,
      claims: { acr: 'phr' },
    })
  })
})

describe('evaluateAssurance: scope', () => {
  it('reads the scopes list of verified claims when there is no scope string', () => {
    const verified = { scopes: ['a', 'b'] }
    expect(evaluateAssurance(verified, { scope: ['a', 'b'] }, { now: NOW }).ok).toBe(true)
  })

  it('names only the scope-tokens the token lacks, and challenges with every required one', () => {
    const result = evaluateAssurance(claims, { scope: ['a', 'c', 'd'] }, { now: NOW })
    expect(result).toMatchObject({ ok: false, status: 403, error: 'insufficient_scope' })
    expect(!result.ok && result.reasons).toEqual([
      { rule: 'scope', code: 'scope_missing', missing: ['c', 'd'] },
    ])
    expect(!result.ok && result.challenge.scope).toEqual(['a', 'c', 'd'])
  })
})

describe('evaluateAssurance: max_age reasons', () => {
  it('reports a missing auth_time with the max_age it was checked against', () => {
    const result = evaluateAssurance({ acr: 'phr' }, { max_age: 300 }, { now: NOW })
    expect(!result.ok && result.reasons).toEqual([
      { rule: 'max_age', code: 'auth_time_missing', required: 300 },
    ])
  })

  it('reports a stale auth_time with the max_age it was checked against', () => {
    const result = evaluateAssurance(claims, { max_age: 10 }, { now: NOW })
    expect(!result.ok && result.reasons).toEqual([
      { rule: 'max_age', code: 'auth_time_stale', required: 10 },
    ])
  })
})

describe('evaluateAssurance: the challenge carries only the members that apply', () => {
  it('an unmet acr alone challenges with acr_values, and no max_age or scope member', () => {
    const result = evaluateAssurance(claims, { acr_values: ['phrh'] }, { now: NOW })
    expect(!result.ok && result.challenge).toStrictEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
      acr_values: ['phrh'],
    })
  })

  it('a stale authentication alone challenges with max_age, and no acr_values member', () => {
    const result = evaluateAssurance(claims, { max_age: 10 }, { now: NOW })
    expect(!result.ok && result.challenge).toStrictEqual({
      error: 'insufficient_user_authentication',
      error_description: 'More recent authentication is required',
      max_age: 10,
    })
  })

  it('missing scope alone challenges with scope, and no authorization_details member', () => {
    const result = evaluateAssurance(claims, { scope: ['c'] }, { now: NOW })
    expect(!result.ok && result.challenge).toStrictEqual({
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token',
      scope: ['c'],
    })
  })
})

describe('evaluateAssurance: authorization_details', () => {
  const registry = () => createAuthorizationDetailsRegistry([], { allowUnknownTypes: true })

  it('asks the registry nothing when the requirement names no details', () => {
    const authorizationDetails = registry()
    const covers = vi.spyOn(authorizationDetails, 'covers')
    const options = { now: NOW, authorizationDetailsRegistry: authorizationDetails }
    expect(evaluateAssurance(claims, {}, options).ok).toBe(true)
    expect(evaluateAssurance(claims, { authorization_details: [] }, options).ok).toBe(true)
    expect(covers).not.toHaveBeenCalled()
  })

  it('compares the required details with none when the token has none', () => {
    const authorizationDetails = registry()
    const covers = vi.spyOn(authorizationDetails, 'covers')
    const required = [{ type: 'payment_initiation' }]
    const result = evaluateAssurance(
      claims,
      { authorization_details: required },
      { now: NOW, authorizationDetailsRegistry: authorizationDetails },
    )
    expect(result).toMatchObject({ ok: false, error: 'insufficient_authorization_details' })
    expect(covers).toHaveBeenCalledWith([], required)
  })
})
