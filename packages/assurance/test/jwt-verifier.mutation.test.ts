import { createSecretKey } from 'node:crypto'
import { base64url, type JWK, type JWTPayload, SignJWT } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type AccessTokenError,
  createJwtAccessTokenVerifier,
  type JwtAccessTokenVerifierOptions,
} from '../src/index.ts'
import { AUDIENCE, b64url, EX_9470_05, ISSUER, makeKey, NOW, sign, type TestKey } from './keys.ts'

let ec: TestKey
let twin: TestKey

beforeAll(async () => {
  ;[ec, twin] = await Promise.all([makeKey('ES256', 'ec-1'), makeKey('ES256', 'ec-1')])
})

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

const URL_JWKS = new URL('https://as.example.net/jwks')
const verifierFor = (extra: Partial<JwtAccessTokenVerifierOptions> = {}) =>
  createJwtAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [ec.jwk] },
    now: () => NOW,
    ...extra,
  } as JwtAccessTokenVerifierOptions)
const claims = (patch: Record<string, unknown>): JWTPayload => ({ ...EX_9470_05, ...patch })
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as AccessTokenError,
  )
const hs256 = (secret: Uint8Array) =>
  new SignJWT(EX_9470_05).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(secret)

describe('createJwtAccessTokenVerifier: each refused option is named', () => {
  const named = (name: string) => `invalid option "${name}"`
  const W = 'createJwtAccessTokenVerifier'
  const cases: [string, () => Record<string, unknown>, string][] = [
    ['an issuer that is not a string', () => ({ issuer: 5 }), named('issuer')],
    [
      'an audience list holding an empty string',
      () => ({ audience: [AUDIENCE, ''] }),
      named('audience'),
    ],
    ['an audience list holding a number', () => ({ audience: [AUDIENCE, 5] }), named('audience')],
    ['a negative clockTolerance', () => ({ clockTolerance: -1 }), named('clockTolerance')],
    [
      'a list with one unknown algorithm',
      () => ({ algorithms: ['ES256', 'none'] }),
      named('algorithms'),
    ],
    [
      'a shared secret with an asymmetric algorithm next to HS256',
      () => ({ jwks: new Uint8Array(32), algorithms: ['HS256', 'ES256'] }),
      named('algorithms'),
    ],
    ['a typ that is not a string', () => ({ typ: 5 }), named('typ')],
    ['a fetch that is not a function', () => ({ jwks: URL_JWKS, fetch: 5 }), named('fetch')],
    ['jwks null', () => ({ jwks: null }), named('jwks')],
    ['a JWK Set whose keys are not a list', () => ({ jwks: { keys: 'x' } }), named('jwks')],
    [
      'fetch with one key',
      () => ({ jwks: ec.jwk, fetch: async () => new Response() }),
      `${W}: "jwksOptions" and "fetch" are for a remote JWK Set; "jwks" is not a URL`,
    ],
    [
      'HS256 with a JWK Set',
      () => ({ algorithms: ['ES256', 'HS256'] }),
      `${W}: HS* algorithms need the shared secret itself as "jwks"`,
    ],
    [
      'an oct JWK with an asymmetric algorithm',
      () => ({ jwks: { kty: 'oct', k: 'A'.repeat(43) }, algorithms: ['ES256'] }),
      `${W}: "algorithms" lists ES256, but the key is a shared secret`,
    ],
    [
      'a Node secret key with an asymmetric algorithm',
      () => ({ jwks: createSecretKey(new Uint8Array(32)), algorithms: ['ES256'] }),
      `${W}: "algorithms" lists ES256, but the key is a shared secret`,
    ],
    [
      'an oct JWK without k',
      () => ({ jwks: { kty: 'oct' }, algorithms: ['HS256'] }),
      `${W}: the HS256 secret is 0 bytes; RFC 7518 §3.2 requires at least 32`,
    ],
    [
      'a secret key object whose size cannot be read',
      () => ({ jwks: { type: 'secret' }, algorithms: ['HS256'] }),
      `${W}: the HS256 secret is 0 bytes; RFC 7518 §3.2 requires at least 32`,
    ],
    [
      'a key for encryption',
      () => ({ jwks: { ...ec.jwk, use: 'enc' } }),
      `${W}: the configured key is not for verifying signatures ("use" must be "sig", "key_ops" must include "verify"; RFC 7517 §4.2, §4.3)`,
    ],
  ]
  it.each(cases)('%s', (_, options, message) => {
    expect(() => verifierFor(options() as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message }),
    )
  })

  it('no options at all', () => {
    expect(() => createJwtAccessTokenVerifier(undefined as never)).toThrow(named('options'))
  })

  it.each([
    [{ timeoutDuration: 0 }, 'timeoutDuration'],
    [{ cooldownDuration: -1 }, 'cooldownDuration'],
    [{ cacheMaxAge: -1 }, 'cacheMaxAge'],
    [{ cacheMaxAge: 1.5 }, 'cacheMaxAge'],
    [{ headers: 'accept' }, 'headers'],
    [{ headers: ['accept'] }, 'headers'],
    [{ headers: { accept: 'application/json', 'x-n': 1 } }, 'headers'],
    [{ backoff: { initial: 0 } }, 'backoff.initial'],
    [{ backoff: { initial: 10, max: 5 } }, 'backoff.max'],
    [{ rateLimit: { fetches: 0 } }, 'rateLimit.fetches'],
    [{ rateLimit: { interval: 0 } }, 'rateLimit.interval'],
  ])('jwksOptions %j: names jwksOptions.%s', (jwksOptions, name) => {
    expect(() => verifierFor({ jwks: URL_JWKS, jwksOptions } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: `invalid option "jwksOptions.${name}"`,
      }),
    )
  })

  it.each([
    [{ timeout: 1 }, 'jwksOptions: unknown option "timeout" (did you mean "timeoutDuration"?)'],
    [
      { backoff: { inital: 1 } },
      'jwksOptions.backoff: unknown option "inital" (did you mean "initial"?)',
    ],
    [
      { rateLimit: { fetch: 1 } },
      'jwksOptions.rateLimit: unknown option "fetch" (did you mean "fetches"?)',
    ],
  ])('jwksOptions %j: names where the unknown key is', (jwksOptions, message) => {
    expect(() => verifierFor({ jwks: URL_JWKS, jwksOptions } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: `createJwtAccessTokenVerifier: ${message}`,
      }),
    )
  })
})

