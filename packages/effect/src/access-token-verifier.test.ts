import { AccessTokenError } from '@stepup/assurance'
import { Effect, Exit } from 'effect'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { AccessTokenVerifier } from './access-token-verifier.js'
import { InvalidToken } from './assurance-errors.js'
import type { StepUpAuthError } from './errors.js'

const verify = (token: string, layer: ReturnType<typeof AccessTokenVerifier.test>, options = {}) =>
  Effect.runPromiseExit(
    AccessTokenVerifier.use((v) => v.verify(token, options)).pipe(Effect.provide(layer)),
  )

const refused = (
  exit: Exit.Exit<unknown, StepUpAuthError<'InvalidToken'>>,
): StepUpAuthError<'InvalidToken'>['reason'] => {
  const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
  if (reason?._tag !== 'Fail') throw new Error('expected InvalidToken')
  expect(reason.error._tag).toBe('StepUpAuthError')
  return reason.error.reason
}

describe('AccessTokenVerifier.test (no keys)', () => {
  const layer = AccessTokenVerifier.test({ t1: { sub: 'alice', scope: 'a b', acr: 'phr' } })

  it('resolves a known token to its typed claims', async () => {
    const exit = await verify('t1', layer)
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({ sub: 'alice', scopes: ['a', 'b'] })
  })

  it('refuses an unknown token with a generic 401 InvalidToken', async () => {
    const error = refused(await verify('nope', layer))
    expect(error).toMatchObject({
      _tag: 'InvalidToken',
      status: 401,
      error: 'invalid_token',
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
      temporary: false,
      challenge: { error: 'invalid_token', error_description: 'The access token is invalid' },
      wwwAuthenticate:
        'Bearer error="invalid_token", error_description="The access token is invalid"',
    })
    expect(error.message).not.toContain('nope')
  })

  it('checks the claims of its table when built', () => {
    expect(() => AccessTokenVerifier.test({ t: { acr: 7 } })).toThrow(AccessTokenError)
  })
})

describe('AccessTokenVerifier.fromFunction', () => {
  const layer = AccessTokenVerifier.fromFunction(async (token) => {
    if (token === 'down') throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'JWKS unreachable')
    if (token === 'crash') throw new Error('db at 10.0.0.7 refused')
    return { scopes: [], raw: {}, ...(token === 'bound' && { cnf: { jkt: 'k1' } }) }
  })

  it('RFC 9449 §7.2: refuses a DPoP-bound token presented as Bearer, accepts it with its key', async () => {
    expect(refused(await verify('bound', layer)).code).toBe('ERR_TOKEN_DPOP_BOUND')
    expect(Exit.isSuccess(await verify('bound', layer, { scheme: 'DPoP', jkt: 'k1' }))).toBe(true)
    expect(refused(await verify('bound', layer, { scheme: 'DPoP', jkt: 'k2' })).code).toBe(
      'ERR_TOKEN_DPOP_MISMATCH',
    )
  })

  it('RFC 8705 §3: refuses a certificate-bound token without its certificate thumbprint', async () => {
    const mtls = AccessTokenVerifier.fromFunction(async () => ({
      scopes: [],
      raw: {},
      cnf: { 'x5t#S256': 'thumb' },
    }))
    expect(refused(await verify('t', mtls)).code).toBe('ERR_TOKEN_CNF_MISMATCH')
    expect(Exit.isSuccess(await verify('t', mtls, { x5tS256: 'thumb' }))).toBe(true)
  })

  it('a verifier outage is a temporary 503 without a challenge', async () => {
    const error = refused(await verify('down', layer))
    expect(error).toMatchObject({ status: 503, temporary: true, error: 'temporarily_unavailable' })
    expect(error.wwwAuthenticate).toBeUndefined()
    expect(error.toAccessTokenError()).toBe(error.cause)
  })

  it('a 503 keeps the verifier’s Retry-After (a key set that may not be fetched yet)', async () => {
    const busy = AccessTokenVerifier.fromFunction(async () => {
      throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'kid not fetchable yet', {
        retryAfter: 12,
      })
    })
    const error = refused(await verify('t', busy))
    expect(error).toMatchObject({ status: 503, retryAfter: 12 })
    expect(error.toErrorResponse().headers['retry-after']).toBe('12')
    expect(InvalidToken.fromCause(error.toAccessTokenError()).retryAfter).toBe(12)
  })

  it('anything else thrown is a generic invalid_token, the reason kept in cause only', async () => {
    const error = refused(await verify('crash', layer))
    expect(error).toMatchObject({ status: 401, code: undefined })
    expect(JSON.stringify(error.toErrorResponse())).not.toContain('10.0.0.7')
    expect(error.toAccessTokenError()).toBeInstanceOf(AccessTokenError)
  })
})

describe('AccessTokenVerifier.jwt (RFC 9068 through @stepup/assurance)', () => {
  it('verifies an at+jwt signed with the configured key and refuses a wrong audience', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k' }] }
    const sign = (aud: string) =>
      new SignJWT({ scope: 'accounts:read', client_id: 'web', acr: 'phrh' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'at+jwt' })
        .setIssuer('https://as.example.com')
        .setAudience(aud)
        .setSubject('alice')
        .setIssuedAt()
        .setJti('j1')
        .setExpirationTime('5m')
        .sign(privateKey)
    const layer = AccessTokenVerifier.jwt({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
    })
    const ok = await verify(await sign('https://api.example.com'), layer)
    expect(Exit.isSuccess(ok) && ok.value).toMatchObject({ sub: 'alice', acr: 'phrh' })
    const bad = refused(await verify(await sign('https://other.example.com'), layer))
    expect(bad).toMatchObject({ status: 401, code: 'ERR_TOKEN_CLAIM_INVALID' })
  })

  it('checks its options when called', () => {
    expect(() => AccessTokenVerifier.jwt({ issuer: '', audience: [], jwks: { keys: [] } })).toThrow(
      TypeError,
    )
  })
})
