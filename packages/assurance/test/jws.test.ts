import { createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import fc from 'fast-check'
import { exportJWK, generateKeyPair, importJWK, type JWTPayload, jwtVerify, SignJWT } from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  AccessTokenError,
  type AccessTokenErrorCode,
  createJwtAccessTokenVerifier,
  type JwtAccessTokenVerifierOptions,
} from '../src/index.ts'
import { fromBase64Url, jsonSegment, jwsAlgorithm, keyFits } from '../src/jws.ts'
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

describe('every JWS algorithm of RFC 7518 §3 verifies through WebCrypto', () => {
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

  const refused: { title: string; token: () => Promise<string>; code: AccessTokenErrorCode }[] = [
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

  it('reads a header with __proto__ as data, without touching prototypes', () => {
    const header = jsonSegment(b64url('{"alg":"ES256","__proto__":{"polluted":true}}'))
    expect(header && Object.hasOwn(header, '__proto__')).toBe(true)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})

describe('jwsAlgorithm and keyFits', () => {
  it('maps each family to its WebCrypto parameters (RFC 7518 §3.1)', () => {
    expect(jwsAlgorithm('RS384')).toEqual([{ name: 'RSASSA-PKCS1-v1_5' }, 'SHA-384'])
    expect(jwsAlgorithm('PS512')).toEqual([{ name: 'RSA-PSS', saltLength: 64 }, 'SHA-512'])
    expect(jwsAlgorithm('ES256')).toEqual([{ name: 'ECDSA', hash: 'SHA-256' }, 'P-256'])
    expect(jwsAlgorithm('ES512')).toEqual([{ name: 'ECDSA', hash: 'SHA-512' }, 'P-521'])
    expect(jwsAlgorithm('HS256')).toEqual([{ name: 'HMAC' }, 'SHA-256'])
    expect(jwsAlgorithm('EdDSA')).toEqual([{ name: 'Ed25519' }])
    expect(jwsAlgorithm('Ed25519')).toEqual([{ name: 'Ed25519' }])
  })

  it('decodes base64url segments and refuses impossible lengths', () => {
    expect([...fromBase64Url('AQAB')]).toEqual([1, 0, 1])
    expect([...fromBase64Url('_-8')]).toEqual([255, 239])
    expect(() => fromBase64Url('AQABA')).toThrow(TypeError)
    expect(jsonSegment(b64url('[1]'))).toBeUndefined()
    expect(jsonSegment(b64url('null'))).toBeUndefined()
    expect(jsonSegment('e30')).toEqual({})
  })

  it('decodes through jose where there is no Buffer (Workers, Deno)', async () => {
    vi.stubGlobal('Buffer', undefined)
    vi.resetModules()
    try {
      const portable = await import('../src/jws.ts')
      expect([...portable.fromBase64Url('_-8')]).toEqual([255, 239])
      expect(() => portable.fromBase64Url('AQABA')).toThrow(TypeError)
      expect(portable.jsonSegment(b64url({ alg: 'ES256' }))).toEqual({ alg: 'ES256' })
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('accepts only keys whose algorithm, hash and curve match', async () => {
    const { publicKey } = await generateKeyPair('ES256')
    expect(keyFits(publicKey, jwsAlgorithm('ES256'))).toBe(true)
    expect(keyFits(publicKey, jwsAlgorithm('ES384'))).toBe(false)
    expect(keyFits(publicKey, jwsAlgorithm('RS256'))).toBe(false)
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
    await fc.assert(
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
          // A replaced final character can keep the same bytes (unused base64url bits).
          if (outcome === 'accepted') {
            expect(Buffer.from(candidate.split('.')[2] ?? '', 'base64url')).toEqual(
              Buffer.from(token.split('.')[2] ?? '', 'base64url'),
            )
            expect(candidate.slice(0, candidate.lastIndexOf('.'))).toBe(
              token.slice(0, token.lastIndexOf('.')),
            )
          } else expect(outcome).toBeInstanceOf(AccessTokenError)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('accepts exactly what jose jwtVerify accepts, for generated headers and claim sets', async () => {
    const verifier = verifierFor({ jwks: { keys: [ec.jwk] }, clockTolerance: 5 })
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
        1,
        undefined,
      ),
      kid: often(fc.constant(ec.kid), 'other', undefined),
    })
    const josefy = async (t: string) =>
      jwtVerify(t, await importJWK(ec.jwk, 'ES256'), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        // RFC 9068 §2.2, as the verifier requires by default.
        requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'],
        clockTolerance: 5,
        currentDate: new Date(NOW * 1000),
      }).then(
        ({ payload }) =>
          // jose leaves a future iat to the caller; RFC 9068 verifiers refuse it.
          !(typeof payload.iat === 'number' && payload.iat > NOW + 5),
        () => false,
      )
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(claimsSet, headers, async (claims, header) => {
        const candidate = await new SignJWT({ ...EX_9470_05, ...claims } as JWTPayload)
          .setProtectedHeader({ alg: 'ES256', ...header } as never)
          .sign(ec.privateKey)
        const ours = await verifier.verify(candidate).then(
          () => true,
          (e: unknown) => {
            expect(e).toBeInstanceOf(AccessTokenError)
            return false
          },
        )
        // jose matches kid only through a JWK Set; with one key, the kid is ours to check.
        const theirs = header.kid !== 'other' && (await josefy(candidate))
        expect(ours).toBe(theirs)
        accepted += Number(ours)
      }),
      { numRuns: 200 },
    )
    // A differential that almost never accepts guards nothing.
    expect(accepted).toBeGreaterThan(10)
  })
})
