import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { exportJWK, exportSPKI, type JWK, type JWTPayload, SignJWT } from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { checkConfirmation, parseAccessTokenClaims } from '../src/claims.ts'
import {
  AccessTokenError,
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
/** A JWK without its `use` member. */
const unused = ({ use: _, ...jwk }: JWK): JWK => jwk
/** A base64url SHA-256 certificate thumbprint (RFC 8705 §3.1 example). */
const X5T = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2'

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
    const verified = await verifierFor({ authorizationDetailsRegistry: registry }).verify(token)
    expect(verified.authorization_details).toEqual([detail])
    const bad = await sign(
      ec,
      claims({ authorization_details: [{ ...detail, transaction: { amount: 'x' } }] }),
    )
    expect(await codeOf(verifierFor({ authorizationDetailsRegistry: registry }).verify(bad))).toBe(
      'ERR_TOKEN_CLAIM_INVALID',
    )
  })

  it('refuses authorization_details sent as JSON text, with or without a registry (RFC 9396 §2)', async () => {
    const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
    const detail = {
      type: 'urn:bank:params:oauth:request:transaction',
      transaction: { amount: '1', currency: 'EUR', destination_account: 'DE02100100109307118603' },
    }
    for (const ad of [JSON.stringify([detail]), null, { ...detail }]) {
      const token = await sign(ec, claims({ authorization_details: ad }))
      for (const options of [{ authorizationDetailsRegistry: registry }, {}]) {
        expect(await codeOf(verifierFor(options).verify(token))).toBe('ERR_TOKEN_CLAIM_INVALID')
      }
    }
  })
})

