import { checkProperty } from '@stepup/internal/property'
import fc from 'fast-check'
import {
  base64url,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createDpopProofVerifier,
  DpopProofError,
  type DpopProofErrorCode,
  type DpopProofVerifierOptions,
} from '../src/dpop.ts'
import { createStepUpGuard, type HttpRequestView } from '../src/http.ts'
import { createJwtAccessTokenVerifier, createMemoryConsumedGrantStore } from '../src/index.ts'
import { AUDIENCE, ISSUER, makeKey, rejectionCode, type TestKey } from './keys.ts'

/** EX-9449-09 (RFC 9449 Figure 13), unwrapped: the proof, its request and its access token. */
const RFC_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA'
const RFC_TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'
/** DP-02: the RFC 7638 thumbprint of the Figure 4 key. */
const RFC_JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
const RFC_NOW = 1562262618

const request = (url: string, method = 'GET'): HttpRequestView => ({
  method,
  url,
  headers: {},
  body: () => undefined,
})

const codeOf = (promise: Promise<unknown>) => rejectionCode(promise, DpopProofError)

describe('RFC 9449 §4.3 with the RFC example (DP-03)', () => {
  const verifier = (options: DpopProofVerifierOptions = {}) =>
    createDpopProofVerifier({ now: () => RFC_NOW, ...options })

  it('accepts the EX-9449-09 proof and returns its key thumbprint (DP-02)', async () => {
    const verifyProof = verifier()
    await expect(
      verifyProof(RFC_PROOF, request('https://resource.example.org/protectedresource'), RFC_TOKEN),
    ).resolves.toMatchObject({ jkt: RFC_JKT })
  })

  it('resolves a path against the configured origin, ignoring query and fragment', async () => {
    const verifyProof = verifier({ origin: 'https://resource.example.org' })
    await expect(
      verifyProof(RFC_PROOF, request('/protectedresource?page=2'), RFC_TOKEN),
    ).resolves.toMatchObject({ jkt: RFC_JKT })
  })

  it('uses the configured origin even for an absolute URL (a proxy in front of the API)', async () => {
    const verifyProof = verifier({ origin: 'https://resource.example.org' })
    const internal = request('http://127.0.0.1:8080/protectedresource')
    await expect(verifyProof(RFC_PROOF, internal, RFC_TOKEN)).resolves.toMatchObject({
      jkt: RFC_JKT,
    })
    const elsewhere = verifier({ origin: 'https://other.example.org' })
    expect(await codeOf(elsewhere(RFC_PROOF, internal, RFC_TOKEN))).toBe('ERR_DPOP_CLAIM_INVALID')
  })

  it('normalises scheme, host and default port before comparing htu (RFC 3986 §6.2.2–6.2.3)', async () => {
    const verifyProof = verifier()
    const url = 'HTTPS://Resource.Example.ORG:443/protectedresource#top'
    await expect(verifyProof(RFC_PROOF, request(url), RFC_TOKEN)).resolves.toMatchObject({
      jkt: RFC_JKT,
    })
  })

  it('accepts each proof once (RFC 9449 §11.1)', async () => {
    const verifyProof = verifier()
    const url = 'https://resource.example.org/protectedresource'
    await (await verifyProof(RFC_PROOF, request(url), RFC_TOKEN)).consume()
    const again = await verifyProof(RFC_PROOF, request(url), RFC_TOKEN)
    expect(await codeOf(again.consume())).toBe('ERR_DPOP_REPLAYED')
  })

  it('records the jti only when consume() is called, after the access token is checked', async () => {
    const adds: string[] = []
    const replay = {
      has: async () => false,
      add: async (key: string) => {
        adds.push(key)
        return adds.filter((k) => k === key).length === 1
      },
    }
    const verifyProof = verifier({ replay })
    const url = 'https://resource.example.org/protectedresource'
    // A proof sent with a token that turns out invalid is never recorded.
    const unused = await verifyProof(RFC_PROOF, request(url), RFC_TOKEN)
    const check = await verifyProof(RFC_PROOF, request(url), RFC_TOKEN)
    expect(unused.jkt).toBe(RFC_JKT)
    expect(adds).toEqual([])
    await check.consume()
    expect(adds).toEqual([`dpop ${RFC_JKT} e1j3V_bKic8-LAEB`])
    const error = await check.consume().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DpopProofError)
    expect(error).toMatchObject({
      code: 'ERR_DPOP_REPLAYED',
      message: 'DPoP proof "jti" was already used within the proof lifetime (RFC 9449 §11.1)',
    })
  })

  it('passes a store failure through consume() untouched (the guard answers 503)', async () => {
    const down = Object.assign(new Error('store down'), { code: 'ERR_GRANT_STORE_UNAVAILABLE' })
    const replay = { has: async () => false, add: () => Promise.reject(down) }
    const check = await verifier({ replay })(
      RFC_PROOF,
      request('https://resource.example.org/protectedresource'),
      RFC_TOKEN,
    )
    await expect(check.consume()).rejects.toBe(down)
  })

  const refusals: {
    title: string
    args: () => [string | null, HttpRequestView, string]
    options?: DpopProofVerifierOptions
    code: DpopProofErrorCode
  }[] = [
    {
      title: 'another method (htm)',
      args: () => [
        RFC_PROOF,
        request('https://resource.example.org/protectedresource', 'POST'),
        RFC_TOKEN,
      ],
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'another path (htu)',
      args: () => [RFC_PROOF, request('https://resource.example.org/other'), RFC_TOKEN],
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'another host (htu)',
      args: () => [RFC_PROOF, request('https://evil.example.org/protectedresource'), RFC_TOKEN],
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'a path without a configured origin (the Host header is not trusted)',
      args: () => [RFC_PROOF, request('/protectedresource'), RFC_TOKEN],
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'another access token (ath)',
      args: () => [RFC_PROOF, request('https://resource.example.org/protectedresource'), 'other'],
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'a proof older than maxAge (iat)',
      args: () => [RFC_PROOF, request('https://resource.example.org/protectedresource'), RFC_TOKEN],
      options: { now: () => RFC_NOW + 66 },
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'a proof from the future beyond the tolerance (iat)',
      args: () => [RFC_PROOF, request('https://resource.example.org/protectedresource'), RFC_TOKEN],
      options: { now: () => RFC_NOW - 6 },
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'an ES256 proof where only EdDSA is allowed',
      args: () => [RFC_PROOF, request('https://resource.example.org/protectedresource'), RFC_TOKEN],
      options: { algorithms: ['EdDSA'] },
      code: 'ERR_DPOP_ALG_NOT_ALLOWED',
    },
    {
      title: 'no DPoP header',
      args: () => [null, request('https://resource.example.org/protectedresource'), RFC_TOKEN],
      code: 'ERR_DPOP_MISSING',
    },
    {
      title: 'two DPoP field lines (joined with a comma)',
      args: () => [
        `${RFC_PROOF}, ${RFC_PROOF}`,
        request('https://resource.example.org/protectedresource'),
        RFC_TOKEN,
      ],
      code: 'ERR_DPOP_MALFORMED',
    },
    {
      title: 'a tampered signature',
      args: () => [
        RFC_PROOF.replace(/.$/, (c) => (c === 'A' ? 'Q' : 'A')),
        request('https://resource.example.org/protectedresource'),
        RFC_TOKEN,
      ],
      code: 'ERR_DPOP_SIGNATURE_INVALID',
    },
  ]
  it.each(refusals)('refuses $title → $code', async ({ args, options, code }) => {
    expect(await codeOf(verifier(options)(...args()))).toBe(code)
  })

  it('keeps the window within tolerance: iat up to 5 s ahead and 65 s behind', async () => {
    const url = 'https://resource.example.org/protectedresource'
    for (const now of [RFC_NOW - 5, RFC_NOW + 65]) {
      await expect(
        verifier({ now: () => now })(RFC_PROOF, request(url), RFC_TOKEN),
      ).resolves.toMatchObject({ jkt: RFC_JKT })
    }
  })
})

