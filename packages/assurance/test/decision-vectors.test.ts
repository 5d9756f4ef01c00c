import { createAcrRegistry } from '@stepup/acr'
import { OAUTH_ERROR_STATUS } from '@stepup/internal'
import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type AssuranceReason,
  type AssuranceRequirement,
  type EvaluateAssuranceOptions,
  evaluateAssurance,
  type ResourceServerErrorCode,
  toErrorResponse,
} from '../src/index.ts'

/** EX-9470-05 claims (RFC 9470 §6.1), as in vectors SD-01…SD-09. */
const EX = {
  typ: 'at+JWT',
  iss: 'https://as.example.net',
  aud: 'https://rs.example.com',
  exp: 1646343000,
  iat: 1646340200,
  auth_time: 1646340198,
  acr: 'myACR',
  scope: 'purchase',
} as const
const NOW = 1646340300

interface Vector {
  readonly id: string
  readonly claims: Readonly<Record<string, unknown>>
  readonly requirement: AssuranceRequirement
  readonly now: number
  readonly options?: EvaluateAssuranceOptions
  /** `undefined` = allow. */
  readonly status?: number
  readonly header?: string
  readonly note?: string
}

const without = (key: string) => Object.fromEntries(Object.entries(EX).filter(([k]) => k !== key))

/** 12-test-vectors.md §B, copied as typed data. */
const SD: readonly Vector[] = [
  {
    id: 'SD-01 (RFC 9470 §3, R-9470-04): acr ∈ acr_values → allow',
    claims: EX,
    requirement: { acr_values: ['myACR'] },
    now: NOW,
  },
  {
    id: 'SD-02 (RFC 9470 §3): acr not acceptable → 401 insufficient_user_authentication',
    claims: EX,
    requirement: { acr_values: ['urn:example:gold'] },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:example:gold"',
  },
  {
    id: 'SD-03 (RFC 9470 §3): elapsed 5 <= max_age 5 → allow (boundary inclusive)',
    claims: EX,
    requirement: { max_age: 5 },
    now: 1646340203,
  },
  {
    id: 'SD-04 (RFC 9470 §3): elapsed 6 > max_age 5 → challenge',
    claims: EX,
    requirement: { max_age: 5 },
    now: 1646340204,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
  },
  {
    id: 'SD-05 (RFC 9470 §3): no auth_time with max_age → step-up, not invalid_token',
    claims: without('auth_time'),
    requirement: { max_age: 300 },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="300"',
  },
  {
    id: 'SD-06 (RFC 9470 §3): no acr → step-up',
    claims: without('acr'),
    requirement: { acr_values: ['myACR'] },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
  },
  {
    id: 'SD-07 (OIDC Core §2): acr compared case-sensitively',
    claims: { ...EX, acr: 'MYACR' },
    requirement: { acr_values: ['myACR'] },
    now: NOW,
    status: 401,
  },
  {
    id: 'SD-08 (RFC 9470 §3, R-9470-07): acr_values and max_age together',
    claims: { ...EX, acr: 'urn:example:silver' },
    requirement: { acr_values: ['urn:example:gold'], max_age: 60 },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:example:gold", max_age="60"',
  },
  {
    id: 'SD-09 (RFC 9470 §3, R-9470-08): step-up and missing scope in one challenge',
    claims: { ...EX, acr: 'urn:example:silver' },
    requirement: { acr_values: ['urn:example:gold'], scope: ['purchase', 'admin'] },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", scope="purchase admin", acr_values="urn:example:gold"',
    note: 'one error code only (insufficient_user_authentication), with the scope attribute the vector allows',
  },
]

