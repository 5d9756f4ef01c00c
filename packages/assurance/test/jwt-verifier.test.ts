import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { exportSPKI, type JWTPayload, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AccessTokenError,
  type AccessTokenErrorCode,
  createJwtAccessTokenVerifier,
  type JwtAccessTokenVerifierOptions,
  toErrorResponse,
} from '../src/index.ts'
import {
  AUDIENCE,
  b64url,
  codeOf,
  EX_9470_05,
  ISSUER,
  makeKey,
  NOW,
  sign,
  type TestKey,
} from './keys.ts'

let rsa: TestKey
let ec: TestKey
let ed: TestKey
let other: TestKey

beforeAll(async () => {
  ;[rsa, ec, ed, other] = await Promise.all([
    makeKey('RS256', 'RjEwOwOA'),
    makeKey('ES256', 'LTacESbw'),
    makeKey('EdDSA', 'ed-1'),
    makeKey('ES256', 'LTacESbw'),
  ])
})

const verifierFor = (extra: Partial<JwtAccessTokenVerifierOptions> = {}) =>
  createJwtAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [rsa.jwk, ec.jwk, ed.jwk] },
    now: () => NOW,
    ...extra,
  })

const claims = (patch: Record<string, unknown>): JWTPayload => ({ ...EX_9470_05, ...patch })

describe('RFC 9068 §4 — accepted tokens', () => {
  const cases: { title: string; key: () => TestKey; header?: Record<string, unknown> }[] = [
    {
      title: 'TK-01: typ "at+JWT" with ES256 (EX-9470-05 header)',
      key: () => ec,
      header: { typ: 'at+JWT' },
    },
    {
      title: 'TK-02: typ "at+JWT" with RS256 (EX-9068-02 header)',
      key: () => rsa,
      header: { typ: 'at+JWT' },
    },
    {
      title: 'TK-03: typ "application/at+jwt"',
      key: () => rsa,
      header: { typ: 'application/at+jwt' },
    },
    { title: 'typ "at+jwt" with EdDSA', key: () => ed },
    {
      title: 'typ compared case-insensitively ("APPLICATION/AT+JWT")',
      key: () => ec,
      header: { typ: 'APPLICATION/AT+JWT' },
    },
  ]
  it.each(cases)('$title', async ({ key, header }) => {
    const verified = await verifierFor().verify(await sign(key(), EX_9470_05, header))
    expect(verified).toMatchObject({
      sub: 'someone@example.net',
      client_id: 's6BhdRkqt3',
      acr: 'myACR',
      auth_time: 1646340198,
      scope: 'purchase',
      scopes: ['purchase'],
    })
    expect(verified.raw['jti']).toBe('e1j3V_bKic8-LAEB_lccD0G')
  })

  it('TK-06: the EX-9068-02 claims pass with their own issuer and audience; no acr or auth_time', async () => {
    const payload = {
      iss: 'https://authorization-server.example.com/',
      sub: '5ba552d67',
      aud: 'https://rs.example.com/',
      exp: 1639528912,
      iat: 1618354090,
      jti: 'dbe39bf3a3ba4238a513f51d6e1691c4',
      client_id: 's6BhdRkqt3',
      scope: 'openid profile reademail',
    }
    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://authorization-server.example.com/',
      audience: 'https://rs.example.com/',
      jwks: rsa.jwk,
      now: () => 1618354100,
    })
    const verified = await verifier.verify(await sign(rsa, payload, { typ: 'at+JWT' }))
    expect(verified.scopes).toEqual(['openid', 'profile', 'reademail'])
    expect(verified.acr).toBeUndefined()
    expect(verified.auth_time).toBeUndefined()
  })

  it('accepts aud as an array containing the resource, and a configured list of audiences', async () => {
    const token = await sign(ec, claims({ aud: ['https://other.example.com', AUDIENCE] }))
    await expect(verifierFor().verify(token)).resolves.toMatchObject({ acr: 'myACR' })
    const listed = verifierFor({ audience: ['https://x.example.com', AUDIENCE] })
    await expect(listed.verify(await sign(ec))).resolves.toMatchObject({ acr: 'myACR' })
  })

  it('applies clockTolerance to exp, nbf and iat', async () => {
    const expired = await sign(ec, claims({ exp: NOW - 5 }))
    expect(await codeOf(verifierFor().verify(expired))).toBe('ERR_TOKEN_EXPIRED')
    const early = await sign(ec, claims({ nbf: NOW + 5, iat: NOW + 5 }))
    expect(await codeOf(verifierFor().verify(early))).toBe('ERR_TOKEN_CLAIM_INVALID')
    const token = await sign(ec, claims({ exp: NOW - 5, nbf: NOW + 5, iat: NOW + 5 }))
    await expect(verifierFor({ clockTolerance: 10 }).verify(token)).resolves.toBeDefined()
  })

  it('accepts a DPoP-bound token presented with the DPoP scheme and the matching proof key', async () => {
    const token = await sign(
      ec,
      claims({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }),
    )
    const verified = await verifierFor().verify(token, {
      scheme: 'DPoP',
      jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I',
    })
    expect(verified.cnf?.jkt).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I')
  })

  it('validates authorization_details with the registry when given (TK-11 shape)', async () => {
    const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
    const detail = {
      type: 'urn:bank:params:oauth:request:transaction',
      transaction: {
        amount: '10000',
        currency: 'EUR',
        destination_account: 'DE02100100109307118603',
      },
    }
    const token = await sign(ec, claims({ authorization_details: [detail] }))
    const verified = await verifierFor({ authorizationDetails: registry }).verify(token)
    expect(verified.authorization_details).toEqual([detail])
    const bad = await sign(
      ec,
      claims({ authorization_details: [{ ...detail, transaction: { amount: 'x' } }] }),
    )
    expect(await codeOf(verifierFor({ authorizationDetails: registry }).verify(bad))).toBe(
      'ERR_TOKEN_CLAIM_INVALID',
    )
  })
})