describe('createJwtAccessTokenVerifier: options it accepts', () => {
  it('every jwksOptions member, an unbounded cacheMaxAge included', () => {
    expect(() =>
      verifierFor({
        jwks: URL_JWKS,
        jwksOptions: {
          timeoutDuration: 1000,
          cooldownDuration: 0,
          cacheMaxAge: Number.POSITIVE_INFINITY,
          headers: { accept: 'application/jwk-set+json' },
          backoff: { initial: 10, max: 20 },
          rateLimit: { fetches: 1, interval: 1000 },
        },
      }),
    ).not.toThrow()
  })

  it('a fractional clockTolerance', () => {
    expect(() => verifierFor({ clockTolerance: 0.5 })).not.toThrow()
  })

  it('a typ of the issuer’s own', async () => {
    const token = await sign(ec, EX_9470_05, { typ: 'JWT' })
    await expect(verifierFor({ typ: 'JWT' }).verify(token)).resolves.toBeDefined()
  })

  it('maxTokenLength', async () => {
    const token = await sign(ec)
    const error = await errorOf(verifierFor({ maxTokenLength: token.length - 1 }).verify(token))
    expect(error?.code).toBe('ERR_TOKEN_TOO_LARGE')
  })

  it('an HMAC CryptoKey of 32 bytes for HS256', async () => {
    const secret = new Uint8Array(32).fill(3)
    const key = await crypto.subtle.importKey(
      'raw',
      secret,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    )
    await expect(
      verifierFor({ jwks: key, algorithms: ['HS256'] }).verify(await hs256(secret)),
    ).resolves.toBeDefined()
  })

  it('a Node secret key of 32 bytes for HS256', async () => {
    const secret = new Uint8Array(32).fill(4)
    const jwks = createSecretKey(secret)
    await expect(
      verifierFor({ jwks, algorithms: ['HS256'] }).verify(await hs256(secret)),
    ).resolves.toBeDefined()
  })

  it('leaves the app’s JWK and its key_ops unfrozen (jose freezes what it is given)', async () => {
    const { use: _, ...rest } = ec.jwk
    const jwk: JWK = { ...rest, key_ops: ['verify'] }
    await verifierFor({ jwks: jwk }).verify(await sign(ec))
    expect(Object.isFrozen(jwk)).toBe(false)
    expect(Object.isFrozen(jwk.key_ops)).toBe(false)
  })
})