/** The rules, each as a case. */
const RULES: readonly Vector[] = [
  {
    id: 'EX-9470-01 (RFC 9470 §3) reproduced verbatim',
    claims: { ...EX, acr: 'other' },
    requirement: { acr_values: ['myACR'] },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
  },
  {
    id: 'EX-9470-02 (RFC 9470 §3) reproduced verbatim',
    claims: EX,
    requirement: { max_age: 5 },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
  },
  {
    id: 'max_age 0: authenticated this very second → allow',
    claims: { ...EX, auth_time: NOW },
    requirement: { max_age: 0 },
    now: NOW,
  },
  {
    id: 'max_age 0: one second ago → challenge',
    claims: { ...EX, auth_time: NOW - 1 },
    requirement: { max_age: 0 },
    now: NOW,
    status: 401,
  },
  {
    id: 'max_age 0: one second ago, within a 2 s tolerance → allow',
    claims: { ...EX, auth_time: NOW - 1 },
    requirement: { max_age: 0 },
    now: NOW,
    options: { clockTolerance: 2 },
  },
  {
    id: 'acr not a string → invalid_token (fail closed)',
    claims: { ...EX, acr: ['myACR'] },
    requirement: { acr_values: ['myACR'] },
    now: NOW,
    status: 401,
    header: 'Bearer error="invalid_token", error_description="The access token is invalid"',
  },
  {
    id: 'acr not a string, even with no acr requirement → invalid_token',
    claims: { ...EX, acr: 1 },
    requirement: {},
    now: NOW,
    status: 401,
    header: 'Bearer error="invalid_token", error_description="The access token is invalid"',
  },
  {
    id: 'auth_time not a number → invalid_token',
    claims: { ...EX, auth_time: '1646340198' },
    requirement: { max_age: 300 },
    now: NOW,
    status: 401,
    header: 'Bearer error="invalid_token", error_description="The access token is invalid"',
  },
  {
    id: 'auth_time NaN → invalid_token',
    claims: { ...EX, auth_time: Number.NaN },
    requirement: {},
    now: NOW,
    status: 401,
  },
  {
    id: 'auth_time in the future beyond tolerance → invalid_token',
    claims: { ...EX, auth_time: NOW + 10 },
    requirement: {},
    now: NOW,
    options: { clockTolerance: 5 },
    status: 401,
    header: 'Bearer error="invalid_token", error_description="The access token is invalid"',
  },
  {
    id: 'auth_time in the future within tolerance → allow',
    claims: { ...EX, auth_time: NOW + 5 },
    requirement: { max_age: 0 },
    now: NOW,
    options: { clockTolerance: 5 },
  },
  {
    id: 'scope not a string → invalid_token',
    claims: { ...EX, scope: 7 },
    requirement: { scope: ['purchase'] },
    now: NOW,
    status: 401,
  },
  {
    id: 'missing scope → 403 insufficient_scope with the needed scope (RFC 6750 §3.1)',
    claims: EX,
    requirement: { scope: ['purchase', 'transfer'] },
    now: NOW,
    status: 403,
    header:
      'Bearer error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token", scope="purchase transfer"',
  },
  {
    id: 'scope present → allow',
    claims: { ...EX, scope: 'transfer purchase' },
    requirement: { scope: ['purchase', 'transfer'] },
    now: NOW,
  },
  {
    id: 'acr unmet while max_age met: the challenge still carries both',
    claims: { ...EX, acr: 'phr' },
    requirement: { acr_values: ['phrh'], max_age: 300 },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh", max_age="300"',
  },
  {
    id: 'max_age unmet while acr met: the challenge still carries both',
    claims: { ...EX, acr: 'phrh' },
    requirement: { acr_values: ['phrh'], max_age: 5 },
    now: NOW,
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", acr_values="phrh", max_age="5"',
  },
  {
    id: 'built-in order: phrh satisfies phr',
    claims: { ...EX, acr: 'phrh' },
    requirement: { acr_values: ['phr'] },
    now: NOW,
  },
  {
    id: 'built-in order: phr does not satisfy phrh',
    claims: { ...EX, acr: 'phr' },
    requirement: { acr_values: ['phrh'] },
    now: NOW,
    status: 401,
  },
  {
    id: 'AM-04 with a registry without built-ins: phrh ≠ phr (string equality)',
    claims: { ...EX, acr: 'phrh' },
    requirement: { acr_values: ['phr'] },
    now: NOW,
    options: { acrRegistry: createAcrRegistry([], { defaults: false }) },
    status: 401,
  },
  {
    id: 'AM-05: mod-pr does not satisfy its policy-URI spelling unless declared an alias',
    claims: { ...EX, acr: 'mod-pr' },
    requirement: { acr_values: ['http://schemas.openid.net/policies/modrna/phishing-resistant'] },
    now: NOW,
    status: 401,
  },
  {
    id: 'DP-08 (RFC 9470 §3, R-9470-02): step-up over DPoP with algs',
    claims: { ...EX, acr: 'silver' },
    requirement: { acr_values: ['gold'] },
    now: NOW,
    options: { challenge: { scheme: 'DPoP', algs: ['ES256'] } },
    status: 401,
    header:
      'DPoP error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="gold", algs="ES256"',
  },
  {
    id: 'WA-27 (RFC 9728 §5.1): Bearer + DPoP challenges with resource_metadata, error in the scheme used',
    claims: { ...EX, acr: 'other' },
    requirement: { acr_values: ['myACR'] },
    now: NOW,
    options: {
      challenge: {
        schemes: ['Bearer', 'DPoP'],
        algs: ['ES256'],
        resource_metadata: 'https://rs.example.com/.well-known/oauth-protected-resource',
      },
    },
    status: 401,
    header:
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR", resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource", DPoP algs="ES256", resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource"',
  },
]

