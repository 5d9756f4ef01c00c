import { createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { checkProperty } from '@stepup/internal/property'
import fc from 'fast-check'
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
  SignJWT,
} from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AccessTokenError,
  createJwtAccessTokenVerifier,
  type JwtAccessTokenVerifierOptions,
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

const verifierFor = (options: Partial<JwtAccessTokenVerifierOptions>) =>
  createJwtAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [] },
    now: () => NOW,
    ...options,
  })

describe('every JWS algorithm of RFC 7518 §3 verifies through jose', () => {
  const algs = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']
  it.each([...algs, 'EdDSA', 'Ed25519'])('%s from a JWK Set', async (alg) => {
    const key = await makeKey(alg, `k-${alg}`)
    const verifier = verifierFor({ jwks: { keys: [key.jwk] }, algorithms: [alg] })
    await expect(verifier.verify(await sign(key))).resolves.toMatchObject({ acr: 'myACR' })
    const [h, p, s] = (await sign(key)).split('.') as [string, string, string]
    const flipped = `${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`
    expect(await codeOf(verifier.verify(`${h}.${p}.${flipped}`))).toBe(
      'ERR_TOKEN_SIGNATURE_INVALID',
    )
  })

  it.each(['HS256', 'HS384', 'HS512'])('%s with a shared secret', async (alg) => {
    const secret = crypto.getRandomValues(new Uint8Array(64))
    const token = await new SignJWT(EX_9470_05)
      .setProtectedHeader({ alg, typ: 'at+jwt' })
      .sign(secret)
    await expect(
      verifierFor({ jwks: secret, algorithms: [alg] }).verify(token),
    ).resolves.toMatchObject({ acr: 'myACR' })
    const other = crypto.getRandomValues(new Uint8Array(64))
    expect(await codeOf(verifierFor({ jwks: other, algorithms: [alg] }).verify(token))).toBe(
      'ERR_TOKEN_SIGNATURE_INVALID',
    )
  })
})