describe('RFC 9068 §4 — attack table: every token is refused with invalid_token', () => {
  const unsigned = (header: object, payload: object = EX_9470_05) =>
    `${b64url(header)}.${b64url(payload)}.`
  const cases: {
    title: string
    token: () => Promise<string>
    code: AccessTokenError['code']
    options?: () => Partial<JwtAccessTokenVerifierOptions>
    scheme?: { scheme: 'Bearer' | 'DPoP'; jkt?: string; x5tS256?: string }
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
    ...(['sub', 'client_id', 'iat', 'jti'] as const).map((claim) => ({
      title: `${claim} missing (RFC 9068 §2.2)`,
      token: () => sign(ec, claims({ [claim]: undefined })),
      code: 'ERR_TOKEN_CLAIM_INVALID' as const,
    })),
    {
      title: 'jti empty (RFC 9068 §2.2)',
      token: () => sign(ec, claims({ jti: '' })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'cnf with a confirmation method nothing checks (RFC 7800 §3.1)',
      token: () => sign(ec, claims({ cnf: { jwk: { kty: 'EC' } } })),
      code: 'ERR_TOKEN_CNF_UNSUPPORTED',
    },
    {
      title: 'cnf.jkt with a confirmation method nothing checks, presented with its proof key',
      token: () => sign(ec, claims({ cnf: { jkt: 'abc', 'x5t#S1': 'abc' } })),
      scheme: { scheme: 'DPoP', jkt: 'abc' },
      code: 'ERR_TOKEN_CNF_UNSUPPORTED',
    },
    {
      title: 'cnf naming no confirmation method',
      token: () => sign(ec, claims({ cnf: {} })),
      code: 'ERR_TOKEN_CNF_UNSUPPORTED',
    },
    {
      title: 'RFC 8705 §3: certificate-bound token presented without a client certificate',
      token: () => sign(ec, claims({ cnf: { 'x5t#S256': X5T } })),
      code: 'ERR_TOKEN_CNF_MISMATCH',
    },
    {
      title: 'RFC 8705 §3: certificate-bound token presented over another certificate',
      token: () => sign(ec, claims({ cnf: { 'x5t#S256': X5T } })),
      scheme: { scheme: 'Bearer', x5tS256: 'A'.repeat(43) },
      code: 'ERR_TOKEN_CNF_MISMATCH',
    },
    {
      title: 'cnf.x5t#S256 that is not a string',
      token: () => sign(ec, claims({ cnf: { 'x5t#S256': 1 } })),
      code: 'ERR_TOKEN_CLAIM_INVALID',
    },
    {
      title: 'DPoP and certificate bound, presented with the proof key but no certificate',
      token: () => sign(ec, claims({ cnf: { jkt: 'abc', 'x5t#S256': X5T } })),
      scheme: { scheme: 'DPoP', jkt: 'abc' },
      code: 'ERR_TOKEN_CNF_MISMATCH',
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
    for (const identifying of ['someone@example.net', 'e1j3V_bKic8-LAEB_lccD0G', 's6BhdRkqt3']) {
      expect(e.message).not.toContain(identifying)
    }
  })
})

describe('readable reasons: the message says what was wrong and where the rule is', () => {
  const cases: {
    token: () => Promise<string>
    message: string
    options?: Partial<JwtAccessTokenVerifierOptions>
  }[] = [
    {
      token: () => sign(ec, EX_9470_05, { typ: 'JWT' }),
      message: 'token "typ" is "JWT", expected "at+jwt" (RFC 9068 §2.1)',
    },
    {
      token: () => sign(ec, EX_9470_05, { typ: undefined }),
      message: 'token has no "typ" header, expected "at+jwt" (RFC 9068 §2.1)',
    },
    {
      token: () => sign(ec, claims({ jti: undefined })),
      message: 'token has no "jti" claim (RFC 9068 §2.2)',
    },
    {
      token: () => sign(ec, claims({ client_id: undefined })),
      message: 'token has no "client_id" claim (RFC 9068 §2.2)',
    },
    {
      token: () => sign(ec, claims({ iss: `${ISSUER}/` })),
      message:
        'token "iss" is "https://as.example.net/", expected exactly "https://as.example.net" (RFC 9068 §4)',
    },
    {
      token: () => sign(ec, claims({ aud: 'https://other.example.com' })),
      message: 'token "aud" does not contain the configured audience (RFC 9068 §4)',
    },
    {
      token: () => sign(ec, claims({ exp: NOW - 30 })),
      message: 'token "exp" passed 30 s ago, clockTolerance is 0 s (RFC 9068 §4)',
    },
    {
      token: async () => `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(EX_9470_05)}.`,
      message: 'token "alg" is "none", not one of the allowed algorithms (RFC 8725 §3.1)',
    },
    {
      token: () => sign(other),
      message: "token signature does not verify with the issuer's key (RFC 7515 §5.2)",
    },
    {
      token: () => sign(ec, EX_9470_05, { kid: 'unknown' }),
      message: 'no key of the JWK Set matches the token "kid" and "alg" (RFC 7515 §4.1.4)',
    },
    {
      token: () => sign(ec, claims({ acr: 2 })),
      message: 'token "acr" is not a string (RFC 7519 §4.1, RFC 9068 §2.2)',
    },
    {
      token: () => sign(ec, claims({ cnf: { jkt: 'abc' } })),
      message: 'token bound to a DPoP key presented as Bearer (RFC 9449 §7.2)',
    },
    {
      token: () => sign(ec, claims({ cnf: { 'x5t#S256': X5T } })),
      message:
        'token bound to a client certificate ("cnf.x5t#S256") came without one (RFC 8705 §3)',
    },
  ]
  it.each(cases)('$message', async ({ token, message, options }) => {
    const error = await verifierFor(options)
      .verify(await token())
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AccessTokenError)
    expect((error as AccessTokenError).message).toBe(message)
    // The wire keeps the generic description.
    expect((error as AccessTokenError).challenge.error_description).toBe(
      'The access token is invalid',
    )
  })
})

