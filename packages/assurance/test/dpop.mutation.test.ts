import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { HttpRequestView } from '../src/http.ts'
import {
  createDpopNonceSource,
  createDpopProofVerifier,
  createMemoryConsumedGrantStore,
  DpopProofError,
  type DpopProofVerifierOptions,
} from '../src/index.ts'

const NOW = 1_700_000_000
const URL_ = 'https://api.example.com/transfers'
const request = (url: unknown, method = 'POST'): HttpRequestView => ({
  method,
  url: url as string,
  headers: {},
  body: () => undefined,
})
const post = request(URL_)
const ath = async (token: string) =>
  base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
  )

interface Signer {
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly jwk: JWK
}
async function signer(alg: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { alg, privateKey, jwk: await exportJWK(publicKey) }
}

let ec: Signer
beforeAll(async () => {
  ec = await signer('ES256')
})

const proof = async (
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key: Signer = ec,
) =>
  new SignJWT({
    jti: 'jti-1',
    htm: 'POST',
    htu: URL_,
    iat: NOW,
    ath: await ath('tok'),
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk, ...header } as never)
    .sign(key.privateKey)
/** A proof with a header jose will not write, signed with WebCrypto (ES256). */
const raw = async (header: object) => {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(
    JSON.stringify({ jti: 'j1', htm: 'POST', htu: URL_, iat: NOW, ath: await ath('tok') }),
  )}`
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    ec.privateKey,
    new TextEncoder().encode(input),
  )
  return `${input}.${base64url.encode(new Uint8Array(signature))}`
}
const verifier = (options: DpopProofVerifierOptions = {}) =>
  createDpopProofVerifier({ now: () => NOW, ...options })
const refusal = async (
  p: string | null | Promise<string | null>,
  options: DpopProofVerifierOptions = {},
  req: HttpRequestView = post,
) => {
  const error = await verifier(options)(await p, req, 'tok').then(
    () => undefined,
    (e: unknown) => e as { code: string; message: string },
  )
  return { code: error?.code, message: error?.message }
}

describe('createDpopProofVerifier: each supported algorithm (RFC 9449 §4.3 point 6)', () => {
  it.each(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'])('accepts a %s proof', async (alg) => {
    const key = await signer(alg)
    await expect(verifier()(await proof({}, {}, key), post, 'tok')).resolves.toMatchObject({
      jkt: expect.any(String),
    })
  })

  it.each(['RS256', 'PS256'])('accepts an RSA proof (%s)', async (alg) => {
    const key = await signer(alg)
    await expect(verifier()(await proof({}, {}, key), post, 'tok')).resolves.toMatchObject({
      jkt: expect.any(String),
    })
  })

  it('refuses a jwk of another curve than the alg names', async () => {
    const p384 = await signer('ES384')
    const p521 = await signer('ES512')
    const mixed = await proof({}, { jwk: p521.jwk }, p384)
    expect((await refusal(mixed)).code).toBe('ERR_DPOP_KEY_INVALID')
  })
})

describe('createDpopProofVerifier: a jwk that is not a public key (RFC 9449 §4.3 point 6)', () => {
  const KEY =
    'DPoP proof "jwk" is missing, private, or not a public key of the "alg" type and curve (RFC 9449 §4.3 point 6)'
  let rsa: Signer
  beforeAll(async () => {
    rsa = await signer('RS256')
  })

  it.each(['p', 'q', 'dp', 'dq', 'qi', 'oth'])(
    'refuses an RSA jwk carrying the private member %s',
    async (member) => {
      const p = await proof({}, { jwk: { ...rsa.jwk, [member]: 'AQAB' } }, rsa)
      expect(await refusal(p)).toEqual({ code: 'ERR_DPOP_KEY_INVALID', message: KEY })
    },
  )

  it.each(['d', 'k', 'priv'])(
    'refuses an EC jwk carrying the private member %s',
    async (member) => {
      const p = await proof({}, { jwk: { ...ec.jwk, [member]: 'AQAB' } })
      expect(await refusal(p)).toEqual({ code: 'ERR_DPOP_KEY_INVALID', message: KEY })
    },
  )

  it.each([
    ['a list', () => [ec.jwk]],
    ['a string', () => 'key'],
    ['null', () => null],
  ])('refuses a jwk that is %s', async (_, jwk) => {
    const p = await raw({ alg: 'ES256', typ: 'dpop+jwt', jwk: jwk() })
    expect(await refusal(p)).toEqual({ code: 'ERR_DPOP_KEY_INVALID', message: KEY })
  })

  it('refuses a jwk of another key type', async () => {
    const p = await raw({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...ec.jwk, kty: 'OKP' } })
    expect(await refusal(p)).toEqual({ code: 'ERR_DPOP_KEY_INVALID', message: KEY })
  })

  it('refuses a jwk whose alg is another, even one jose could use', async () => {
    const p = await raw({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...ec.jwk, alg: 'ES384' } })
    expect(await refusal(p)).toEqual({ code: 'ERR_DPOP_KEY_INVALID', message: KEY })
  })
})

describe('createDpopProofVerifier: each refusal names the rule', () => {
  const MALFORMED =
    'the DPoP header is not one compact JWS with a JSON object header (RFC 9449 §4.3 points 1-2)'
  const CRIT =
    'DPoP proof header has "crit" or "b64"; no JWS extension is understood (RFC 7515 §4.1.11)'

  it('is a DpopProofError', async () => {
    const error = await verifier()(null, post, 'tok').catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'DpopProofError', code: 'ERR_DPOP_MISSING' })
  })

  it.each([
    ['no proof', null],
    ['an empty proof', ''],
  ])('%s', async (_, p) => {
    expect(await refusal(p)).toEqual({
      code: 'ERR_DPOP_MISSING',
      message: 'the request has no DPoP proof (RFC 9449 §7.1)',
    })
  })

  it('accepts a proof of 8192 characters, and refuses one longer', async () => {
    /** A valid proof padded with a claim to exactly `length` characters. */
    const sized = async (length: number) => {
      const base = (await proof({ pad: '' })).length
      const guess = Math.floor(((length - base) * 3) / 4)
      for (let extra = guess - 2; extra <= guess + 2; extra++) {
        const p = await proof({ pad: 'x'.repeat(extra) })
        if (p.length === length) return p
      }
      throw new Error(`no proof of ${length} characters`)
    }
    await expect(verifier()(await sized(8192), post, 'tok')).resolves.toMatchObject({
      jkt: expect.any(String),
    })
    expect(await refusal(sized(8194))).toEqual({ code: 'ERR_DPOP_MALFORMED', message: MALFORMED })
  })

  it('a header that is not JSON', async () => {
    expect(await refusal(`${base64url.encode('x')}.e30.AA`)).toEqual({
      code: 'ERR_DPOP_MALFORMED',
      message: MALFORMED,
    })
  })

  it('a crit or b64 header, before anything else', async () => {
    for (const extra of [{ crit: ['x'], x: 1 }, { b64: false }]) {
      const p = await raw({ alg: 'ES256', typ: 'dpop+jwt', jwk: ec.jwk, ...extra })
      expect(await refusal(p)).toEqual({ code: 'ERR_DPOP_MALFORMED', message: CRIT })
      const unsigned = `${base64url.encode(JSON.stringify({ alg: 'ES256', ...extra }))}.e30.AA`
      expect(await refusal(unsigned)).toEqual({ code: 'ERR_DPOP_MALFORMED', message: CRIT })
    }
  })

  it('a b64 header before a refused algorithm', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'HS256', b64: false }))
    expect(await refusal(`${header}.e30.AA`)).toEqual({ code: 'ERR_DPOP_MALFORMED', message: CRIT })
  })

  it('a signature segment that does not decode', async () => {
    const p = (await proof()).replace(/[^.]+$/, 'A')
    expect(await refusal(p)).toEqual({
      code: 'ERR_DPOP_MALFORMED',
      message: 'DPoP proof segments cannot be decoded (RFC 9449 §4.3 point 2)',
    })
  })

  it('an alg that is not a string', async () => {
    expect(await refusal(`${base64url.encode(JSON.stringify({ alg: 5 }))}.e30.AA`)).toEqual({
      code: 'ERR_DPOP_ALG_NOT_ALLOWED',
      message:
        'DPoP proof "alg" is not one of the allowed asymmetric algorithms (RFC 9449 §4.3 point 5, §11.6)',
    })
  })

  it('a signature that does not verify', async () => {
    const other = await signer('ES256')
    expect(await refusal(proof({}, { jwk: ec.jwk }, other))).toEqual({
      code: 'ERR_DPOP_SIGNATURE_INVALID',
      message: 'DPoP proof signature does not verify with its "jwk" (RFC 9449 §4.3 point 7)',
    })
  })

  it('claims that are not a JSON object', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk: ec.jwk }))
    const input = `${header}.${base64url.encode('[1]')}`
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      ec.privateKey,
      new TextEncoder().encode(input),
    )
    const p = `${input}.${base64url.encode(new Uint8Array(signature))}`
    expect(await refusal(p)).toEqual({
      code: 'ERR_DPOP_MALFORMED',
      message: 'DPoP proof claims are not a JSON object (RFC 9449 §4.3 point 2)',
    })
  })

  it.each([
    [{ exp: NOW - 60 }, 'DPoP proof "exp" has passed (RFC 7519 §4.1.4)'],
    [{ nbf: NOW + 60 }, 'DPoP proof "nbf" is not yet valid (RFC 7519 §4.1)'],
    [{ nbf: 'soon' }, 'DPoP proof "nbf" is not a number (RFC 7519 §4.1)'],
    [{ iat: 'now' }, 'DPoP proof "iat" is not a number (RFC 9449 §4.2)'],
    [{ htm: 'GET' }, 'DPoP proof "htm" is not the request method (RFC 9449 §4.3 point 8)'],
    [{ htu: 5 }, 'DPoP proof "htu" is not the request URI (RFC 9449 §4.3 point 9)'],
    [
      { iat: NOW + 10 },
      'DPoP proof "iat" is 10 s ahead, over clockTolerance 5 s (RFC 9449 §4.3 point 11)',
    ],
    [
      { iat: NOW - 70 },
      'DPoP proof is 70 s old, over maxAge 60 s + clockTolerance 5 s (RFC 9449 §4.3 point 11, §11.1)',
    ],
    [
      { ath: 'other' },
      'DPoP proof "ath" is not the SHA-256 of the access token (RFC 9449 §4.3 point 12)',
    ],
    [{ jti: '' }, 'DPoP proof "jti" is missing, empty or over 256 characters (RFC 9449 §4.2)'],
    [{ jti: 5 }, 'DPoP proof "jti" is missing, empty or over 256 characters (RFC 9449 §4.2)'],
    [
      { jti: 'j'.repeat(257) },
      'DPoP proof "jti" is missing, empty or over 256 characters (RFC 9449 §4.2)',
    ],
  ])('claims %j', async (claims, message) => {
    expect(await refusal(proof(claims))).toEqual({ code: 'ERR_DPOP_CLAIM_INVALID', message })
  })

  it('accepts a jti of 256 characters', async () => {
    await expect(
      verifier()(await proof({ jti: 'j'.repeat(256) }), post, 'tok'),
    ).resolves.toMatchObject({
      jkt: expect.any(String),
    })
  })

  it('a path that does not parse, with an origin configured', async () => {
    const options = { origin: 'https://api.example.com' }
    expect(await refusal(proof(), options, request('/a%zz'))).toEqual({
      code: 'ERR_DPOP_CLAIM_INVALID',
      message: 'the request target is neither a path nor an http(s) URI (RFC 9449 §4.3 point 9)',
    })
  })

  it('a request target that is neither a path nor an http(s) URI', async () => {
    for (const url of ['ftp://api.example.com/transfers', 5]) {
      expect(await refusal(proof(), {}, request(url))).toEqual({
        code: 'ERR_DPOP_CLAIM_INVALID',
        message: 'the request target is neither a path nor an http(s) URI (RFC 9449 §4.3 point 9)',
      })
    }
  })
})

describe('createDpopProofVerifier: nonces (RFC 9449 §9)', () => {
  const nonce = () => createDpopNonceSource({ secret: new Uint8Array(32).fill(9), now: () => NOW })

  it('says a nonce is missing, and hands out one to use', async () => {
    const error = await verifier({ nonce: nonce() })(await proof(), post, 'tok').catch(
      (e: unknown) => e as { code: string; message: string; nonce?: string },
    )
    expect(error).toMatchObject({
      code: 'ERR_DPOP_NONCE_MISSING',
      message:
        'DPoP proof has no "nonce" claim; this resource server requires one it provided (RFC 9449 §9)',
      nonce: expect.any(String),
    })
  })

  it('says a nonce is not one it gave out', async () => {
    expect(await refusal(proof({ nonce: 'made-up' }), { nonce: nonce() })).toEqual({
      code: 'ERR_DPOP_NONCE_INVALID',
      message:
        'DPoP proof "nonce" is not one this resource server provided, or it expired (RFC 9449 §4.3 point 10, §9)',
    })
  })
})

describe('createDpopProofVerifier: htu compared as RFC 3986 §6.2.2 normalises it', () => {
  const same = async (htu: string, url: string) =>
    verifier()(await proof({ htu }), request(url), 'tok')

  it.each([
    ['a final dot segment', 'https://api.example.com/a/.', 'https://api.example.com/a/'],
    ['a final double-dot segment', 'https://api.example.com/a/b/..', 'https://api.example.com/a/'],
    ['double dots above the root', 'https://api.example.com/../a', 'https://api.example.com/a'],
    ['a host in upper case', 'https://API.EXAMPLE.COM/a', 'https://api.example.com/a'],
    ['an explicit default port', 'http://api.example.com:80/a', 'http://api.example.com/a'],
    [
      'a port with leading zeros',
      'https://api.example.com:08443/a',
      'https://api.example.com:8443/a',
    ],
    ['the highest port', 'https://api.example.com:65535/a', 'https://api.example.com:65535/a'],
    ['an IPv6 host', 'https://[::1]:8443/a', 'https://[::1]:8443/a'],
    [
      'a character outside the BMP, encoded',
      'https://api.example.com/%F0%9F%98%80',
      'https://api.example.com/😀',
    ],
    [
      'non-ASCII text, encoded',
      'https://api.example.com/caf%C3%A9',
      'https://api.example.com/café',
    ],
    [
      'U+FFFF, and the character after it',
      'https://api.example.com/%EF%BF%BFa',
      'https://api.example.com/\uffffa',
    ],
    [
      'a control character, as two hex digits',
      'https://api.example.com/a%01',
      'https://api.example.com/a\u0001',
    ],
  ])('accepts %s', async (_, htu, url) => {
    await expect(same(htu, url)).resolves.toMatchObject({ jkt: expect.any(String) })
  })

  it.each([
    ['another port', 'https://api.example.com:8443/a', 'https://api.example.com/a'],
    ['a port over 65535', 'https://api.example.com:65536/a', 'https://api.example.com:65536/a'],
    ['a port that is not digits', 'https://api.example.com:8x/a', 'https://api.example.com:8x/a'],
    ['a host with a space', 'https://api example.com/a', 'https://api example.com/a'],
    ['an IPv6 host with other characters', 'https://[::g]/a', 'https://[::g]/a'],
    [
      'a path of an absolute target after text',
      'xhttps://api.example.com/a',
      'xhttps://api.example.com/a',
    ],
    ['a bad escape', 'https://api.example.com/%zz', 'https://api.example.com/%zz'],
    ['text before the scheme', ' https://api.example.com/a', 'https://api.example.com/a'],
    [
      'a segment ending in a dot, which is no dot segment',
      'https://api.example.com/a./b',
      'https://api.example.com/ab',
    ],
    [
      'an escape of one digit at the end',
      'https://api.example.com/%a',
      'https://api.example.com/%a',
    ],
  ])('refuses %s', async (_, htu, url) => {
    await expect(same(htu, url)).rejects.toMatchObject({ code: 'ERR_DPOP_CLAIM_INVALID' })
  })
})

describe('createDpopProofVerifier: options', () => {
  const invalid = (name: string) =>
    expect.objectContaining({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: `invalid option "${name}"`,
    })

  it.each([
    [{ algorithms: ['ES256', 'HS256'] }, 'algorithms'],
    [{ maxAge: 0 }, 'maxAge'],
    [{ clockTolerance: -1 }, 'clockTolerance'],
    [{ now: 5 }, 'now'],
    [{ now: 5, replay: createMemoryConsumedGrantStore() }, 'now'],
    [{ nonce: { issue: () => 'n' } }, 'nonce'],
    [{ nonce: { accepts: () => true } }, 'nonce'],
    [{ replay: createMemoryConsumedGrantStore(), maxProofsPerKey: 10 }, 'maxProofsPerKey'],
    [{ replay: { has: async () => false } }, 'replay'],
  ])('refuses %j, naming the option', (options, name) => {
    expect(() => createDpopProofVerifier(options as never)).toThrow(invalid(name))
  })

  it('names what an origin must be', () => {
    expect(() => createDpopProofVerifier({ origin: 'https://api.example.com/v1' })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message:
          'createDpopProofVerifier: "origin" must be an http(s) origin such as "https://api.example.com", without path, query or credentials',
      }),
    )
  })

  it('refuses an origin that is not a string', () => {
    expect(() => createDpopProofVerifier({ origin: 5 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('accepts an origin with a trailing slash, and a fractional clockTolerance', async () => {
    const verify = verifier({ origin: 'https://api.example.com/', clockTolerance: 0.5 })
    await expect(verify(await proof(), request('/transfers'), 'tok')).resolves.toMatchObject({
      jkt: expect.any(String),
    })
  })

  it('accepts a proof key for each of several algorithms', async () => {
    const verify = verifier({ algorithms: ['EdDSA', 'ES256'] })
    await expect(verify(await proof(), post, 'tok')).resolves.toMatchObject({
      jkt: expect.any(String),
    })
  })
})

describe('DpopProofError', () => {
  it('keeps the cause it is given', () => {
    const cause = new Error('jose said no')
    expect(new DpopProofError('ERR_DPOP_MISSING', 'no proof', { cause }).cause).toBe(cause)
  })
})

describe('createDpopProofVerifier: claims that are not strings', () => {
  it('refuses an htu that is a list holding the request URL', async () => {
    expect((await refusal(proof({ htu: [URL_] }))).code).toBe('ERR_DPOP_CLAIM_INVALID')
  })

  it('refuses a proof without iat, which jose lets through', async () => {
    expect(await refusal(proof({ iat: undefined }))).toEqual({
      code: 'ERR_DPOP_CLAIM_INVALID',
      message: 'DPoP proof "iat" is not a number (RFC 9449 §4.2)',
    })
  })

  it('refuses a nonce that is not a string without asking the nonce source', async () => {
    const asked: unknown[] = []
    const nonce = {
      issue: async () => 'fresh',
      accepts: async (value: string) => {
        asked.push(value)
        return true
      },
    }
    expect(await refusal(proof({ nonce: 5 }), { nonce })).toMatchObject({
      code: 'ERR_DPOP_NONCE_INVALID',
    })
    expect(asked).toEqual([])
  })
})
