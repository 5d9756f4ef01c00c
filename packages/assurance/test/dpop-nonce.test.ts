import { checkProperty } from '@stepup/internal/property'
import { parseWwwAuthenticate } from '@stepup/www-authenticate'
import fc from 'fast-check'
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { createStepUpGuard, type HttpRequestView } from '../src/http.ts'
import {
  createDpopNonceSource,
  createDpopProofVerifier,
  createJwtAccessTokenVerifier,
  type DpopNonceSource,
  DpopProofError,
} from '../src/index.ts'
import { AUDIENCE, ISSUER, makeKey, rejectionCode, type TestKey } from './keys.ts'

const SECRET = new Uint8Array(32).fill(7)
const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
/** RFC 9449 §8.1: nonce = 1*NQCHAR (%x21 / %x23-5B / %x5D-7E). */
const NQCHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** A source on a clock the test moves. */
function sourceAt(start: number, options: { secret?: Uint8Array; window?: number } = {}) {
  const clock = { now: start }
  const source = createDpopNonceSource({ secret: SECRET, ...options, now: () => clock.now })
  return { clock, source }
}

describe('createDpopNonceSource: HMAC nonces over time windows (RFC 9449 §9)', () => {
  it('issues a base64url HMAC-SHA-256 that can go in DPoP-Nonce as is (§8.1)', async () => {
    const { source } = sourceAt(1_700_000_000)
    const nonce = await source.issue(JKT)
    expect(nonce).toMatch(NQCHARS)
    expect(nonce).toMatch(/^[\w-]{43}$/)
  })

  it('is HMAC-SHA-256(secret, "dpop-nonce <window> <jkt>"): a value computed independently', async () => {
    const { source } = sourceAt(1_700_000_000)
    const key = await crypto.subtle.importKey(
      'raw',
      SECRET,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const step = Math.floor(1_700_000_000 / 300)
    const mac = await crypto.subtle.sign(
      'HMAC',
      key,
      new TextEncoder().encode(`dpop-nonce ${step} ${JKT}`),
    )
    expect(await source.issue(JKT)).toBe(base64url.encode(new Uint8Array(mac)))
  })

  it('gives the same nonce to a key within a window, another one to another key', async () => {
    const { clock, source } = sourceAt(1_700_000_100)
    const first = await source.issue(JKT)
    clock.now += 150
    expect(await source.issue(JKT)).toBe(first)
    expect(await source.issue('another-key')).not.toBe(first)
    expect(await source.accepts(first, 'another-key')).toBe(false)
  })

  it('accepts a nonce in its window and the next, then refuses it and issues the next one', async () => {
    // Window 300 s: 1_700_000_100 starts one (300 × 5_666_667), so this is 100 s into it.
    const { clock, source } = sourceAt(1_700_000_200)
    const nonce = await source.issue(JKT)
    expect(await source.accepts(nonce, JKT)).toBe(true)
    clock.now += 199 // last second of its window
    expect(await source.accepts(nonce, JKT)).toBe(true)
    clock.now += 1 // the next window
    expect(await source.issue(JKT)).not.toBe(nonce)
    expect(await source.accepts(nonce, JKT)).toBe(true)
    clock.now += 299 // last second of the next window
    expect(await source.accepts(nonce, JKT)).toBe(true)
    clock.now += 1
    expect(await source.accepts(nonce, JKT)).toBe(false)
  })

  it('keeps any nonce usable for at least window and at most 2 × window seconds (property)', async () => {
    await checkProperty(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.string({ minLength: 1, maxLength: 64 }),
        async (issuedAt, window, jkt) => {
          const { clock, source } = sourceAt(issuedAt, { window })
          const nonce = await source.issue(jkt)
          clock.now = issuedAt + window - 1
          const stillThen = await source.accepts(nonce, jkt)
          const end = (Math.floor(issuedAt / window) + 2) * window
          clock.now = end - 1
          const lastSecond = await source.accepts(nonce, jkt)
          clock.now = end
          const after = await source.accepts(nonce, jkt)
          expect({ stillThen, lastSecond, after }).toEqual({
            stillThen: true,
            lastSecond: true,
            after: false,
          })
        },
      ),
      { numRuns: 200 },
    )
  })

  it('accepts the nonces of another instance with the same secret, not with another secret', async () => {
    const a = sourceAt(1_700_000_000).source
    const b = sourceAt(1_700_000_000).source
    const other = sourceAt(1_700_000_000, { secret: new Uint8Array(32).fill(8) }).source
    const nonce = await a.issue(JKT)
    expect(await b.accepts(nonce, JKT)).toBe(true)
    expect(await other.accepts(nonce, JKT)).toBe(false)
    // Without a secret, each source draws its own: nonces are for this process only.
    const one = createDpopNonceSource({ now: () => 1_700_000_000 })
    const two = createDpopNonceSource({ now: () => 1_700_000_000 })
    expect(await two.accepts(await one.issue(JKT), JKT)).toBe(false)
    expect(await one.accepts(await one.issue(JKT), JKT)).toBe(true)
  })

  it('copies the secret: changing the caller’s bytes later changes nothing', async () => {
    const secret = new Uint8Array(32).fill(1)
    const source = createDpopNonceSource({ secret, now: () => 1_700_000_000 })
    const nonce = await source.issue(JKT)
    secret.fill(2)
    expect(await source.accepts(nonce, JKT)).toBe(true)
    expect(await source.issue(JKT)).toBe(nonce)
  })

  it('refuses what it did not issue: empty, altered, truncated, not a string', async () => {
    const { source } = sourceAt(1_700_000_000)
    const nonce = await source.issue(JKT)
    const altered = `${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`
    for (const bad of ['', altered, nonce.slice(0, -1), `${nonce}A`, 42, null, undefined]) {
      expect(await source.accepts(bad as string, JKT)).toBe(false)
    }
  })

  it('refuses a key thumbprint that is not a non-empty string', async () => {
    const { source } = sourceAt(1_700_000_000)
    for (const jkt of ['', undefined, 7]) {
      await expect(source.issue(jkt as string)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARG_VALUE',
      })
      await expect(source.accepts('x', jkt as string)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARG_VALUE',
      })
    }
  })

  it('refuses bad options when it is made', () => {
    expect(() => createDpopNonceSource({ secrets: SECRET } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: expect.stringContaining('did you mean "secret"'),
      }),
    )
    const invalid = [
      { secret: new Uint8Array(31) },
      { secret: 'a string of more than thirty-two characters' },
      { secret: Array.from({ length: 32 }, () => 1) },
      { window: 0 },
      { window: 1.5 },
      { window: Number.POSITIVE_INFINITY },
      { window: '300' },
      { now: 1_700_000_000 },
    ]
    for (const options of invalid) {
      expect(() => createDpopNonceSource(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      )
    }
  })
})