describe('RFC 9068 §2.2 required claims, and requiredClaims for other issuers', () => {
  const bare = () =>
    claims({ sub: undefined, client_id: undefined, iat: undefined, jti: undefined })

  it('accepts a token without the identity claims when requiredClaims is empty', async () => {
    const verified = await verifierFor({ requiredClaims: [] }).verify(await sign(ec, bare()))
    expect(verified.sub).toBeUndefined()
    expect(verified.acr).toBe('myACR')
  })

  it('still requires iss, aud and exp with requiredClaims: []', async () => {
    const verifier = verifierFor({ requiredClaims: [] })
    for (const claim of ['iss', 'aud', 'exp']) {
      const error = (await verifier
        .verify(await sign(ec, { ...bare(), [claim]: undefined }))
        .catch((e: unknown) => e)) as AccessTokenError
      expect(error).toMatchObject({
        code: 'ERR_TOKEN_CLAIM_INVALID',
        message: `token has no "${claim}" claim (RFC 9068 §2.2)`,
      })
    }
  })

  it('requires exactly the claims listed', async () => {
    const verifier = verifierFor({ requiredClaims: ['sub'] })
    await expect(
      verifier.verify(await sign(ec, claims({ jti: undefined }))),
    ).resolves.toMatchObject({ sub: 'someone@example.net' })
    expect(await codeOf(verifier.verify(await sign(ec, claims({ sub: undefined }))))).toBe(
      'ERR_TOKEN_CLAIM_INVALID',
    )
  })
})

