import { createHash } from 'node:crypto'
import { createAcrRegistry } from '@stepup/acr'
import { describe, expect, it } from 'vitest'
import { parseAccessTokenClaims } from './claims.js'
import type { ConsumedGrantStore } from './consumed-grant-store.js'
import { createRiskPolicy, grantKey, type RiskContext, type RiskRule } from './risk-policy.js'

const NOW = 1_700_000_000
const hex = (text: string) => createHash('sha256').update(text).digest('hex')
const rule = (name: string, part: object | undefined): RiskRule => ({
  name,
  evaluate: () => part,
})
const token = (patch: Record<string, unknown> = {}) =>
  parseAccessTokenClaims({ iss: 'https://as.example.net', jti: 'j1', acr: 'gold', ...patch })
const context = (patch: Partial<RiskContext> = {}): RiskContext => ({
  claims: token(),
  request: { method: 'POST', url: '/transfers' },
  now: NOW,
  ...patch,
})
const invalid = (message: string) =>
  expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message })

/** A store that marks every key and records the ttl it was given. */
function recordingStore(): ConsumedGrantStore & { ttls: number[] } {
  const ttls: number[] = []
  return {
    ttls,
    has: async () => false,
    add: async (_key, ttl) => {
      ttls.push(ttl)
      return true
    },
  }
}

describe('grantKey', () => {
  it('is the SHA-256 hex of issuer, jti and canonical details joined with NUL', async () => {
    const details = [{ type: 'x', b: 2, a: 1 }]
    expect(await grantKey(token({ authorization_details: details }))).toBe(
      hex('https://as.example.net\0j1\0[{"a":1,"b":2,"type":"x"}]'),
    )
  })

  it('stands for no details with an empty list', async () => {
    expect(await grantKey(token())).toBe(hex('https://as.example.net\0j1\0[]'))
  })
})

describe('createRiskPolicy: options and rules are checked when it is built', () => {
  it('accepts acr and grantTtl', () => {
    expect(typeof createRiskPolicy([], { acrRegistry: createAcrRegistry(), grantTtl: 60 })).toBe(
      'object',
    )
  })

  it('names itself when refusing an unknown option', () => {
    expect(() => createRiskPolicy([], { grantTTL: 60 } as never)).toThrow(
      'createRiskPolicy: unknown option "grantTTL" (did you mean "grantTtl"?)',
    )
  })

  it('refuses a grantTtl that is not a non-negative integer, naming it', () => {
    expect(() => createRiskPolicy([], { grantTtl: -1 })).toThrow(
      invalid('invalid option "grantTtl"'),
    )
  })

  it.each([
    ['rules that are not an array', 'rule'],
    ['a rule without an evaluate function among valid ones', [rule('a', undefined), { name: 'b' }]],
    ['a rule whose name is not a string', [{ name: 5, evaluate: () => undefined }]],
  ])('refuses %s as invalid rules', (_, rules) => {
    expect(() => createRiskPolicy(rules as never)).toThrow(invalid('invalid option "rules"'))
  })
})

describe('createRiskPolicy: a custom acr registry', () => {
  const acr = createAcrRegistry([{ value: 'silver' }, { value: 'gold', satisfies: ['silver'] }])

  it('merges the acr_values of the rules that fire by that registry', async () => {
    const policy = createRiskPolicy(
      [rule('s', { acr_values: ['silver'] }), rule('g', { acr_values: ['gold'] })],
      { acrRegistry: acr },
    )
    expect((await policy.decide(context())).requirement).toEqual({ acr_values: ['gold'] })
  })

  it('decides by that registry which acr satisfies the requirement', async () => {
    const policy = createRiskPolicy([rule('s', { acr_values: ['silver'] })], { acrRegistry: acr })
    expect((await policy.decide(context())).result.ok).toBe(true)
  })
})

describe('createRiskPolicy: the lifetime of a consumed mark', () => {
  const singleUse = [rule('once', { singleUse: true })]

  it('lasts until the token expires', async () => {
    const grants = recordingStore()
    await createRiskPolicy(singleUse, { grants }).decide(
      context({ claims: token({ exp: NOW + 300 }) }),
    )
    expect(grants.ttls).toEqual([300])
  })

  it('lasts the clock tolerance longer, since the token is accepted that much longer', async () => {
    const grants = recordingStore()
    await createRiskPolicy(singleUse, { grants }).decide(
      context({ claims: token({ exp: NOW + 300 }) }),
      { clockTolerance: 5 },
    )
    expect(grants.ttls).toEqual([305])
  })

  it('is at least one second for a token at or past its expiry', async () => {
    const grants = recordingStore()
    await createRiskPolicy(singleUse, { grants }).decide(
      context({ claims: token({ exp: NOW - 10 }) }),
    )
    expect(grants.ttls).toEqual([1])
  })

  it('is grantTtl for a token without exp', async () => {
    const grants = recordingStore()
    await createRiskPolicy(singleUse, { grants, grantTtl: 60 }).decide(context())
    expect(grants.ttls).toEqual([60])
  })
})