describe('createDpopProofVerifier({ nonce }): proofs must carry a nonce it gave (§4.3 point 10)', () => {
  const NOW = 1_700_000_000
  const URL_ = 'https://api.example.com/transfers'
  let client: CryptoKeyPair
  let jkt: string
  const ath = async (token: string) =>
    base64url.encode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
    )
  const proof = async (claims: Record<string, unknown> = {}, key = client.privateKey) =>
    new SignJWT({
      jti: crypto.randomUUID(),
      htm: 'POST',
      htu: URL_,
      iat: NOW,
      ath: await ath('tok'),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(client.publicKey) })
      .sign(key)
  const post: HttpRequestView = { method: 'POST', url: URL_, headers: {}, body: () => undefined }

  beforeAll(async () => {
    client = await generateKeyPair('ES256', { extractable: true })
    jkt = await calculateJwkThumbprint(await exportJWK(client.publicKey), 'sha256')
  })

  it('refuses a proof without nonce, carrying the nonce to use; accepts it with that nonce', async () => {
    const nonce = sourceAt(NOW).source
    const verifyProof = createDpopProofVerifier({ nonce, now: () => NOW })
    const error = await verifyProof(await proof(), post, 'tok').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DpopProofError)
    expect(error).toMatchObject({
      code: 'ERR_DPOP_NONCE_MISSING',
      nonce: await nonce.issue(jkt),
      message:
        'DPoP proof has no "nonce" claim; this resource server requires one it provided (RFC 9449 §9)',
    })
    const given = (error as DpopProofError).nonce
    await expect(verifyProof(await proof({ nonce: given }), post, 'tok')).resolves.toMatchObject({
      jkt,
    })
  })

  it('refuses a stale or foreign nonce with ERR_DPOP_NONCE_INVALID and the current nonce', async () => {
    const { clock, source } = sourceAt(NOW)
    const verifyProof = createDpopProofVerifier({ nonce: source, now: () => NOW })
    const old = await source.issue(jkt)
    clock.now += 600
    const current = await source.issue(jkt)
    for (const stale of [old, 'not-a-nonce-we-gave', 42]) {
      const error = await verifyProof(await proof({ nonce: stale }), post, 'tok').catch(
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ code: 'ERR_DPOP_NONCE_INVALID', nonce: current })
    }
  })

  it('checks the nonce last: a proof failing another check is refused for that, with no nonce', async () => {
    const nonce = sourceAt(NOW).source
    const verifyProof = createDpopProofVerifier({ nonce, now: () => NOW })
    const other = await generateKeyPair('ES256')
    const forged = await verifyProof(await proof({}, other.privateKey), post, 'tok').catch(
      (e: unknown) => e,
    )
    expect(forged).toMatchObject({ code: 'ERR_DPOP_SIGNATURE_INVALID' })
    expect((forged as DpopProofError).nonce).toBeUndefined()
    const wrongToken = await verifyProof(await proof(), post, 'another-token').catch(
      (e: unknown) => e,
    )
    expect(wrongToken).toMatchObject({ code: 'ERR_DPOP_CLAIM_INVALID' })
  })

  it('ignores a nonce claim without a nonce source (none was provided)', async () => {
    const verifyProof = createDpopProofVerifier({ now: () => NOW })
    await expect(
      verifyProof(await proof({ nonce: 'anything' }), post, 'tok'),
    ).resolves.toMatchObject({ jkt })
  })

  it('does not record the jti of a proof refused for its nonce', async () => {
    const nonce = sourceAt(NOW).source
    const adds: string[] = []
    const replay = {
      has: async () => false,
      add: async (key: string) => {
        adds.push(key)
        return true
      },
    }
    const verifyProof = createDpopProofVerifier({ nonce, replay, now: () => NOW })
    expect(await rejectionCode(verifyProof(await proof(), post, 'tok'), DpopProofError)).toBe(
      'ERR_DPOP_NONCE_MISSING',
    )
    expect(adds).toEqual([])
  })

  it('refuses a nonce option that is not a nonce source, and a misspelt key', () => {
    for (const nonce of [{}, { issue: () => 'n' }, 'secret', null]) {
      expect(() => createDpopProofVerifier({ nonce: nonce as never })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      )
    }
    expect(() => createDpopProofVerifier({ nonces: sourceAt(NOW).source } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: expect.stringContaining('did you mean "nonce"'),
      }),
    )
  })
})