describe('RFC 9068 §4 — attack table: every token is refused with invalid_token', () => {
  const unsigned = (header: object, payload: object = EX_9470_05) =>
    `${b64url(header)}.${b64url(payload)}.`
  const cases: {
    title: string
    token: () => Promise<string>
    code: AccessTokenErrorCode
    options?: () => Partial<JwtAccessTokenVerifierOptions>
    scheme?: { scheme: 'Bearer' | 'DPoP'; jkt?: string }
  }[] = [
    {
      title: 'TK-05: alg "none" (R-9068-22)',
      token: async () => unsigned({ alg: 'none', typ: 'at+jwt' }),
      code: 'ERR_TOKEN_ALG_NOT_ALLOWED',
    },
    {
      title: 'alg "NONE" spelled differently',
      token: async () => unsigned({ alg: 'NONE', typ: 'at+jwt' }),
      code: 'ERR_TOKEN_ALG_NOT_ALLOWED',
    },
    {
      title: 'HS256 signed with the RSA public key as the secret (key confusion)',
      token: async () =>
        new SignJWT(EX_9470_05)
          .setProtectedHeader({ alg: 'HS256', kid: rsa.kid, typ: 'at+jwt' })
          .sign(new TextEncoder().encode(await exportSPKI(rsa.publicKey))),
      code: 'ERR_TOKEN_ALG_NOT_ALLOWED',
    },
    {
      title: 'HS256 with the RSA key configured even when HS256 is allowed',
      token: async () =>
        new SignJWT(EX_9470_05)
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
          .sign(new TextEncoder().encode(await exportSPKI(rsa.publicKey))),
      options: () => ({ jwks: rsa.publicKey, algorithms: ['RS256', 'HS256'] }),
      code: 'ERR_TOKEN_KEY_NOT_FOUND',
    },
    {
      title: 'TK-04: typ "JWT" (an ID Token shape)',
      token: () => sign(ec, EX_9470_05, { typ: 'JWT' }),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'typ missing',
      token: () => sign(ec, EX_9470_05, { typ: undefined }),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'typ "dpop+jwt"',
      token: () => sign(ec, EX_9470_05, { typ: 'dpop+jwt' }),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'wrong iss (R-9068-20, exact match)',
      token: () => sign(ec, claims({ iss: `${ISSUER}/` })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'iss missing',
      token: () => sign(ec, claims({ iss: undefined })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'wrong aud (R-9068-21)',
      token: () => sign(ec, claims({ aud: 'https://other.example.com' })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'aud missing',
      token: () => sign(ec, claims({ aud: undefined })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'expired (R-9068-23)',
      token: () => sign(ec, claims({ exp: NOW })),
      code: 'ERR_TOKEN_EXPIRED',
    },
    {
      title: 'exp missing',
      token: () => sign(ec, claims({ exp: undefined })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'nbf in the future',
      token: () => sign(ec, claims({ nbf: NOW + 1 })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'iat in the future',
      token: () => sign(ec, claims({ iat: NOW + 1 })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'unknown kid',
      token: () => sign(ec, EX_9470_05, { kid: 'unknown' }),
      code: 'ERR_TOKEN_KEY_NOT_FOUND',
    },
    {
      title: 'signed by another key under a known kid',
      token: () => sign(other),
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
    },
    {
      title: 'tampered payload',
      token: async () => {
        const [h, , s] = (await sign(ec)).split('.')
        return `${h}.${b64url(claims({ acr: 'phrh' }))}.${s}`
      },
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
    },
    {
      title: 'oversized token',
      token: async () => `${await sign(ec)}${'A'.repeat(9000)}`,
      code: 'ERR_TOKEN_TOO_LARGE',
    },
    { title: 'not a JWT', token: async () => 'mF_9.B5f-4.1JqM', code: 'ERR_TOKEN_MALFORMED' },
    { title: 'empty string', token: async () => '', code: 'ERR_TOKEN_MALFORMED' },
    {
      title: 'TK-09 / DP-07: DPoP-bound token (cnf.jkt) presented as Bearer (R-9449-21)',
      token: () =>
        sign(ec, claims({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } })),
      code: 'ERR_TOKEN_DPOP_BOUND',
    },
    {
      title: 'DPoP scheme with a proof key that is not the bound key',
      token: () =>
        sign(ec, claims({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } })),
      scheme: { scheme: 'DPoP', jkt: 'another-thumbprint' },
      code: 'ERR_TOKEN_DPOP_MISMATCH',
    },
    {
      title: 'DPoP scheme with an unbound token',
      token: () => sign(ec),
      scheme: { scheme: 'DPoP', jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' },
      code: 'ERR_TOKEN_DPOP_MISMATCH',
    },
    {
      title: 'acr that is not a string',
      token: () => sign(ec, claims({ acr: 2 })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'auth_time that is not a number',
      token: () => sign(ec, claims({ auth_time: '1646340198' })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'scope that is not a string',
      token: () => sign(ec, claims({ scope: ['purchase'] })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'cnf.jkt that is not a string',
      token: () => sign(ec, claims({ cnf: { jkt: 1 } })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'authorization_details that is an object',
      token: () => sign(ec, claims({ authorization_details: { type: 'x' } })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'an algorithm outside a configured allow-list',
      token: () => sign(rsa),
      options: () => ({ algorithms: ['ES256'] }),
      code: 'ERR_TOKEN_ALG_NOT_ALLOWED',
    },
  ]

  it.each(cases)('$title → $code', async ({ token, code, options, scheme }) => {
    const verifier = verifierFor(options?.())
    const error = await verifier.verify(await token(), scheme).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AccessTokenError)
    const e = error as AccessTokenError
    expect(e.code).toBe(code)
    expect(e).toMatchObject({ error: 'invalid_token', status: 401, temporary: false })
    expect(toErrorResponse(e)).toEqual({
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer error="invalid_token", error_description="The access token is invalid"',
        'content-type': 'application/json',
      },
      body: { error: 'invalid_token', error_description: 'The access token is invalid' },
    })
    expect(e.message).not.toContain('someone@example.net')
  })
})

describe('factory checks (caller mistakes throw coded TypeErrors)', () => {
  const bad: { title: string; options: () => Partial<JwtAccessTokenVerifierOptions> }[] = [
    { title: 'algorithms with "none"', options: () => ({ algorithms: ['none'] }) },
    { title: 'an unknown algorithm', options: () => ({ algorithms: ['RS1'] }) },
    { title: 'empty algorithms', options: () => ({ algorithms: [] }) },
    {
      title: 'a shared secret with asymmetric algorithms',
      options: () => ({ jwks: new Uint8Array(32) }),
    },
    { title: 'empty issuer', options: () => ({ issuer: '' }) },
    { title: 'empty audience list', options: () => ({ audience: [] }) },
    { title: 'negative clockTolerance', options: () => ({ clockTolerance: -1 }) },
    {
      title: 'jwks as a string',
      options: () => ({ jwks: 'https://as.example.net/jwks' as never }),
    },
    { title: 'an invalid JWK Set', options: () => ({ jwks: { keys: 'x' } as never }) },
    { title: 'cache.max not an integer', options: () => ({ cache: { max: 1.5 } }) },
  ]
  it.each(bad)('$title', ({ options }) => {
    expect(() => verifierFor(options())).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('allows HS256 only when configured, with a shared secret', async () => {
    const secret = new Uint8Array(32).fill(7)
    const token = await new SignJWT(EX_9470_05)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(secret)
    expect(await codeOf(verifierFor({ jwks: { keys: [rsa.jwk] } }).verify(token))).toBe(
      'ERR_TOKEN_ALG_NOT_ALLOWED',
    )
    await expect(
      verifierFor({ jwks: secret, algorithms: ['HS256'] }).verify(token),
    ).resolves.toBeDefined()
  })

  it('requires jkt with the DPoP scheme', async () => {
    await expect(verifierFor().verify(await sign(ec), { scheme: 'DPoP' })).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_MISSING_ARGS',
    })
  })
})

describe('verified-token cache', () => {
  it('verifies each token once while cached, and never past exp', async () => {
    let now = NOW
    let fetches = 0
    const jwks = { keys: [ec.jwk] }
    const verifier = createJwtAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: new URL('https://as.example.net/jwks'),
      fetch: async () => {
        fetches++
        return Response.json(jwks)
      },
      jwksOptions: { cacheMaxAge: 0 },
      cache: { max: 10 },
      now: () => now,
    })
    const token = await sign(ec, claims({ exp: NOW + 60 }))
    await verifier.verify(token)
    await verifier.verify(token)
    expect(fetches).toBe(1)
    now = NOW + 60
    expect(await codeOf(verifier.verify(token))).toBe('ERR_TOKEN_EXPIRED')
    expect(fetches).toBe(2)
  })

  it('keeps applying the sender-constraint check to cached claims', async () => {
    const verifier = verifierFor({ cache: {} })
    const token = await sign(ec, claims({ cnf: { jkt: 'abc' } }))
    await verifier.verify(token, { scheme: 'DPoP', jkt: 'abc' })
    expect(await codeOf(verifier.verify(token))).toBe('ERR_TOKEN_DPOP_BOUND')
  })
})

describe('remote JWK Set (the local-server case is in jwt-verifier.integration.test.ts)', () => {
  const unavailable: { title: string; fetch: typeof fetch }[] = [
    { title: 'network failure', fetch: async () => Promise.reject(new TypeError('fetch failed')) },
    { title: 'HTTP 500', fetch: async () => new Response('oops', { status: 500 }) },
    { title: 'not JSON', fetch: async () => new Response('<html>', { status: 200 }) },
    { title: 'not a JWK Set', fetch: async () => Response.json({ keys: 'x' }) },
  ]
  it.each(unavailable)('$title → ERR_VERIFIER_UNAVAILABLE (503, temporary)', async ({ fetch }) => {
    const verifier = createJwtAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: new URL('https://as.example.net/jwks'),
      fetch,
      now: () => NOW,
    })
    const error = (await verifier
      .verify(await sign(ec))
      .catch((e: unknown) => e)) as AccessTokenError
    expect(error).toMatchObject({ code: 'ERR_VERIFIER_UNAVAILABLE', temporary: true, status: 503 })
    expect(toErrorResponse(error)).toEqual({
      status: 503,
      headers: { 'content-type': 'application/json' },
      body: {
        error: 'temporarily_unavailable',
        error_description: 'The access token cannot be verified right now',
      },
    })
  })
})