describe('createJwtAccessTokenVerifier: readable reasons for refused tokens', () => {
  const reason = async (
    token: string | Promise<string>,
    extra: Partial<JwtAccessTokenVerifierOptions> = {},
  ) => {
    const error = await errorOf(verifierFor(extra).verify(await token))
    return { code: error?.code, message: error?.message }
  }

  it('a header that is not JSON', async () => {
    expect(await reason(`${b64url('not json')}.${b64url(EX_9470_05)}.c2ln`)).toEqual({
      code: 'ERR_TOKEN_MALFORMED',
      message: 'token is not a compact JWS with a JSON object header (RFC 7515 §7.1)',
    })
  })

  it('a crit or b64 header', async () => {
    const message =
      'token header has "crit" or "b64"; no JWS extension is understood (RFC 7515 §4.1.11)'
    for (const header of [{ crit: ['exp'] }, { b64: false }]) {
      const token = `${b64url({ alg: 'ES256', typ: 'at+jwt', kid: 'ec-1', ...header })}.${b64url(EX_9470_05)}.c2ln`
      expect(await reason(token)).toEqual({ code: 'ERR_TOKEN_MALFORMED', message })
    }
  })

  it('an alg that is not a string', async () => {
    const token = `${b64url({ alg: 5, typ: 'at+jwt' })}.${b64url(EX_9470_05)}.c2ln`
    expect(await reason(token)).toEqual({
      code: 'ERR_TOKEN_ALG_NOT_ALLOWED',
      message: 'token "alg" is 5, not one of the allowed algorithms (RFC 8725 §3.1)',
    })
  })

  it('segments that do not decode', async () => {
    const token = `${b64url({ alg: 'ES256', typ: 'at+jwt', kid: 'ec-1' })}.${b64url(EX_9470_05)}.A`
    expect(await reason(token)).toEqual({
      code: 'ERR_TOKEN_MALFORMED',
      message: 'token segments cannot be decoded (RFC 7515 §7.1)',
    })
  })

  it('several keys of the set matching kid and alg', async () => {
    expect(await reason(sign(ec), { jwks: { keys: [ec.jwk, twin.jwk] } })).toEqual({
      code: 'ERR_TOKEN_KEY_NOT_FOUND',
      message: 'several keys of the JWK Set match the token "kid" and "alg" (RFC 7515 §4.1.4)',
    })
  })

  it('a key of another algorithm', async () => {
    const rsa = await makeKey('RS256', 'rs-1')
    const { alg: _, ...anyAlg } = ec.jwk
    expect(await reason(sign(rsa), { jwks: anyAlg, algorithms: ['RS256', 'ES256'] })).toEqual({
      code: 'ERR_TOKEN_KEY_NOT_FOUND',
      message:
        'the key cannot verify "RS256": another algorithm, hash or curve, an RSA key under 2048 bits, or not a public verification key (RFC 7518 §3)',
    })
  })

  it.each([
    ['nbf', '4.1.5'],
    ['iat', '4.1.6'],
    ['exp', '4.1.4'],
  ])('a %s that is not a number', async (claim, section) => {
    expect(await reason(sign(ec, claims({ [claim]: 'soon' })))).toEqual({
      code: 'ERR_TOKEN_CLAIM_INVALID',
      message: `token "${claim}" is not a number (RFC 7519 §${section})`,
    })
  })

  it('an nbf ahead, saying by how much', async () => {
    expect(await reason(sign(ec, claims({ nbf: NOW + 40 })), { clockTolerance: 5 })).toEqual({
      code: 'ERR_TOKEN_CLAIM_INVALID',
      message: 'token "nbf" is 40 s ahead, clockTolerance is 5 s (RFC 7519 §4.1.5)',
    })
  })

  it('an iat ahead, saying by how much', async () => {
    expect(await reason(sign(ec, claims({ iat: NOW + 40 })), { clockTolerance: 5 })).toEqual({
      code: 'ERR_TOKEN_CLAIM_INVALID',
      message: 'token "iat" is 40 s ahead, clockTolerance is 5 s (RFC 7519 §4.1.6)',
    })
  })

  it('keeps jose’s error as the cause', async () => {
    const other = await makeKey('ES256', 'ec-1')
    const error = await errorOf(verifierFor().verify(await sign(other)))
    expect(error).toMatchObject({
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
      cause: expect.objectContaining({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }),
    })
  })

  it('a validly signed token whose header has b64, even b64 true without crit', async () => {
    const header = b64url({ alg: 'ES256', typ: 'at+jwt', kid: 'ec-1', b64: true })
    const input = `${header}.${b64url(EX_9470_05)}`
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      ec.privateKey,
      new TextEncoder().encode(input),
    )
    const token = `${input}.${base64url.encode(new Uint8Array(signature))}`
    expect(await reason(token)).toEqual({
      code: 'ERR_TOKEN_MALFORMED',
      message:
        'token header has "crit" or "b64"; no JWS extension is understood (RFC 7515 §4.1.11)',
    })
  })

  it('accepts an iat exactly clockTolerance ahead', async () => {
    await expect(
      verifierFor({ clockTolerance: 5 }).verify(await sign(ec, claims({ iat: NOW + 5 }))),
    ).resolves.toBeDefined()
  })

  it('a required claim that is an empty string', async () => {
    expect(await reason(sign(ec, claims({ sub: '' })))).toEqual({
      code: 'ERR_TOKEN_CLAIM_INVALID',
      message: 'token has no "sub" claim (RFC 9068 §2.2)',
    })
  })
})