describe('sender constraints: checkConfirmation', () => {
  const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
  const bound = (cnf: unknown, raw: Record<string, unknown> = {}) => ({
    ...(cnf !== undefined && { cnf: cnf as { jkt?: string } }),
    raw,
  })
  const codeOfCall = (call: () => void) => {
    try {
      call()
    } catch (e) {
      expect(e).toBeInstanceOf(AccessTokenError)
      return (e as AccessTokenError).code
    }
    return 'accepted'
  }
  const table: {
    title: string
    cnf: unknown
    presentation: { scheme?: 'Bearer' | 'DPoP'; jkt?: string; x5tS256?: string }
    raw?: Record<string, unknown>
    expected: AccessTokenError['code'] | 'accepted'
  }[] = [
    { title: 'no cnf, Bearer', cnf: undefined, presentation: {}, expected: 'accepted' },
    {
      title: 'no cnf, Bearer over mTLS (an unbound token may come with a certificate)',
      cnf: undefined,
      presentation: { x5tS256: X5T },
      expected: 'accepted',
    },
    {
      title: '{ jkt }, DPoP with that key',
      cnf: { jkt: JKT },
      presentation: { scheme: 'DPoP', jkt: JKT },
      expected: 'accepted',
    },
    {
      title: '{ jkt } as Bearer (RFC 9449 §7.2)',
      cnf: { jkt: JKT },
      presentation: { scheme: 'Bearer' },
      expected: 'ERR_TOKEN_DPOP_BOUND',
    },
    {
      title: '{ jkt }, DPoP with another key',
      cnf: { jkt: JKT },
      presentation: { scheme: 'DPoP', jkt: 'other' },
      expected: 'ERR_TOKEN_DPOP_MISMATCH',
    },
    {
      title: 'unbound token presented with DPoP',
      cnf: undefined,
      presentation: { scheme: 'DPoP', jkt: JKT },
      expected: 'ERR_TOKEN_DPOP_MISMATCH',
    },
    {
      title: 'introspection token_type DPoP as Bearer (RFC 9449 §6.2)',
      cnf: undefined,
      raw: { token_type: 'DPoP' },
      presentation: {},
      expected: 'ERR_TOKEN_DPOP_BOUND',
    },
    {
      title: '{ x5t#S256 } with that certificate (RFC 8705 §3)',
      cnf: { 'x5t#S256': X5T },
      presentation: { x5tS256: X5T },
      expected: 'accepted',
    },
    {
      title: '{ x5t#S256 } without a certificate',
      cnf: { 'x5t#S256': X5T },
      presentation: {},
      expected: 'ERR_TOKEN_CNF_MISMATCH',
    },
    {
      title: '{ x5t#S256 } with DPoP (not bound to a DPoP key)',
      cnf: { 'x5t#S256': X5T },
      presentation: { scheme: 'DPoP', jkt: JKT, x5tS256: X5T },
      expected: 'ERR_TOKEN_DPOP_MISMATCH',
    },
    {
      title: '{ jkt, x5t#S256 } with both proofs',
      cnf: { jkt: JKT, 'x5t#S256': X5T },
      presentation: { scheme: 'DPoP', jkt: JKT, x5tS256: X5T },
      expected: 'accepted',
    },
    {
      title: 'an unknown method',
      cnf: { jwk: {} },
      presentation: {},
      expected: 'ERR_TOKEN_CNF_UNSUPPORTED',
    },
    { title: 'cnf null', cnf: null, presentation: {}, expected: 'ERR_TOKEN_CNF_UNSUPPORTED' },
    {
      title: 'cnf a string',
      cnf: 'abc',
      presentation: {},
      expected: 'ERR_TOKEN_CNF_UNSUPPORTED',
    },
  ]
  it.each(table)('$title → $expected', ({ cnf, raw, presentation, expected }) => {
    expect(codeOfCall(() => checkConfirmation(bound(cnf, raw), presentation))).toBe(expected)
  })

  it('lets the app check another confirmation method', () => {
    const seen: unknown[] = []
    const checks = {
      jwk: (value: unknown, presentation: { x5tS256?: string }) => {
        seen.push(value)
        return presentation.x5tS256 === 'from-the-key'
      },
    }
    const claims = bound({ jwk: { kty: 'EC' } })
    expect(codeOfCall(() => checkConfirmation(claims, { x5tS256: 'from-the-key' }, checks))).toBe(
      'accepted',
    )
    expect(codeOfCall(() => checkConfirmation(claims, {}, checks))).toBe('ERR_TOKEN_CNF_MISMATCH')
    expect(seen).toEqual([{ kty: 'EC' }, { kty: 'EC' }])
  })

  it('runs the app check through the verifier option confirmation', async () => {
    const token = await sign(ec, claims({ cnf: { jwk: { kty: 'EC' } } }))
    const verifier = verifierFor({ confirmation: { jwk: (_, p) => p.x5tS256 === X5T } })
    await expect(verifier.verify(token, { x5tS256: X5T })).resolves.toBeDefined()
    expect(await codeOf(verifier.verify(token))).toBe('ERR_TOKEN_CNF_MISMATCH')
  })

  it('accepts an mTLS-bound JWT presented with its certificate thumbprint (RFC 8705 §3.1)', async () => {
    const token = await sign(ec, claims({ cnf: { 'x5t#S256': X5T } }))
    const verified = await verifierFor({ cache: {} }).verify(token, { x5tS256: X5T })
    expect(verified.cnf?.['x5t#S256']).toBe(X5T)
  })

  it('refuses an x5tS256 that is not a string as a caller mistake', async () => {
    await expect(
      verifierFor().verify(await sign(ec), { x5tS256: 1 as never }),
    ).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  })

  it('type-checks cnf["x5t#S256"] in parseAccessTokenClaims', () => {
    expect(() => parseAccessTokenClaims({ cnf: { 'x5t#S256': 5 } })).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_CLAIM_INVALID' }),
    )
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
    { title: 'an infinite clockTolerance', options: () => ({ clockTolerance: Infinity }) },
    { title: 'a clockTolerance that is NaN', options: () => ({ clockTolerance: Number.NaN }) },
    {
      title: 'requiredClaims naming a claim outside RFC 9068 §2.2',
      options: () => ({ requiredClaims: ['acr' as never] }),
    },
    {
      title: 'a confirmation check that is not a function',
      options: () => ({ confirmation: { jwk: true as never } }),
    },
    {
      title: 'RFC 7518 §3.2: an HS256 secret of 31 bytes',
      options: () => ({ jwks: new Uint8Array(31), algorithms: ['HS256'] }),
    },
    {
      title: 'RFC 7518 §3.2: a 32-byte secret allowed for HS384',
      options: () => ({ jwks: new Uint8Array(32), algorithms: ['HS256', 'HS384'] }),
    },
    {
      title: 'RFC 7518 §3.2: a 48-byte secret allowed for HS512',
      options: () => ({ jwks: new Uint8Array(48), algorithms: ['HS512'] }),
    },
    {
      title: 'RFC 7518 §3.2: an oct JWK of 16 bytes for HS256',
      options: () => ({
        jwks: { kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAA' },
        algorithms: ['HS256'],
      }),
    },
    {
      title: 'HS256 with a JWK Set (jose never selects a secret from a set)',
      options: () => ({ algorithms: ['ES256', 'HS256'] }),
    },
    {
      title: 'a single JWK with use "enc" (RFC 7517 §4.2)',
      options: () => ({ jwks: { ...ec.jwk, use: 'enc' } }),
    },
    {
      title: 'a single JWK whose key_ops lack "verify" (RFC 7517 §4.3)',
      options: () => ({ jwks: { ...unused(ec.jwk), key_ops: ['encrypt'] } }),
    },
    ...(
      [
        { timeoutDuration: -1 },
        { timeoutDuration: 0 },
        { timeoutDuration: 1.5 },
        { cooldownDuration: Number.NaN },
        { cacheMaxAge: -1 },
        { headers: { accept: 1 } },
        { backoff: { initial: 0 } },
        { backoff: { initial: 2000, max: 1000 } },
        { rateLimit: { fetches: 0 } },
        { rateLimit: { interval: Number.POSITIVE_INFINITY } },
      ] as const
    ).map((jwksOptions) => ({
      title: `jwksOptions ${JSON.stringify(jwksOptions)}`,
      options: () => ({ jwks: new URL('https://as.example.net/jwks'), jwksOptions }) as never,
    })),
    {
      title: 'jwksOptions with a local JWK Set (they apply to a URL only)',
      options: () => ({ jwksOptions: { timeoutDuration: 1000 } }),
    },
    {
      title: 'fetch with one key (it applies to a URL only)',
      options: () => ({ jwks: ec.jwk, fetch: async () => Response.json({}) }),
    },
  ]
  it.each(bad)('$title', ({ options }) => {
    expect(() => verifierFor(options())).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('refuses, when built, a CryptoKey that cannot verify or a short HMAC CryptoKey', async () => {
    const signOnly = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(32),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const short = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(16),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    )
    for (const jwks of [signOnly, short]) {
      expect(() => verifierFor({ jwks, algorithms: ['HS256'] })).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
      )
    }
    expect(() => verifierFor({ jwks: ec.privateKey })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('names the RFC 7518 §3.2 minimum in the error for a short secret', () => {
    expect(() => verifierFor({ jwks: new Uint8Array(20), algorithms: ['HS256'] })).toThrow(
      'createJwtAccessTokenVerifier: the HS256 secret is 20 bytes; RFC 7518 §3.2 requires at least 32',
    )
  })

  it('skips a key of a JWK Set that is not for signatures, per key', async () => {
    const set = { keys: [{ ...ec.jwk, use: 'enc' }, rsa.jwk] }
    expect(await codeOf(verifierFor({ jwks: set }).verify(await sign(ec)))).toBe(
      'ERR_TOKEN_KEY_NOT_FOUND',
    )
    await expect(verifierFor({ jwks: set }).verify(await sign(rsa))).resolves.toBeDefined()
    const ops = { keys: [{ ...unused(ec.jwk), key_ops: ['encrypt'] }] }
    expect(await codeOf(verifierFor({ jwks: ops }).verify(await sign(ec)))).toBe(
      'ERR_TOKEN_KEY_NOT_FOUND',
    )
  })

  it('accepts a single JWK without use or key_ops, and with key_ops ["verify"]', async () => {
    const plain = unused(ec.jwk)
    await expect(verifierFor({ jwks: plain }).verify(await sign(ec))).resolves.toBeDefined()
    const ops = { ...plain, key_ops: ['verify'] }
    await expect(verifierFor({ jwks: ops }).verify(await sign(ec))).resolves.toBeDefined()
    const oct = { ...(await exportJWK(new Uint8Array(32).fill(1))), alg: 'HS256' }
    const token = await new SignJWT(EX_9470_05)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new Uint8Array(32).fill(1))
    await expect(
      verifierFor({ jwks: oct, algorithms: ['HS256'] }).verify(token),
    ).resolves.toBeDefined()
  })

  it.each([
    {
      options: { audiences: [AUDIENCE] },
      message:
        'createJwtAccessTokenVerifier: unknown option "audiences" (did you mean "audience"?)',
    },
    {
      options: { clocktolerance: 5 },
      message:
        'createJwtAccessTokenVerifier: unknown option "clocktolerance" (did you mean "clockTolerance"?)',
    },
    {
      options: { cache: { maxSize: 10 } },
      message: 'createJwtAccessTokenVerifier: cache: unknown option "maxSize"',
    },
    {
      options: { jwksOptions: { cooldown: 1000 } },
      message:
        'createJwtAccessTokenVerifier: jwksOptions: unknown option "cooldown" (did you mean "cooldownDuration"?)',
    },
    {
      options: { jwksOptions: { backoff: { maximum: 1000 } } },
      message:
        'createJwtAccessTokenVerifier: jwksOptions.backoff: unknown option "maximum" (did you mean "max"?)',
    },
    {
      options: { jwksOptions: { rateLimit: { fetch: 5 } } },
      message:
        'createJwtAccessTokenVerifier: jwksOptions.rateLimit: unknown option "fetch" (did you mean "fetches"?)',
    },
  ])('refuses the unknown option key in $message', ({ options }) => {
    expect(() => verifierFor(options as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_UNKNOWN_OPTION' }),
    )
  })

  it('names the unknown key and the nearest known one', () => {
    expect(() => verifierFor({ audiences: [AUDIENCE] } as never)).toThrow(
      'createJwtAccessTokenVerifier: unknown option "audiences" (did you mean "audience"?)',
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

  it('answers a cache hit without hashing or verifying: the token itself is the key', async () => {
    const verifier = verifierFor({ cache: { max: 2 } })
    const token = await sign(ec)
    await verifier.verify(token)
    const digest = vi.spyOn(crypto.subtle, 'digest')
    const verify = vi.spyOn(crypto.subtle, 'verify')
    try {
      await verifier.verify(token)
      await verifier.verify(token)
      expect(digest).not.toHaveBeenCalled()
      expect(verify).not.toHaveBeenCalled()
    } finally {
      digest.mockRestore()
      verify.mockRestore()
    }
  })

  it('keeps at most cache.max tokens (least recently used out)', async () => {
    const verifier = verifierFor({ cache: { max: 2 } })
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => sign(ec, claims({ jti: `j${n}` }))))
    for (const token of [a, b, c, a] as string[]) await verifier.verify(token)
    const verify = vi.spyOn(crypto.subtle, 'verify')
    try {
      // a came back last and c before it: both cached; b was pushed out.
      await verifier.verify(a as string)
      await verifier.verify(c as string)
      expect(verify).not.toHaveBeenCalled()
      await verifier.verify(b as string)
      expect(verify).toHaveBeenCalledTimes(1)
    } finally {
      verify.mockRestore()
    }
  })

  it('hands out frozen claims: what one caller changes, the next one never sees', async () => {
    const verifier = verifierFor({ cache: {} })
    const token = await sign(ec)
    const first = await verifier.verify(token)
    expect(() => {
      ;(first.scopes as string[]).push('admin')
    }).toThrow(TypeError)
    expect(() => {
      ;(first as { acr?: string }).acr = 'phrh'
    }).toThrow(TypeError)
    expect(() => {
      ;(first.raw as Record<string, unknown>)['acr'] = 'phrh'
    }).toThrow(TypeError)
    const second = await verifier.verify(token)
    expect(second.scopes).toEqual(['purchase'])
    expect(second.acr).toBe('myACR')
    expect(second.raw['acr']).toBe('myACR')
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
    { title: 'an empty JWK Set', fetch: async () => Response.json({ keys: [] }) },
    {
      title: 'a redirect (not followed)',
      fetch: async () =>
        new Response(null, { status: 302, headers: { location: 'https://evil.example/jwks' } }),
    },
  ]
  it.each(unavailable)(
    '$title → ERR_VERIFIER_UNAVAILABLE (503, temporary, Retry-After)',
    async ({ fetch }) => {
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
      expect(error).toMatchObject({
        code: 'ERR_VERIFIER_UNAVAILABLE',
        temporary: true,
        status: 503,
      })
      // The first failure backs off between 0.5 and 1 s (the default backoff.initial).
      expect(error.retryAfter).toBe(1)
      expect(toErrorResponse(error)).toEqual({
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: {
          error: 'temporarily_unavailable',
          error_description: 'The access token cannot be verified right now',
        },
      })
    },
  )
})