describe('decision vectors (12-test-vectors.md §B, frozen clock)', () => {
  it.each([...SD, ...RULES])('$id', ({ claims, requirement, now, options, status, header }) => {
    const result = evaluateAssurance(claims, requirement, { now, ...options })
    if (status === undefined) {
      expect(result).toEqual({ ok: true, claims })
      return
    }
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.status).toBe(status)
    expect(result.status).toBe(OAUTH_ERROR_STATUS[result.error])
    if (header !== undefined) expect(result.wwwAuthenticate).toBe(header)
    const serialized = JSON.stringify(result)
    expect(serialized).not.toContain('someone@example.net')
    expect(serialized).not.toContain('as.example.net')
  })
})

describe('ResourceServerErrorCode', () => {
  it('names exactly the codes of the status table the guard and the adapters answer with', () => {
    expectTypeOf<ResourceServerErrorCode>().toEqualTypeOf<keyof typeof OAUTH_ERROR_STATUS>()
    expect(Object.keys(OAUTH_ERROR_STATUS)).toHaveLength(8)
  })
})

describe('error precedence and structured reasons', () => {
  const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
  const transfer = (amount: string) => ({
    type: 'urn:bank:params:oauth:request:transaction',
    transaction: { amount, currency: 'EUR', destination_account: 'DE02100100109307118603' },
  })

  it('authorization_details not covered → 403 insufficient_authorization_details carrying the uncovered details', () => {
    const claims = { ...EX, authorization_details: [transfer('1000')] }
    const result = evaluateAssurance(
      claims,
      { authorization_details: [transfer('10000')] },
      { now: NOW, authorizationDetailsRegistry: registry },
    )
    expect(result).toMatchObject({
      ok: false,
      status: 403,
      error: 'insufficient_authorization_details',
      challenge: { authorization_details: [transfer('10000')] },
      reasons: [
        {
          rule: 'authorization_details',
          code: 'authorization_details_not_covered',
          missing: [transfer('10000')],
        },
      ],
    })
    if (result.ok) return
    expect(result.wwwAuthenticate).toBe(
      'Bearer error="insufficient_authorization_details", error_description="The authorization details of the access token do not cover this request"',
    )
    expect(toErrorResponse(result).body).toEqual({
      error: 'insufficient_authorization_details',
      error_description: 'The authorization details of the access token do not cover this request',
      authorization_details: [transfer('10000')],
    })
  })

  it('covered details (the type’s own comparison: amount ≤ granted) → allow', () => {
    const claims = { ...EX, authorization_details: [transfer('10000')] }
    expect(
      evaluateAssurance(
        claims,
        { authorization_details: [transfer('9999.99')] },
        { now: NOW, authorizationDetailsRegistry: registry },
      ).ok,
    ).toBe(true)
  })

  it('without a registry the conservative default comparison applies (RC-05: write does not cover read)', () => {
    const claims = { ...EX, authorization_details: [{ type: 'example_api', actions: ['write'] }] }
    const result = evaluateAssurance(
      claims,
      { authorization_details: [{ type: 'example_api', actions: ['read'] }] },
      { now: NOW },
    )
    expect(result.ok).toBe(false)
  })

  it('answers an unmet user authentication first, with everything the new authorization must fix', () => {
    const requirement: AssuranceRequirement = {
      acr_values: ['phrh'],
      max_age: 5,
      scope: ['transfer'],
      authorization_details: [transfer('10')],
    }
    const options = { now: NOW, authorizationDetailsRegistry: registry }
    // RFC 9470 §3: acr_values/max_age belong to insufficient_user_authentication only; scope
    // (RFC 6750 §3) and the details (JSON body) ride along so one round trip fixes everything.
    const all = evaluateAssurance({ ...EX, acr: 'phr' }, requirement, options)
    expect(all).toMatchObject({ error: 'insufficient_user_authentication', status: 401 })
    expect(all.ok || all.challenge).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
      acr_values: ['phrh'],
      max_age: 5,
      scope: ['transfer'],
      authorization_details: [transfer('10')],
    })
    expect(all.ok || all.reasons.map((r: AssuranceReason) => r.code)).toEqual([
      'acr_not_satisfied',
      'auth_time_stale',
      'scope_missing',
      'authorization_details_not_covered',
    ])
    const strong = { ...EX, acr: 'phrh', auth_time: NOW - 1 }
    // The 403s only once the user authentication suffices, and never with acr_values/max_age.
    const scopeAndDetails = evaluateAssurance(strong, requirement, options)
    expect(scopeAndDetails).toMatchObject({ error: 'insufficient_scope', status: 403 })
    expect(scopeAndDetails.ok || scopeAndDetails.challenge).toEqual({
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token',
      scope: ['transfer'],
      authorization_details: [transfer('10')],
    })
    expect(scopeAndDetails.ok || scopeAndDetails.wwwAuthenticate).not.toMatch(/acr_values|max_age/)
    const details = evaluateAssurance({ ...strong, scope: 'transfer' }, requirement, options)
    expect(details.ok || details.challenge).toEqual({
      error: 'insufficient_authorization_details',
      error_description: 'The authorization details of the access token do not cover this request',
      authorization_details: [transfer('10')],
    })
    const stale = evaluateAssurance({ ...EX, acr: 'phrh', scope: 'profile' }, requirement, options)
    expect(stale.ok || stale.challenge).toMatchObject({
      error: 'insufficient_user_authentication',
      error_description: 'More recent authentication is required',
      acr_values: ['phrh'],
      max_age: 5,
      scope: ['transfer'],
    })
    const broken = evaluateAssurance({ ...EX, acr: 3 }, requirement, options)
    expect(broken).toMatchObject({
      error: 'invalid_token',
      status: 401,
      challenge: { error: 'invalid_token' },
      reasons: [{ rule: 'claims', code: 'acr_malformed' }],
    })
  })

  it('refuses a requirement with an unknown key, naming the nearest known one', () => {
    expect(() =>
      evaluateAssurance(EX, { acr_value: ['phr'], maxAge: 300 } as AssuranceRequirement, {
        now: NOW,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'requirement: unknown option "acr_value" (did you mean "acr_values"?)',
      }),
    )
  })

  it('reasons name the rule and the required values, never the token’s values', () => {
    const result = evaluateAssurance(
      { ...EX, acr: 'secret-acr-value' },
      { acr_values: ['phrh'] },
      { now: NOW },
    )
    expect(result.ok || result.reasons).toEqual([
      { rule: 'acr', code: 'acr_not_satisfied', required: ['phrh'] },
    ])
    expect(JSON.stringify(result)).not.toContain('secret-acr-value')
    const missing = evaluateAssurance(without('acr'), { acr_values: ['phrh'] }, { now: NOW })
    expect(missing.ok || missing.reasons).toEqual([
      { rule: 'acr', code: 'acr_missing', required: ['phrh'] },
    ])
  })

  it('a non-object claims value fails closed', () => {
    expect(evaluateAssurance(null as never, {}, { now: NOW })).toMatchObject({
      ok: false,
      error: 'invalid_token',
    })
  })

  it('an empty requirement allows any well-formed claims', () => {
    expect(evaluateAssurance(EX, {}, { now: NOW }).ok).toBe(true)
  })

  it('uses the system clock when now is not given', () => {
    const fresh = { ...EX, auth_time: Math.floor(Date.now() / 1000) }
    expect(evaluateAssurance(fresh, { max_age: 60 }).ok).toBe(true)
    expect(evaluateAssurance(EX, { max_age: 60 }).ok).toBe(false)
  })

  const badRequirements: { title: string; requirement: unknown }[] = [
    { title: 'empty acr_values', requirement: { acr_values: [] } },
    { title: 'acr_values with an empty value', requirement: { acr_values: [''] } },
    { title: 'an acr value with a space', requirement: { acr_values: ['a b'] } },
    { title: 'a scope-token with a double quote', requirement: { scope: ['a"b'] } },
    { title: 'negative max_age', requirement: { max_age: -1 } },
    { title: 'fractional max_age', requirement: { max_age: 5.5 } },
    { title: 'scope as a string', requirement: { scope: 'purchase' } },
    { title: 'authorization_details as an object', requirement: { authorization_details: {} } },
    { title: 'null', requirement: null },
  ]
  it.each(badRequirements)(
    'a malformed requirement ($title) is a caller mistake: coded TypeError',
    ({ requirement }) => {
      expect(() =>
        evaluateAssurance(EX, requirement as AssuranceRequirement, { now: NOW }),
      ).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }))
    },
  )
})