describe('through the request guard: 401 use_dpop_nonce with DPoP-Nonce (RFC 9449 §9, Figure 24)', () => {
  const NOW = 1_700_000_000
  const url = 'https://api.example.com/transfers'
  let as: TestKey
  let client: CryptoKeyPair
  let jkt: string
  let nonces: DpopNonceSource
  const guardWith = (
    verifyProof: ReturnType<typeof createDpopProofVerifier>,
    exposeChallenge = true,
  ) =>
    createStepUpGuard<null>({
      verify: createJwtAccessTokenVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [as.jwk] },
        now: () => NOW,
      }),
      requirement: { acr_values: ['phr'] },
      dpop: { algs: ['ES256'], verifyProof },
      exposeChallenge,
      now: () => NOW,
    })
  const accessToken = () =>
    new SignJWT({ client_id: 'bank-web', acr: 'phr', auth_time: NOW, cnf: { jkt } })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: as.kid })
      .setSubject('alice')
      .setJti(crypto.randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 600)
      .sign(as.privateKey)
  const proofFor = async (token: string, nonce?: string) =>
    new SignJWT({
      jti: crypto.randomUUID(),
      htm: 'POST',
      htu: url,
      iat: NOW,
      ath: base64url.encode(
        new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
      ),
      ...(nonce !== undefined && { nonce }),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(client.publicKey) })
      .sign(client.privateKey)
  const view = (token: string, dpop: string): HttpRequestView => ({
    method: 'POST',
    url: '/transfers',
    headers: { authorization: `DPoP ${token}`, dpop },
    body: () => undefined,
  })
  const verifier = () =>
    createDpopProofVerifier({ origin: 'https://api.example.com', nonce: nonces, now: () => NOW })

  beforeAll(async () => {
    as = await makeKey('ES256', 'as-1')
    client = await generateKeyPair('ES256', { extractable: true })
    jkt = await calculateJwkThumbprint(await exportJWK(client.publicKey), 'sha256')
    nonces = createDpopNonceSource({ secret: SECRET, now: () => NOW })
  })

  it('answers a proof without nonce 401 use_dpop_nonce, the nonce in DPoP-Nonce, exposed', async () => {
    const guard = guardWith(verifier())
    const token = await accessToken()
    const outcome = await guard(view(token, await proofFor(token)), null)
    expect(outcome).toEqual({
      ok: false,
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer, DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256"',
        'content-type': 'application/json',
        'dpop-nonce': await nonces.issue(jkt),
        'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce',
      },
      body: {
        error: 'use_dpop_nonce',
        error_description: 'Resource server requires nonce in DPoP proof',
      },
    })
    const challenges = parseWwwAuthenticate(
      (outcome as { headers: Record<string, string> }).headers['www-authenticate'] as string,
    )
    expect(challenges[1]).toMatchObject({
      scheme: 'dpop',
      params: { error: 'use_dpop_nonce', algs: 'ES256' },
    })
  })

  it('lets the retry with that nonce through, and a stale one gets the current nonce', async () => {
    const guard = guardWith(verifier())
    const token = await accessToken()
    const first = await guard(view(token, await proofFor(token)), null)
    const nonce = (first as { headers: Record<string, string> }).headers['dpop-nonce']
    expect(await guard(view(token, await proofFor(token, nonce)), null)).toMatchObject({
      ok: true,
    })
    const stale = await guard(view(token, await proofFor(token, 'expired-nonce')), null)
    expect(stale).toMatchObject({
      ok: false,
      status: 401,
      body: { error: 'use_dpop_nonce' },
      headers: { 'dpop-nonce': nonce },
    })
  })

  it('sends DPoP-Nonce without the CORS header when exposeChallenge is off', async () => {
    const guard = guardWith(verifier(), false)
    const token = await accessToken()
    const outcome = await guard(view(token, await proofFor(token)), null)
    expect(outcome).toMatchObject({ status: 401, headers: { 'dpop-nonce': expect.any(String) } })
    expect(outcome).not.toHaveProperty(['headers', 'access-control-expose-headers'])
  })

  it('never sends a nonce that is not 1*NQCHAR: invalid_dpop_proof without DPoP-Nonce', async () => {
    const injected = new DpopProofError('ERR_DPOP_NONCE_MISSING', 'nonce needed', {
      nonce: 'a\r\nset-cookie: x=1',
    })
    const guard = guardWith(() => Promise.reject(injected))
    const token = await accessToken()
    const outcome = await guard(view(token, await proofFor(token)), null)
    expect(outcome).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } })
    expect(outcome).not.toHaveProperty(['headers', 'dpop-nonce'])
  })

  it('keeps invalid_dpop_proof for the other proof refusals, without DPoP-Nonce', async () => {
    const guard = guardWith(verifier())
    const token = await accessToken()
    const outcome = await guard(view(token, 'not-a-proof'), null)
    expect(outcome).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } })
    expect(outcome).not.toHaveProperty(['headers', 'dpop-nonce'])
    expect(outcome).toMatchObject({
      headers: { 'access-control-expose-headers': 'WWW-Authenticate' },
    })
  })
})