describe('proofs of generated keys', () => {
  const URL_ = 'https://api.example.com/transfers'
  const NOW = 1_700_000_000
  let ec: CryptoKeyPair
  let jwk: JWK
  beforeAll(async () => {
    ec = await generateKeyPair('ES256', { extractable: true })
    jwk = await exportJWK(ec.publicKey)
  })
  const ath = async (token: string) =>
    base64url.encode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
    )
  const proof = async (
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key: CryptoKey = ec.privateKey,
  ) =>
    new SignJWT({
      jti: crypto.randomUUID(),
      htm: 'POST',
      htu: URL_,
      iat: NOW,
      ath: await ath('tok'),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header } as never)
      .sign(key)
  /** Signed with WebCrypto directly, for headers jose refuses to produce. */
  const raw = async (header: object, hash = 'SHA-256') => {
    const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(
      JSON.stringify({ jti: 'j1', htm: 'POST', htu: URL_, iat: NOW, ath: await ath('tok') }),
    )}`
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash },
      ec.privateKey,
      new TextEncoder().encode(input),
    )
    return `${input}.${base64url.encode(new Uint8Array(signature))}`
  }
  const unsigned = (header: object, claims: object = {}) =>
    `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}.`
  const verifyProof = () => createDpopProofVerifier({ now: () => NOW })
  const post = request(URL_, 'POST')

  it('returns the RFC 7638 thumbprint of the proof key', async () => {
    await expect(verifyProof()(await proof(), post, 'tok')).resolves.toMatchObject({
      jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    })
  })

  it('accepts typ as a media type (application/dpop+jwt)', async () => {
    await expect(
      verifyProof()(await proof({}, { typ: 'application/dpop+jwt' }), post, 'tok'),
    ).resolves.toMatchObject({ jkt: expect.any(String) })
  })

  const refusals: {
    title: string
    proof: () => Promise<string>
    code: DpopProofErrorCode
  }[] = [
    {
      title: 'typ "jwt" (RFC 9449 §11.5)',
      proof: () => proof({}, { typ: 'jwt' }),
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'typ "at+jwt": an access token as proof',
      proof: () => proof({}, { typ: 'at+jwt' }),
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'alg "none" (RFC 9449 §11.6)',
      proof: async () => unsigned({ alg: 'none', typ: 'dpop+jwt', jwk }),
      code: 'ERR_DPOP_ALG_NOT_ALLOWED',
    },
    {
      title: 'alg HS256',
      proof: async () => `${unsigned({ alg: 'HS256', typ: 'dpop+jwt', jwk })}AAAA`,
      code: 'ERR_DPOP_ALG_NOT_ALLOWED',
    },
    { title: 'no jwk', proof: () => proof({}, { jwk: undefined }), code: 'ERR_DPOP_KEY_INVALID' },
    {
      title: 'a private key in the header',
      proof: async () => proof({}, { jwk: await exportJWK(ec.privateKey) }),
      code: 'ERR_DPOP_KEY_INVALID',
    },
    {
      title: 'a jwk whose alg is another',
      proof: () => proof({}, { jwk: { ...jwk, alg: 'ES384' } }),
      code: 'ERR_DPOP_KEY_INVALID',
    },
    {
      title: 'a jwk of another curve than alg',
      proof: () => raw({ alg: 'ES384', typ: 'dpop+jwt', jwk }, 'SHA-384'),
      code: 'ERR_DPOP_KEY_INVALID',
    },
    {
      title: 'a signature by another key than the jwk',
      proof: async () => proof({}, {}, (await generateKeyPair('ES256')).privateKey),
      code: 'ERR_DPOP_SIGNATURE_INVALID',
    },
    {
      title: 'an RSA jwk for an ES256 proof',
      proof: async () =>
        proof({}, { jwk: await exportJWK((await generateKeyPair('RS256')).publicKey) }),
      code: 'ERR_DPOP_KEY_INVALID',
    },
    { title: 'no jti', proof: () => proof({ jti: undefined }), code: 'ERR_DPOP_CLAIM_INVALID' },
    { title: 'no ath', proof: () => proof({ ath: undefined }), code: 'ERR_DPOP_CLAIM_INVALID' },
    {
      title: 'iat as a string',
      proof: () => proof({ iat: String(NOW) }),
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'htu with another scheme',
      proof: () => proof({ htu: 'http://api.example.com/transfers' }),
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'htu that is not a URL',
      proof: () => proof({ htu: 'transfers' }),
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'a crit header',
      proof: () => raw({ alg: 'ES256', typ: 'dpop+jwt', jwk, crit: ['x'], x: 1 }),
      code: 'ERR_DPOP_MALFORMED',
    },
    {
      title: 'a b64 header without crit (jose would ignore it)',
      proof: () => raw({ alg: 'ES256', typ: 'dpop+jwt', jwk, b64: false }),
      code: 'ERR_DPOP_MALFORMED',
    },
    {
      title: 'crit ["b64"] with b64 true',
      proof: () => raw({ alg: 'ES256', typ: 'dpop+jwt', jwk, crit: ['b64'], b64: true }),
      code: 'ERR_DPOP_MALFORMED',
    },
    {
      title: 'a jwk whose use is "enc" (jose refuses to import it for a signature)',
      proof: () => proof({}, { jwk: { ...jwk, use: 'enc' } }),
      code: 'ERR_DPOP_KEY_INVALID',
    },
    {
      title: 'a jwk whose key_ops is not an array',
      proof: () => proof({}, { jwk: { ...jwk, key_ops: 'verify' } }),
      code: 'ERR_DPOP_KEY_INVALID',
    },
    {
      title: 'an exp that has passed',
      proof: () => proof({ exp: NOW - 60 }),
      code: 'ERR_DPOP_CLAIM_INVALID',
    },
    {
      title: 'an empty signature',
      proof: async () => (await proof()).replace(/[^.]+$/, ''),
      code: 'ERR_DPOP_SIGNATURE_INVALID',
    },
    {
      title: 'padding after the signature',
      proof: async () => `${await proof()}==`,
      code: 'ERR_DPOP_MALFORMED',
    },
  ]
  it.each(refusals)('refuses $title → $code', async ({ proof: make, code }) => {
    expect(await codeOf(verifyProof()(await make(), post, 'tok'))).toBe(code)
  })

  it('imports each client key once (jose EmbeddedJWK, cached per protected header)', async () => {
    const verify = verifyProof()
    const imports = vi.spyOn(crypto.subtle, 'importKey')
    try {
      for (let i = 0; i < 3; i++) await verify(await proof(), post, 'tok')
      expect(imports).toHaveBeenCalledTimes(1)
    } finally {
      imports.mockRestore()
    }
  })

  it('names the broken rule in the message', async () => {
    const messages: string[] = []
    for (const make of [
      () => proof({}, { typ: 'jwt' }),
      () => proof({ iat: String(NOW) }),
      () => proof({}, { jwk: { ...jwk, use: 'enc' } }),
      async () => unsigned({ alg: 'none', typ: 'dpop+jwt', jwk }),
    ]) {
      const error = await verifyProof()(await make(), post, 'tok').catch((e: unknown) => e)
      messages.push((error as Error).message)
    }
    expect(messages).toEqual([
      'DPoP proof "typ" is not "dpop+jwt" (RFC 9449 §4.3 point 4, §11.5)',
      'DPoP proof "iat" is not a number (RFC 9449 §4.2)',
      'DPoP proof "jwk" is missing, private, or not a public key of the "alg" type and curve (RFC 9449 §4.3 point 6)',
      'DPoP proof "alg" is not one of the allowed asymmetric algorithms (RFC 9449 §4.3 point 5, §11.6)',
    ])
  })

  it('shares replay protection through a store across verifiers (several instances)', async () => {
    const replay = createMemoryConsumedGrantStore({ now: () => NOW })
    const a = createDpopProofVerifier({ now: () => NOW, replay })
    const b = createDpopProofVerifier({ now: () => NOW, replay })
    const once = await proof()
    await (await a(once, post, 'tok')).consume()
    expect(await codeOf((await b(once, post, 'tok')).consume())).toBe('ERR_DPOP_REPLAYED')
  })

  it('refuses anything else with a typed error, never a crash', async () => {
    const verify = verifyProof()
    await checkProperty(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.stringMatching(/^[\w-]{1,40}\.[\w-]{0,40}\.[\w-]{0,40}$/),
        ),
        async (candidate) => {
          const error = await verify(candidate, post, 'tok').catch((e: unknown) => e)
          expect(error).toBeInstanceOf(DpopProofError)
        },
      ),
      { numRuns: 300 },
    )
  })

  it.each([
    { title: 'a symmetric algorithm', options: { algorithms: ['HS256'] } },
    { title: 'no algorithm', options: { algorithms: [] } },
    { title: 'an origin that is not a URL', options: { origin: 'api.example.com' } },
    { title: 'a negative maxAge', options: { maxAge: -1 } },
    { title: 'a maxAge of zero (RFC 9449 §11.1: a limited time)', options: { maxAge: 0 } },
    { title: 'a fractional maxAge', options: { maxAge: 1.5 } },
    { title: 'an infinite clockTolerance', options: { clockTolerance: Infinity } },
    { title: 'an origin with a path', options: { origin: 'https://api.example.com/v1' } },
    { title: 'an origin with a query', options: { origin: 'https://api.example.com?x' } },
    { title: 'an origin with credentials', options: { origin: 'https://u@api.example.com' } },
    { title: 'an origin of another scheme', options: { origin: 'ftp://api.example.com' } },
    { title: 'a maxProofsPerKey of zero', options: { maxProofsPerKey: 0 } },
    {
      title: 'maxProofsPerKey with a replay store of its own',
      options: { maxProofsPerKey: 10, replay: createMemoryConsumedGrantStore() },
    },
  ])('refuses $title when it is built', ({ options }) => {
    expect(() => createDpopProofVerifier(options)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('refuses unknown option keys, naming the nearest known one', () => {
    expect(() => createDpopProofVerifier({ maxage: 30 } as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_UNKNOWN_OPTION',
        message: 'createDpopProofVerifier: unknown option "maxage" (did you mean "maxAge"?)',
      }),
    )
  })

  it('keeps each jti for maxAge + 2 × clockTolerance + 1 s: as long as its proof is acceptable', async () => {
    let now = NOW
    const verify = createDpopProofVerifier({ now: () => now, maxAge: 60, clockTolerance: 5 })
    // iat 5 s ahead, at the tolerance: acceptable until NOW + 5 + 60 + 5.
    const early = await proof({ iat: NOW + 5 })
    await (await verify(early, post, 'tok')).consume()
    now = NOW + 70
    const again = await verify(early, post, 'tok')
    expect(await codeOf(again.consume())).toBe('ERR_DPOP_REPLAYED')
    now = NOW + 71
    expect(await codeOf(verify(early, post, 'tok'))).toBe('ERR_DPOP_CLAIM_INVALID')
  })

  it('gives the ttl to a shared store: maxAge + 2 × clockTolerance + 1', async () => {
    const ttls: number[] = []
    const replay = {
      has: async () => false,
      add: async (_: string, ttl: number) => ttls.push(ttl) > 0,
    }
    const verify = createDpopProofVerifier({
      now: () => NOW,
      replay,
      maxAge: 30,
      clockTolerance: 2,
    })
    await (await verify(await proof(), post, 'tok')).consume()
    expect(ttls).toEqual([35])
  })

  describe('a key flooding the in-memory replay store (per-key quota)', () => {
    it('refuses new proofs of that key only; another key keeps working', async () => {
      const other = await generateKeyPair('ES256', { extractable: true })
      const otherJwk = await exportJWK(other.publicKey)
      const verify = createDpopProofVerifier({ now: () => NOW, maxProofsPerKey: 3 })
      for (let i = 0; i < 3; i++) await (await verify(await proof(), post, 'tok')).consume()
      const flooding = await verify(await proof(), post, 'tok')
      await expect(flooding.consume()).rejects.toMatchObject({
        code: 'ERR_GRANT_STORE_GROUP_FULL',
      })
      const fine = await verify(await proof({}, { jwk: otherJwk }, other.privateKey), post, 'tok')
      await expect(fine.consume()).resolves.toBeUndefined()
      expect(fine.jkt).not.toBe(flooding.jkt)
    })

    it('serves the key again once its proofs expire', async () => {
      let now = NOW
      const verify = createDpopProofVerifier({ now: () => now, maxProofsPerKey: 1 })
      await (await verify(await proof(), post, 'tok')).consume()
      await expect((await verify(await proof(), post, 'tok')).consume()).rejects.toMatchObject({
        code: 'ERR_GRANT_STORE_GROUP_FULL',
      })
      now = NOW + 71
      await expect(
        (await verify(await proof({ iat: now }), post, 'tok')).consume(),
      ).resolves.toBeUndefined()
    })
  })

  describe('htu: the configured origin plus the raw request path (RFC 9449 §4.3 point 9)', () => {
    const ORIGIN = 'https://api.example.com'
    const at = (url: string) => request(url, 'POST')
    const verifyAt = () => createDpopProofVerifier({ now: () => NOW, origin: ORIGIN })
    const accepted: { title: string; htu: string; url: string }[] = [
      {
        title: 'a path starting with // is a path, not an authority (RFC 3986 §4.2)',
        htu: 'https://api.example.com//',
        url: '//?x',
      },
      {
        title: 'a raw path with a doubled slash',
        htu: 'https://api.example.com//evil.example/transfers',
        url: '//evil.example/transfers',
      },
      {
        title: 'percent-encoding case (RFC 3986 §6.2.2.1)',
        htu: 'https://api.example.com/caf%c3%a9',
        url: '/caf%C3%A9',
      },
      {
        title: 'percent-encoded unreserved characters (RFC 3986 §6.2.2.2)',
        htu: 'https://api.example.com/%7Euser/%61ccounts',
        url: '/~user/accounts',
      },
      {
        title: 'dot segments (RFC 3986 §6.2.2.3)',
        htu: 'https://API.Example.com:443/a/./b/../transfers',
        url: '/a/transfers',
      },
      {
        title: 'an empty path is "/" (RFC 3986 §6.2.3)',
        htu: 'https://api.example.com',
        url: '/?page=1',
      },
      {
        title: 'a character a path may not hold, encoded on both sides',
        htu: 'https://api.example.com/a%7Cb',
        url: '/a|b',
      },
      {
        title: 'the path of an absolute-form target, on the configured origin',
        htu: 'https://api.example.com/%7Ex',
        url: 'http://10.0.0.7:8080/~x?y#z',
      },
    ]
    it.each(accepted)('accepts $title', async ({ htu, url }) => {
      await expect(verifyAt()(await proof({ htu }), at(url), 'tok')).resolves.toMatchObject({
        jkt: expect.any(String),
      })
    })

    const refused: { title: string; htu: string; url: string }[] = [
      {
        title: 'a path the framework would re-parse as an authority (//host)',
        htu: 'https://api.example.com/transfers',
        url: '//evil.example/transfers',
      },
      {
        title: 'a backslash a URL parser would turn into a slash',
        htu: 'https://api.example.com/a/transfers',
        url: '/a\\transfers',
      },
      {
        title: 'a tab a URL parser would drop',
        htu: 'https://api.example.com/transfers',
        url: '/trans\tfers',
      },
      {
        title: 'an encoded slash, which is not a slash',
        htu: 'https://api.example.com/a/b',
        url: '/a%2Fb',
      },
      {
        title: 'a bad percent escape',
        htu: 'https://api.example.com/a%zz',
        url: '/a%zz',
      },
      {
        title: 'userinfo in htu',
        htu: 'https://user@api.example.com/transfers',
        url: '/transfers',
      },
    ]
    it.each(refused)('refuses $title', async ({ htu, url }) => {
      expect(await codeOf(verifyAt()(await proof({ htu }), at(url), 'tok'))).toBe(
        'ERR_DPOP_CLAIM_INVALID',
      )
    })

    it('answers any request target with a DpopProofError or a check, never another error', async () => {
      const verify = verifyAt()
      const good = await proof({ htu: `${ORIGIN}/transfers` })
      await checkProperty(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ maxLength: 60 }),
            fc.string({ unit: fc.constantFrom(...'/\\?#%.:@[]A1 '.split('')), maxLength: 30 }),
          ),
          async (url) => {
            const outcome = await verify(good, at(url), 'tok').then(
              (check) => check.jkt,
              (e: unknown) => e,
            )
            expect(typeof outcome === 'string' || outcome instanceof DpopProofError).toBe(true)
          },
        ),
        { numRuns: 300 },
      )
      for (const url of ['//?x', '', '?', '*', '//', 'http://', '/%', 42 as never]) {
        expect(await codeOf(verify(good, at(url), 'tok'))).toBe('ERR_DPOP_CLAIM_INVALID')
      }
    })

    it('says which rule failed, never a value from the proof', async () => {
      const error = await verifyAt()(await proof({ htu: `${ORIGIN}/x` }), at('/y'), 'tok').catch(
        (e: unknown) => e,
      )
      expect(error).toMatchObject({
        code: 'ERR_DPOP_CLAIM_INVALID',
        message: 'DPoP proof "htu" is not the request URI (RFC 9449 §4.3 point 9)',
      })
      const relative = await verifyProof()(await proof(), at('/transfers'), 'tok').catch(
        (e: unknown) => e,
      )
      expect((relative as Error).message).toBe(
        'the request URI is only a path: configure "origin" to check "htu" (RFC 9449 §4.3 point 9)',
      )
    })
  })
})

describe('through the request guard the adapters share', () => {
  const NOW = 1_700_000_000
  const url = 'https://api.example.com/transfers'
  let as: TestKey
  let client: CryptoKeyPair
  let jkt: string
  let guard: ReturnType<typeof createStepUpGuard<null>>
  const accessToken = (bound: string) =>
    new SignJWT({ client_id: 'bank-web', acr: 'phr', auth_time: NOW, cnf: { jkt: bound } })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: as.kid })
      .setSubject('alice')
      .setJti(crypto.randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 600)
      .sign(as.privateKey)
  const proofFor = async (token: string) =>
    new SignJWT({
      jti: crypto.randomUUID(),
      htm: 'POST',
      htu: url,
      iat: NOW,
      ath: base64url.encode(
        new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
      ),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(client.publicKey) })
      .sign(client.privateKey)
  const view = (authorization: string, dpop?: string): HttpRequestView => ({
    method: 'POST',
    url: '/transfers',
    headers: dpop === undefined ? { authorization } : { authorization, dpop },
    body: () => undefined,
  })

  beforeAll(async () => {
    as = await makeKey('ES256', 'as-1')
    client = await generateKeyPair('ES256', { extractable: true })
    jkt = await calculateJwkThumbprint(await exportJWK(client.publicKey), 'sha256')
    guard = createStepUpGuard<null>({
      verify: createJwtAccessTokenVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [as.jwk] },
        now: () => NOW,
      }),
      requirement: { acr_values: ['phr'] },
      dpop: {
        algs: ['ES256'],
        verifyProof: createDpopProofVerifier({ origin: 'https://api.example.com', now: () => NOW }),
      },
      now: () => NOW,
    })
  })

  it('allows a DPoP-bound token with a proof of its key', async () => {
    const token = await accessToken(jkt)
    const outcome = await guard(view(`DPoP ${token}`, await proofFor(token)), null)
    expect(outcome).toMatchObject({ ok: true })
  })

  it('answers a missing or replayed proof with invalid_dpop_proof on the DPoP challenge', async () => {
    const token = await accessToken(jkt)
    const missing = await guard(view(`DPoP ${token}`), null)
    expect(missing).toMatchObject({ ok: false, status: 401, body: { error: 'invalid_dpop_proof' } })
    const challenge = !missing.ok && missing.headers['www-authenticate']
    expect(challenge).toMatch(/^Bearer, DPoP error="invalid_dpop_proof", .*algs="ES256"$/)
    const proof = await proofFor(token)
    expect(await guard(view(`DPoP ${token}`, proof), null)).toMatchObject({ ok: true })
    expect(await guard(view(`DPoP ${token}`, proof), null)).toMatchObject({
      ok: false,
      body: { error: 'invalid_dpop_proof' },
    })
  })

  it('refuses a token bound to another key than the proof, and the bound token as Bearer', async () => {
    const stolen = await accessToken('another-key-thumbprint')
    expect(await guard(view(`DPoP ${stolen}`, await proofFor(stolen)), null)).toMatchObject({
      ok: false,
      status: 401,
      body: { error: 'invalid_token' },
    })
    const token = await accessToken(jkt)
    expect(await guard(view(`Bearer ${token}`), null)).toMatchObject({
      ok: false,
      body: { error: 'invalid_token' },
    })
  })
})