describe('one configured key', () => {
  let rsa: TestKey
  beforeAll(async () => {
    rsa = await makeKey('RS256', 'r1')
  })

  it('accepts a CryptoKey, a JWK and a Node KeyObject', async () => {
    const token = await sign(rsa)
    const keyObject = createPublicKey({ key: rsa.jwk as never, format: 'jwk' })
    for (const jwks of [rsa.publicKey, rsa.jwk, keyObject]) {
      await expect(verifierFor({ jwks }).verify(token)).resolves.toMatchObject({ acr: 'myACR' })
    }
  })

  it('refuses a token whose alg is not the JWK alg, even when both are allowed', async () => {
    const rs512 = await importJWK({ ...(await exportJWK(rsa.privateKey)), alg: 'RS512' }, 'RS512')
    const token = await new SignJWT(EX_9470_05)
      .setProtectedHeader({ alg: 'RS512', typ: 'at+jwt' })
      .sign(rs512)
    await expect(
      verifierFor({ jwks: rsa.publicKey, algorithms: ['RS256', 'RS512'] }).verify(token),
    ).rejects.toMatchObject({ code: 'ERR_TOKEN_KEY_NOT_FOUND' })
    const verifier = verifierFor({ jwks: rsa.jwk, algorithms: ['RS256', 'RS512'] })
    expect(await codeOf(verifier.verify(token))).toBe('ERR_TOKEN_KEY_NOT_FOUND')
  })

  it('refuses a CryptoKey imported for another hash, curve or algorithm', async () => {
    const rs512 = await importJWK({ ...rsa.jwk, alg: 'RS512' }, 'RS512')
    const rs256Token = await sign(rsa)
    expect(await codeOf(verifierFor({ jwks: rs512 }).verify(rs256Token))).toBe(
      'ERR_TOKEN_KEY_NOT_FOUND',
    )
    const p384 = await generateKeyPair('ES384')
    const es256 = await makeKey('ES256', 'e1')
    expect(await codeOf(verifierFor({ jwks: p384.publicKey }).verify(await sign(es256)))).toBe(
      'ERR_TOKEN_KEY_NOT_FOUND',
    )
    const ps256 = await importJWK({ ...rsa.jwk, alg: 'PS256' }, 'PS256')
    expect(await codeOf(verifierFor({ jwks: ps256 }).verify(rs256Token))).toBe(
      'ERR_TOKEN_KEY_NOT_FOUND',
    )
  })

  it('refuses RSA keys shorter than 2048 bits (RFC 7518 §3.3)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    // jose refuses to sign with a short key, so the token is put together by hand.
    const input = `${b64url({ alg: 'RS256', typ: 'at+jwt' })}.${b64url(EX_9470_05)}`
    const token = `${input}.${nodeSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
    const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'RS256' }
    expect(await codeOf(verifierFor({ jwks: publicKey }).verify(token))).toBe(
      'ERR_TOKEN_KEY_NOT_FOUND',
    )
    expect(await codeOf(verifierFor({ jwks: { keys: [jwk] } }).verify(token))).toBe(
      'ERR_TOKEN_KEY_NOT_FOUND',
    )
  })
})

describe('compact serialization (RFC 7515 §7.1) and header rules', () => {
  let ec: TestKey
  beforeAll(async () => {
    ec = await makeKey('ES256', 'e1')
  })
  const verifier = () => verifierFor({ jwks: { keys: [ec.jwk] } })
  const resign = async (header: Record<string, unknown>, payload: object = EX_9470_05) => {
    const input = `${b64url(header)}.${b64url(payload)}`
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      ec.privateKey,
      new TextEncoder().encode(input),
    )
    return `${input}.${Buffer.from(signature).toString('base64url')}`
  }
  const header = () => ({ alg: 'ES256', typ: 'at+jwt', kid: ec.kid })

  it('signs the test tokens the way the verifier reads them', async () => {
    await expect(verifier().verify(await resign(header()))).resolves.toBeDefined()
  })

  const refused: { title: string; token: () => Promise<string>; code: AccessTokenError['code'] }[] =
    [
      {
        title: 'a crit header (no extension is understood)',
        token: () => resign({ ...header(), crit: ['exp'], exp: 1 }),
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'b64: false (RFC 7797), with or without crit',
        token: () => resign({ ...header(), b64: false }),
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'a header that is a JSON array',
        token: async () => `${b64url([header()])}.${b64url(EX_9470_05)}.AAAA`,
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'a header that is not JSON',
        token: async () => `${b64url('{"alg":"ES256"')}.${b64url(EX_9470_05)}.AAAA`,
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'a signed claims set that is a JSON array',
        token: () => resign(header(), [EX_9470_05]),
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'padding characters',
        token: async () => `${await resign(header())}==`,
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'standard base64 characters',
        // The first payload character becomes "+", keeping the length.
        token: async () => (await resign(header())).replace(/\.[\w-]/, '.+'),
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'a segment whose length is 1 mod 4',
        token: async () => `${await resign(header())}A`.replace(/\.[\w-]+$/, '.A'),
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'four segments',
        token: async () => `${await resign(header())}.AAAA`,
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'JWE compact serialization (five segments)',
        token: async () => 'eyJhbGciOiJSU0EtT0FFUCJ9.AAAA.AAAA.AAAA.AAAA',
        code: 'ERR_TOKEN_MALFORMED',
      },
      {
        title: 'alg that is not a string',
        token: () => resign({ ...header(), alg: ['ES256'] }),
        code: 'ERR_TOKEN_ALG_NOT_ALLOWED',
      },
      {
        title: 'alg "__proto__"',
        token: () => resign({ ...header(), alg: '__proto__' }),
        code: 'ERR_TOKEN_ALG_NOT_ALLOWED',
      },
      {
        title: 'typ that is not a string',
        token: () => resign({ ...header(), typ: ['at+jwt'] }),
        code: 'ERR_TOKEN_CLAIM_INVALID',
      },
      {
        title: 'exp that is a string',
        token: () => resign(header(), { ...EX_9470_05, exp: String(NOW + 60) }),
        code: 'ERR_TOKEN_CLAIM_INVALID',
      },
      {
        title: 'nbf that is a string',
        token: () => resign(header(), { ...EX_9470_05, nbf: '0' }),
        code: 'ERR_TOKEN_CLAIM_INVALID',
      },
      {
        title: 'iat that is a string',
        token: () => resign(header(), { ...EX_9470_05, iat: '0' }),
        code: 'ERR_TOKEN_CLAIM_INVALID',
      },
      {
        title: 'aud as an array without the resource',
        token: () => resign(header(), { ...EX_9470_05, aud: ['https://a.example', 1] }),
        code: 'ERR_TOKEN_CLAIM_INVALID',
      },
      {
        title: 'iss that is not a string',
        token: () => resign(header(), { ...EX_9470_05, iss: [ISSUER] }),
        code: 'ERR_TOKEN_CLAIM_INVALID',
      },
    ]
  it.each(refused)('refuses $title → $code', async ({ token, code }) => {
    expect(await codeOf(verifier().verify(await token()))).toBe(code)
  })

  it('reads a header with __proto__ as data, without touching prototypes', async () => {
    const token = await resign({ ...header(), ['__proto__']: { polluted: true } })
    const decoded = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())
    expect(Object.hasOwn(decoded, '__proto__')).toBe(true)
    await expect(verifier().verify(token)).resolves.toMatchObject({ acr: 'myACR' })
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it('names the broken rule in the message', async () => {
    const tokens = [
      resign({ ...header(), crit: ['exp'], exp: 1 }),
      resign({ ...header(), b64: false }),
      resign({ ...header(), crit: ['b64'], b64: true }),
      resign(header()).then((t) => `${t}==`),
      resign(header(), [EX_9470_05]),
      resign(header(), { ...EX_9470_05, exp: String(NOW + 60) }),
      resign({ ...header(), alg: ['ES256'] }),
    ]
    const messages: string[] = []
    for (const token of tokens) {
      const error = await verifier()
        .verify(await token)
        .catch((e: unknown) => e)
      messages.push((error as Error).message)
    }
    expect(messages).toEqual([
      'token header has "crit" or "b64"; no JWS extension is understood (RFC 7515 §4.1.11)',
      'token header has "crit" or "b64"; no JWS extension is understood (RFC 7515 §4.1.11)',
      'token header has "crit" or "b64"; no JWS extension is understood (RFC 7515 §4.1.11)',
      'token is not three base64url segments (RFC 7515 §7.1); no padding, no other alphabet',
      'token claims set is not a JSON object (RFC 7519 §7.2)',
      'token "exp" is not a number (RFC 7519 §4.1.4)',
      'token "alg" is ["ES256"], not one of the allowed algorithms (RFC 8725 §3.1)',
    ])
  })
})

describe('properties', () => {
  let ec: TestKey
  let token: string
  beforeAll(async () => {
    ec = await makeKey('ES256', 'e1')
    token = await sign(ec)
  })

  it('refuses every other string, with a typed error, and never throws anything else', async () => {
    const verifier = verifierFor({ jwks: { keys: [ec.jwk] } })
    const alphabet = fc.constantFrom(...'AaZz09-_.=+/ {}"'.split(''))
    const signed = (t: string) => t.slice(0, t.lastIndexOf('.'))
    const signature = (t: string) => Buffer.from(t.split('.')[2] ?? '', 'base64url')
    await checkProperty(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: alphabet, maxLength: 300 }),
          // One character of the valid token replaced.
          fc.tuple(fc.nat(), fc.constantFrom(...'AQgw-_.=+'.split(''))).map(([i, c]) => {
            const at = i % token.length
            return `${token.slice(0, at)}${c}${token.slice(at + 1)}`
          }),
        ),
        async (candidate) => {
          fc.pre(candidate !== token)
          const outcome = await verifier.verify(candidate).then(
            () => 'accepted',
            (e: unknown) => e,
          )
          // Accepted only when a replaced final character keeps the same bytes (unused
          // base64url bits) of the same signed input; anything else is an AccessTokenError.
          expect(
            outcome === 'accepted'
              ? signed(candidate) === signed(token) && signature(candidate).equals(signature(token))
              : outcome instanceof AccessTokenError,
          ).toBe(true)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('accepts exactly what a direct jose jwtVerify call with the same options accepts', async () => {
    const verifier = verifierFor({ jwks: { keys: [ec.jwk] }, clockTolerance: 5 })
    // The options the verifier is meant to hand jose: a guard of that mapping.
    const direct = createLocalJWKSet({ keys: [ec.jwk] })
    const options: JWTVerifyOptions = {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519'.split(' '),
      typ: 'at+jwt',
      // RFC 9068 §2.2, as the verifier requires by default.
      requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'],
      clockTolerance: 5,
      currentDate: new Date(NOW * 1000),
    }
    // Mostly valid values, so that about a fifth of the tokens are accepted and each kind of
    // refusal is one wrong member among right ones.
    const often = <T>(valid: fc.Arbitrary<T>, ...wrong: unknown[]) =>
      fc.oneof({ arbitrary: valid, weight: 9 }, { arbitrary: fc.constantFrom(...wrong), weight: 1 })
    // `undefined`: JSON leaves the member out.
    const wrongTime = ['1646340300', null, undefined]
    const claimsSet = fc.record({
      iss: often(fc.constant(ISSUER), `${ISSUER}/`, 'https://evil.example', 7, undefined),
      aud: often(fc.constantFrom(AUDIENCE, [AUDIENCE, 'x']), ['x'], 'x', [], undefined),
      exp: often(fc.integer({ min: NOW - 20, max: NOW + 60 }), ...wrongTime),
      nbf: fc.oneof(fc.integer({ min: NOW - 60, max: NOW + 20 }), fc.constantFrom(...wrongTime)),
      iat: often(fc.integer({ min: NOW - 60, max: NOW + 20 }), ...wrongTime),
      sub: often(fc.constant('someone@example.net'), undefined),
      client_id: often(fc.constant('s6BhdRkqt3'), undefined),
      jti: often(fc.constant('e1j3V_bKic8-LAEB_lccD0G'), undefined),
    })
    const headers = fc.record({
      typ: often(
        fc.constantFrom('at+jwt', 'AT+JWT', 'application/at+jwt'),
        'jwt',
        'at+jwt; x=1',
        'text/at+jwt',
        1,
        undefined,
      ),
      kid: often(fc.constant(ec.kid), 'other', undefined),
    })
    const josefy = (t: string) =>
      jwtVerify(t, direct, options).then(
        ({ payload }) =>
          // jose leaves a future iat to the caller; RFC 9068 verifiers refuse it.
          !(typeof payload.iat === 'number' && payload.iat > NOW + 5),
        () => false,
      )
    let accepted = 0
    await checkProperty(
      fc.asyncProperty(claimsSet, headers, async (claims, header) => {
        const candidate = await new SignJWT({ ...EX_9470_05, ...claims } as JWTPayload)
          .setProtectedHeader({ alg: 'ES256', ...header } as never)
          .sign(ec.privateKey)
        const ours = await verifier.verify(candidate).then(
          () => true,
          (e: unknown) => (e instanceof AccessTokenError ? false : e),
        )
        expect(ours).toBe(await josefy(candidate))
        accepted += Number(ours)
      }),
      { numRuns: 200 },
    )
    // A differential that almost never accepts guards nothing.
    expect(accepted).toBeGreaterThan(10)
  })

  it('refuses what jose accepts only where RFC 9068 asks more: a future iat, an empty claim', async () => {
    const verifier = verifierFor({ jwks: { keys: [ec.jwk] } })
    const key = await importJWK(ec.jwk, 'ES256')
    const options = {
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'at+jwt',
      currentDate: new Date(NOW * 1000),
    }
    for (const patch of [{ iat: NOW + 1 }, { jti: '' }, { sub: '' }]) {
      const candidate = await sign(ec, { ...EX_9470_05, ...patch })
      await expect(jwtVerify(candidate, key, options)).resolves.toBeDefined()
      expect(await codeOf(verifier.verify(candidate))).toBe('ERR_TOKEN_CLAIM_INVALID')
    }
  })
})
