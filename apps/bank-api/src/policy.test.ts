import { parseAccessTokenClaims } from '@stepup/assurance'
import { describe, expect, it } from 'vitest'
import { createBankPolicy, PASSWORD_CHANGE_REQUIREMENT, TRANSFER_TYPE } from './policy.ts'

const NOW = 1_800_000_000
const transfer = (amount: string, destination_account = 'ACC-987654') => ({
  type: TRANSFER_TYPE,
  transaction: { amount, currency: 'USD', destination_account },
})
const claims = (extra: Record<string, unknown>) =>
  parseAccessTokenClaims({
    iss: 'https://as.example',
    sub: 'alice',
    jti: `jti-${Math.random()}`,
    exp: NOW + 300,
    scope: 'transfers:write',
    ...extra,
  })

async function decide(amount: string, token: Record<string, unknown>, policy = createBankPolicy()) {
  const { result, fired } = await policy.transfers.decide({
    claims: claims(token),
    request: { method: 'POST', url: '/accounts/ACC-1/transfers' },
    details: [transfer(amount)],
    now: NOW,
  })
  return result.ok
    ? { ok: true, fired }
    : {
        ok: false,
        status: result.status,
        header: result.wwwAuthenticate,
        details: result.challenge.authorization_details,
      }
}

describe('the transfer policy (one module for Express and Fastify)', () => {
  const password = { acr: 'urn:stepup:acr:pwd', auth_time: NOW - 10 }

  it('lets transfers under 1,000 through on a password sign-in', async () => {
    expect(await decide('999.99', password)).toEqual({ ok: true, fired: [] })
  })

  it('asks for phr within 300 s from 1,000', async () => {
    expect(await decide('1000', password)).toMatchObject({
      status: 401,
      header: expect.stringContaining('acr_values="phr", max_age="300"'),
    })
    expect(await decide('5000', { acr: 'phr', auth_time: NOW - 301 })).toMatchObject({
      status: 401,
      header: expect.stringContaining('error_description="More recent authentication is required"'),
    })
    expect(await decide('5000', { acr: 'phrh', auth_time: NOW - 299 })).toEqual({
      ok: true,
      fired: ['transfer-amount'],
    })
  })

  it('asks for phrh within 60 s from 10,000 and names the transfer to request, in one challenge', async () => {
    for (const token of [
      password,
      { acr: 'phr', auth_time: NOW },
      { acr: 'phrh', auth_time: NOW - 61 },
    ]) {
      const answer = await decide('10000', token)
      expect(answer).toMatchObject({
        status: 401,
        header: expect.stringContaining('error="insufficient_user_authentication"'),
        details: [transfer('10000')],
      })
      expect(answer.header).toContain('acr_values="phrh", max_age="60"')
    }
  })

  it('from 10,000 wants the token to cover this transfer, once', async () => {
    const policy = createBankPolicy()
    const strong = { acr: 'phrh', auth_time: NOW - 5 }
    expect(await decide('10000', strong, policy)).toMatchObject({
      status: 403,
      header: expect.stringContaining('error="insufficient_authorization_details"'),
    })
    const bound = { ...strong, jti: 'one-grant', authorization_details: [transfer('10000.00')] }
    expect(await decide('10000', bound, policy)).toEqual({
      ok: true,
      fired: ['transfer-amount', 'transaction-binding'],
    })
    expect(await decide('10000', bound, policy)).toMatchObject({
      status: 403,
      header: expect.stringContaining('has already been used'),
    })
  })
})

describe('createBankPolicy limits', () => {
  const password = { acr: 'urn:stepup:acr:pwd', auth_time: NOW - 10 }

  it('asks for what the limits say: thresholds and max_age', async () => {
    const policy = createBankPolicy({
      phrFrom: '50',
      phrMaxAge: 120,
      phrhFrom: '100',
      phrhMaxAge: 30,
      bindingFrom: '100',
    })
    expect(await decide('49.99', password, policy)).toEqual({ ok: true, fired: [] })
    expect(await decide('50', password, policy)).toMatchObject({
      header: expect.stringContaining('acr_values="phr", max_age="120"'),
    })
    expect(await decide('100', password, policy)).toMatchObject({
      header: expect.stringContaining('acr_values="phrh", max_age="30"'),
      details: [transfer('100')],
    })
    expect(await decide('99', { acr: 'phr', auth_time: NOW - 121 }, policy)).toMatchObject({
      header: expect.stringContaining('error_description="More recent authentication is required"'),
    })
  })

  it('binds transfers from bindingFrom, even below the phrh threshold', async () => {
    const policy = createBankPolicy({ bindingFrom: '2000' })
    const strong = { acr: 'phr', auth_time: NOW - 5 }
    expect(await decide('2000', strong, policy)).toMatchObject({
      status: 403,
      header: expect.stringContaining('error="insufficient_authorization_details"'),
    })
    expect(await decide('1999.99', strong, policy)).toEqual({
      ok: true,
      fired: ['transfer-amount'],
    })
  })

  it('gives the password change the configured max_age', () => {
    expect(createBankPolicy({ passwordMaxAge: 60 }).passwordChange).toEqual({
      scope: ['password:write'],
      max_age: 60,
    })
    expect(createBankPolicy().passwordChange).toEqual(PASSWORD_CHANGE_REQUIREMENT)
    expect(PASSWORD_CHANGE_REQUIREMENT.max_age).toBe(300)
  })

  it('refuses unknown keys and bad limits', () => {
    expect(() => createBankPolicy({ phrMaxAgee: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }),
    )
    expect(() => createBankPolicy({ phrhFrom: '10' })).toThrow(
      'phrhFrom must be more than phrFrom (1000)',
    )
  })
})
