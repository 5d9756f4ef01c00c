import { describe, expect, it } from 'vitest'
import { type AccessTokenClaims, checkConfirmation } from '../src/claims.ts'

type Claims = Pick<AccessTokenClaims, 'cnf' | 'raw'>
const bound = (cnf: Record<string, unknown>, raw: Record<string, unknown> = {}): Claims =>
  ({ cnf, raw }) as Claims
const refusal = (code: string, message: string) =>
  expect.objectContaining({ name: 'AccessTokenError', code, message })

describe('checkConfirmation: each refusal says which rule failed', () => {
  it.each([
    [
      'a cnf that is not an object',
      { cnf: 'x', raw: {} } as unknown as Claims,
      {},
      'ERR_TOKEN_CNF_UNSUPPORTED',
      'token "cnf" is not a JSON object (RFC 7800 §3.1)',
    ],
    [
      'a cnf naming no method',
      bound({}),
      {},
      'ERR_TOKEN_CNF_UNSUPPORTED',
      'token "cnf" names no confirmation method (RFC 7800 §3.1)',
    ],
    [
      'a cnf method nothing checks',
      bound({ jwk: {} }),
      {},
      'ERR_TOKEN_CNF_UNSUPPORTED',
      'token "cnf" member "jwk" is a confirmation method nothing checks (RFC 7800 §3.1)',
    ],
    [
      'the DPoP scheme without cnf.jkt, and no proof key',
      bound({ 'x5t#S256': 'c' }),
      { scheme: 'DPoP', x5tS256: 'c' },
      'ERR_TOKEN_DPOP_MISMATCH',
      'token presented with the DPoP scheme has no "cnf.jkt" (RFC 9449 §7.1)',
    ],
    [
      'the DPoP scheme with another key',
      bound({ jkt: 'a' }),
      { scheme: 'DPoP', jkt: 'b' },
      'ERR_TOKEN_DPOP_MISMATCH',
      'DPoP proof key thumbprint is not the token "cnf.jkt" (RFC 9449 §6.1)',
    ],
    [
      'a certificate-bound token without a certificate',
      bound({ 'x5t#S256': 'c' }),
      {},
      'ERR_TOKEN_CNF_MISMATCH',
      'token bound to a client certificate ("cnf.x5t#S256") came without one (RFC 8705 §3)',
    ],
    [
      'a certificate-bound token with another certificate',
      bound({ 'x5t#S256': 'c' }),
      { x5tS256: 'd' },
      'ERR_TOKEN_CNF_MISMATCH',
      'client certificate thumbprint is not the token "cnf.x5t#S256" (RFC 8705 §3)',
    ],
  ])('%s', (_, claims, presentation, code, message) => {
    expect(() =>
      checkConfirmation(claims, presentation as Parameters<typeof checkConfirmation>[1]),
    ).toThrow(refusal(code, message))
  })

  it('a check that does not return true', () => {
    expect(() => checkConfirmation(bound({ jwk: {} }), {}, { jwk: () => false })).toThrow(
      refusal(
        'ERR_TOKEN_CNF_MISMATCH',
        'request does not prove the token "cnf" member "jwk" (RFC 7800 §3.1)',
      ),
    )
  })
})

describe('checkConfirmation: what it accepts', () => {
  it('an introspection token_type other than DPoP, presented as Bearer', () => {
    expect(() => checkConfirmation({ raw: { token_type: 'Bearer' } })).not.toThrow()
  })

  it('claims an app built without raw', () => {
    expect(() => checkConfirmation({} as Claims, { scheme: 'Bearer' })).not.toThrow()
  })

  it('jkt and x5t#S256 by their own rules, never by checks of the same names', () => {
    const claims = bound({ jkt: 'k', 'x5t#S256': 'c' })
    const never = { jkt: () => false, 'x5t#S256': () => false }
    expect(() =>
      checkConfirmation(claims, { scheme: 'DPoP', jkt: 'k', x5tS256: 'c' }, never),
    ).not.toThrow()
  })
})