describe('createJwtAccessTokenVerifier: a remote JWK Set', () => {
  const jwksFetch = (answer: () => Response | Promise<Response>) =>
    vi.fn(async (_i: unknown, _init?: RequestInit) => answer())
  const remote = (
    fetch: ReturnType<typeof jwksFetch>,
    jwksOptions?: JwtAccessTokenVerifierOptions['jwksOptions'],
  ) =>
    verifierFor({
      jwks: URL_JWKS,
      fetch: fetch as unknown as typeof globalThis.fetch,
      ...(jwksOptions && { jwksOptions }),
    })

  it.each([
    [
      'another status than 200, even with a good set',
      () => Response.json({ keys: [] }, { status: 500 }),
      'it answered HTTP 500',
    ],
    ['a status without a body', () => new Response(null, { status: 503 }), 'it answered HTTP 503'],
    ['JSON null', () => Response.json(null), 'it is not a JWK Set with keys'],
    [
      'a set with a key that is not an object',
      () => Response.json({ keys: [{ kty: 'EC' }, 'x'] }),
      'it is not a JWK Set with keys',
    ],
  ])('is unavailable for %s, saying why', async (_, answer, why) => {
    const error = await errorOf(remote(jwksFetch(answer)).verify(await sign(ec)))
    expect(error).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      message: `the JWK Set at ${URL_JWKS.href} cannot be fetched: ${why}`,
    })
  })

  it('refuses a forged token as invalid, not as a key it has yet to fetch', async () => {
    const fetch = jwksFetch(() => Response.json({ keys: [ec.jwk] }))
    const verifier = remote(fetch)
    await verifier.verify(await sign(ec))
    const forged = await sign(await makeKey('ES256', 'ec-1'))
    expect(await errorOf(verifier.verify(forged))).toMatchObject({
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
      status: 401,
    })
  })

  it('sends the configured headers', async () => {
    const fetch = jwksFetch(() => Response.json({ keys: [ec.jwk] }))
    await remote(fetch, { headers: { 'x-tenant': 'bank' } }).verify(await sign(ec))
    expect(new Headers(fetch.mock.calls[0]?.[1]?.headers).get('x-tenant')).toBe('bank')
  })

  it('backs off exponentially after consecutive failures, up to backoff.max', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] })
    vi.spyOn(Math, 'random').mockReturnValue(1)
    const verifier = remote(
      jwksFetch(() => new Response(null, { status: 500 })),
      {
        backoff: { initial: 1000, max: 4000 },
      },
    )
    const token = await sign(ec)
    const waits: (number | undefined)[] = []
    for (let i = 0; i < 4; i++) {
      const error = await errorOf(verifier.verify(token))
      waits.push(error?.retryAfter)
      vi.setSystemTime(Date.now() + (error?.retryAfter ?? 0) * 1000)
    }
    expect(waits).toEqual([1, 2, 4, 4])
  })

  it('backs off after a failure whatever the rate limit: no second fetch before retryAfter', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] })
    vi.spyOn(Math, 'random').mockReturnValue(1)
    const fetch = jwksFetch(() => new Response(null, { status: 500 }))
    const verifier = remote(fetch, {
      backoff: { initial: 1000 },
      rateLimit: { fetches: 2, interval: 60_000 },
    })
    const token = await sign(ec)
    expect(await errorOf(verifier.verify(token))).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 1,
    })
    expect(await errorOf(verifier.verify(token))).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 1,
      message: `the JWK Set at ${URL_JWKS.href} is not fetched again for 1 s (backoff after a failure, or rateLimit)`,
    })
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('backs off for at least a minute by default once failures add up', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] })
    vi.spyOn(Math, 'random').mockReturnValue(1)
    const verifier = remote(jwksFetch(() => new Response(null, { status: 500 })))
    const token = await sign(ec)
    let last: number | undefined
    for (let i = 0; i < 8; i++) {
      last = (await errorOf(verifier.verify(token)))?.retryAfter
      vi.setSystemTime(Date.now() + (last ?? 0) * 1000)
    }
    expect(last).toBe(60)
  })

  it('says how long a fetch waits for the rate limit', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] })
    const fetch = jwksFetch(() => Response.json({ keys: [ec.jwk] }))
    const verifier = remote(fetch, {
      cooldownDuration: 0,
      rateLimit: { fetches: 1, interval: 60_000 },
    })
    await verifier.verify(await sign(ec))
    vi.setSystemTime(10_000)
    const error = await errorOf(verifier.verify(await sign(ec, EX_9470_05, { kid: 'new' })))
    expect(error).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 50,
      message: `the JWK Set at ${URL_JWKS.href} is not fetched again for 50 s (backoff after a failure, or rateLimit)`,
    })
  })

  it('counts the rate limit over the last fetches only', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] })
    const fetch = jwksFetch(() => Response.json({ keys: [ec.jwk] }))
    const verifier = remote(fetch, {
      cooldownDuration: 0,
      rateLimit: { fetches: 2, interval: 60_000 },
    })
    const at = async (seconds: number, kid: string) => {
      vi.setSystemTime(seconds * 1000)
      return errorOf(verifier.verify(await sign(ec, EX_9470_05, { kid })))
    }
    await at(0, 'ec-1')
    await at(50, 'k-50')
    await at(70, 'k-70')
    expect(fetch).toHaveBeenCalledTimes(3)
    expect(await at(100, 'k-100')).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 10,
    })
    expect(fetch).toHaveBeenCalledTimes(3)
  })

  it('says a new kid is not fetched yet while the set cools down', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] })
    const fetch = jwksFetch(() => Response.json({ keys: [ec.jwk] }))
    const verifier = remote(fetch)
    await verifier.verify(await sign(ec))
    const error = await errorOf(verifier.verify(await sign(ec, EX_9470_05, { kid: 'new' })))
    expect(error).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      message: `no key of the JWK Set at ${URL_JWKS.href} matches the token "kid" and "alg", and the set is not fetched again yet (cooldownDuration, backoff or rateLimit)`,
    })
  })
})
