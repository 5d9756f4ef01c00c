import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { describe, expect, it } from 'vitest'
import { parseAccessTokenClaims } from './claims.js'
import { createMemoryConsumedGrantStore } from './consumed-grant-store.js'
import {
  createRiskPolicy,
  grantKey,
  isRiskPolicy,
  type RiskContext,
  type RiskPolicy,
} from './risk-policy.js'
import { amountThreshold, newDevice, sessionOlderThan } from './risk-rules.js'

const NOW = 1_700_000_000
const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
const transfer = (amount: string) => ({
  type: 'urn:bank:params:oauth:request:transaction',
  transaction: { amount, currency: 'EUR', destination_account: 'DE02100100109307118603' },
})
const token = (patch: Record<string, unknown> = {}) =>
  parseAccessTokenClaims({
    iss: 'https://as.example.net',
    jti: 'jti-1',
    exp: NOW + 300,
    auth_time: NOW - 30,
    acr: 'phrh',
    scope: 'transfers',
    authorization_details: [transfer('10000')],
    ...patch,
  })
const context = (patch: Partial<RiskContext> = {}): RiskContext => ({
  claims: token(),
  request: { method: 'POST', url: '/transfers' },
  details: [transfer('10000')],
  signals: { newDevice: false },
  now: NOW,
  ...patch,
})
const rules = [
  amountThreshold({
    type: 'urn:bank:params:oauth:request:transaction',
    thresholds: [
      { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
      { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
    ],
  }),
  newDevice({ requirement: { acr_values: ['phr'] } }),
  sessionOlderThan(3600),
]

/** The decision without the evaluation: the merged requirement, the rules that fired, single use. */
async function requirementOf(policy: RiskPolicy, c: RiskContext) {
  const { result: _result, ...decision } = await policy.decide(c)
  return decision
}

describe('createRiskPolicy', () => {
  it('makes a frozen object with decide, which isRiskPolicy recognises and nothing else passes', () => {
    const policy = createRiskPolicy(rules)
    expect(typeof policy).toBe('object')
    expect(Object.isFrozen(policy)).toBe(true)
    expect(Object.keys(policy)).toEqual(['decide'])
    expect(isRiskPolicy(policy)).toBe(true)
    // Shape is not enough: a copy, a look-alike and a function with decide are not policies.
    for (const v of [{ ...policy }, { decide: policy.decide }, Object.assign(() => {}, policy)])
      expect(isRiskPolicy(v)).toBe(false)
    for (const v of [undefined, null, 'policy', {}]) expect(isRiskPolicy(v)).toBe(false)
  })

  it('merges the rules that fire into the strictest requirement and says which fired', async () => {
    const policy = createRiskPolicy(rules)
    const decision = await requirementOf(policy, context({ signals: { newDevice: true } }))
    expect(decision).toEqual({
      requirement: {
        acr_values: ['phrh'],
        max_age: 60,
        authorization_details: [transfer('10000')],
      },
      fired: ['amount:urn:bank:params:oauth:request:transaction', 'new-device'],
      singleUse: true,
    })
    expect(await requirementOf(policy, context({ details: [transfer('10')] }))).toEqual({
      requirement: {},
      fired: [],
      singleUse: false,
    })
    // A rule that cannot find its transaction denies: it never "does not fire".
    await expect(requirementOf(policy, context({ details: [] }))).rejects.toMatchObject({
      name: 'InvalidRequestError',
      message:
        'The request has no authorization_details of type urn:bank:params:oauth:request:transaction',
    })
    await expect(requirementOf(policy, context({ signals: {} }))).rejects.toThrow(
      'newDevice: the signal "newDevice" must be true or false',
    )
  })

  it('awaits asynchronous rules', async () => {
    const policy = createRiskPolicy([
      { name: 'async', evaluate: async () => ({ scope: ['transfers'] }) },
    ])
    expect((await policy.decide(context())).requirement).toEqual({ scope: ['transfers'] })
  })

  it('reports an impossible acr combination with the rule names', async () => {
    const policy = createRiskPolicy([
      { name: 'eidas', evaluate: () => ({ acr_values: ['mod-pr'] }) },
      { name: 'eap', evaluate: () => ({ acr_values: ['phr'] }) },
    ])
    await expect(requirementOf(policy, context())).rejects.toMatchObject({
      code: 'ERR_ACR_CONFLICT',
      message: expect.stringContaining('eidas,eap'),
    })
  })

  it('decide: allows the $10,000 transfer once, then refuses the replay (single-use grant)', async () => {
    const grants = createMemoryConsumedGrantStore({ now: () => NOW })
    const policy = createRiskPolicy(rules, { grants })
    const first = await policy.decide(context(), { authorizationDetailsRegistry: registry })
    expect(first.result.ok).toBe(true)
    const second = await policy.decide(context(), { authorizationDetailsRegistry: registry })
    expect(second.result).toMatchObject({
      ok: false,
      status: 403,
      error: 'insufficient_authorization_details',
      reasons: [{ rule: 'grant', code: 'grant_consumed' }],
      challenge: { authorization_details: [transfer('10000')] },
    })
    expect(await grants.has(await grantKey(token()))).toBe(true)
  })

  it('decide: marks nothing when the decision fails or the grant is not single-use', async () => {
    const grants = createMemoryConsumedGrantStore({ now: () => NOW })
    const policy = createRiskPolicy(rules, { grants })
    const weak = await policy.decide(context({ claims: token({ acr: 'phr' }) }), {
      authorizationDetailsRegistry: registry,
    })
    expect(weak.result).toMatchObject({
      ok: false,
      error: 'insufficient_user_authentication',
      challenge: { acr_values: ['phrh'], max_age: 60 },
    })
    expect(await grants.has(await grantKey(token({ acr: 'phr' })))).toBe(false)
    const small = await policy.decide(context({ details: [transfer('1500')] }), {
      authorizationDetailsRegistry: registry,
    })
    expect(small).toMatchObject({ singleUse: false, result: { ok: true } })
    expect(await grants.has(await grantKey(token()))).toBe(false)
  })

  it('decide: a token whose details do not cover the transaction gets insufficient_authorization_details', async () => {
    const policy = createRiskPolicy(rules)
    const out = await policy.decide(context({ details: [transfer('20000')] }), {
      authorizationDetailsRegistry: registry,
    })
    expect(out.result).toMatchObject({
      ok: false,
      error: 'insufficient_authorization_details',
      challenge: { authorization_details: [transfer('20000')] },
    })
  })

  it('keys grants by issuer, jti and the granted details; without jti, by all claims', async () => {
    expect(await grantKey(token())).toMatch(/^[0-9a-f]{64}$/)
    expect(await grantKey(token())).toBe(await grantKey(token()))
    expect(await grantKey(token({ jti: 'jti-2' }))).not.toBe(await grantKey(token()))
    expect(await grantKey(token({ jti: undefined, iat: 1 }))).not.toBe(
      await grantKey(token({ jti: undefined, iat: 2 })),
    )
    expect(await grantKey(token({ authorization_details: [transfer('1')] }))).not.toBe(
      await grantKey(token()),
    )
  })

  it('refuses malformed rules at creation', () => {
    expect(() => createRiskPolicy([{ name: '', evaluate: () => undefined }])).toThrow(TypeError)
    expect(() =>
      createRiskPolicy([
        { name: 'a', evaluate: () => undefined },
        { name: 'a', evaluate: () => undefined },
      ]),
    ).toThrow(TypeError)
    expect(() => createRiskPolicy([{ name: 'a' } as never])).toThrow(TypeError)
    expect(() => createRiskPolicy([], { grantTtl: -1 })).toThrow(TypeError)
  })

  it('hands rules the normalised path when the caller passes only the url', async () => {
    const seen: (string | undefined)[] = []
    const policy = createRiskPolicy([
      { name: 'path', evaluate: ({ request }) => void seen.push(request.path) },
    ])
    await policy.decide(context({ request: { method: 'POST', url: '//admin/./%61?x=1' } }))
    await policy.decide(context({ request: { method: 'POST', url: 'https://rs.example/b/../c' } }))
    await policy.decide(context({ request: { method: 'POST', url: '/x', path: '/given' } }))
    expect(seen).toEqual(['/admin/a', '/c', '/given'])
    await expect(
      policy.decide(context({ request: { method: 'POST', url: '/bad%zz' } })),
    ).rejects.toMatchObject({ name: 'InvalidRequestError' })
    for (const request of [
      { method: 'POST', url: 42 as never },
      { method: 'POST', url: undefined as never, path: '/given' },
    ]) {
      await expect(policy.decide(context({ request }))).rejects.toMatchObject({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'decide: request.url must be a string',
      })
    }
  })
})

describe('createRiskPolicy with an authorization details registry', () => {
  // The bank type's `covers` compares amounts as decimals: "10000.00" granted covers "10000".
  const granted = token({ authorization_details: [transfer('10000.00')] })
  const ctx = context({ claims: granted })

  it('compares with the registry given at creation', async () => {
    const policy = createRiskPolicy(rules, { authorizationDetailsRegistry: registry })
    expect((await policy.decide(ctx)).result.ok).toBe(true)
  })

  it('falls back to the conservative comparison without one', async () => {
    const { result } = await createRiskPolicy(rules).decide(ctx)
    expect(result.ok).toBe(false)
    expect(result.ok || result.error).toBe('insufficient_authorization_details')
  })
})
