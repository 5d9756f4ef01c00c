import {
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
} from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type AccessToken,
  createStepUpFetch,
  type StepUpChallenge,
  type StepUpContext,
  type StepUpFetchOptions,
} from '../src/index.js'
import { dpopResource, type SeenRequest, startServer, type TestServer } from './resource-server.js'

let rs: TestServer
let foreign: TestServer
let keyPair: CryptoKeyPair
let jkt: string

beforeAll(async () => {
  rs = await startServer()
  foreign = await startServer((_, res) => res.writeHead(200).end('foreign'))
  // A non-extractable private key, as a browser app keeps it (RFC 9449 §2).
  keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
  jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey))
})

afterAll(async () => {
  await rs.close()
  await foreign.close()
})

beforeEach(() => {
  rs.seen.length = 0
  foreign.seen.length = 0
})

const proofOf = (request: SeenRequest) => request.headers.dpop as string
const claimsOf = (request: SeenRequest) => decodeJwt(proofOf(request))

function dpopApi(
  options: Partial<StepUpFetchOptions> & { token?: AccessToken } = {},
): ReturnType<typeof createStepUpFetch> {
  const { token = 'silver', ...rest } = options
  return createStepUpFetch({
    allowedOrigins: [rs.origin],
    dpop: { keyPair },
    getAccessToken: () => token,
    stepUp: () => 'gold',
    ...rest,
  })
}

describe('DPoP proofs a real resource server accepts (RFC 9449 §4.2, §7.1)', () => {
  it('sends Authorization: DPoP and a proof the verifier accepts, with every claim', async () => {
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', { jkt, strong: true })
    rs.handle(resource.handler)
    const response = await dpopApi()(`${rs.origin}/accounts?page=2#top`)
    expect(response.status).toBe(200)
    expect(resource.refusals).toEqual([])
    const [seen] = rs.seen
    expect(seen?.headers.authorization).toBe('DPoP silver')
    const header = decodeProtectedHeader(proofOf(seen!))
    expect(header).toMatchObject({
      typ: 'dpop+jwt',
      alg: 'ES256',
      jwk: { kty: 'EC', crv: 'P-256' },
    })
    expect(header.jwk).not.toHaveProperty('d')
    const claims = claimsOf(seen!)
    // htu without query and fragment (§4.2); ath the base64url SHA-256 of the token (§4.2).
    expect(claims).toMatchObject({ htm: 'GET', htu: `${rs.origin}/accounts` })
    const ath = base64url.encode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('silver'))),
    )
    expect(claims.ath).toBe(ath)
    expect(Number.isInteger(claims.iat)).toBe(true)
    expect(claims.jti).toMatch(/^[\w-]{22}$/)
    expect(claims).not.toHaveProperty('nonce')
  })

  it('signs each request anew: the verifier never sees a jti twice', async () => {
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', { jkt, strong: true })
    rs.handle(resource.handler)
    const api = dpopApi()
    const responses = await Promise.all([1, 2, 3, 4].map((i) => api(`${rs.origin}/r/${i}`)))
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200])
    expect(new Set(rs.seen.map((r) => claimsOf(r).jti)).size).toBe(4)
  })

  it('the resource server refuses a proof sent a second time (RFC 9449 §11.1)', async () => {
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', { jkt, strong: true })
    rs.handle(resource.handler)
    expect((await dpopApi()(`${rs.origin}/accounts`)).status).toBe(200)
    const replayed = await fetch(`${rs.origin}/accounts`, {
      headers: { authorization: 'DPoP silver', dpop: proofOf(rs.seen[0]!) },
    })
    expect(replayed.status).toBe(401)
    expect(replayed.headers.get('www-authenticate')).toBe('DPoP error="invalid_dpop_proof"')
    expect(resource.refusals).toEqual(['ERR_DPOP_REPLAYED'])
  })

  it('a POST gets htm POST and its body; a redirect hop gets a proof for its own URL', async () => {
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', { jkt, strong: true })
    rs.handle((request, res) =>
      request.path === '/old'
        ? res.writeHead(307, { location: '/new' }).end()
        : resource.handler(request, res),
    )
    const response = await dpopApi()(`${rs.origin}/old`, { method: 'POST', body: 'amount=5' })
    expect(response.status).toBe(200)
    expect(
      rs.seen.map((r) => [r.path, r.body.toString(), claimsOf(r).htu, claimsOf(r).htm]),
    ).toEqual([
      ['/old', 'amount=5', `${rs.origin}/old`, 'POST'],
      ['/new', 'amount=5', `${rs.origin}/new`, 'POST'],
    ])
  })

  it('an Ed25519 key signs with alg Ed25519 (RFC 9864)', async () => {
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', {
      jkt: await calculateJwkThumbprint(await exportJWK(ed.publicKey)),
      strong: true,
    })
    rs.handle(resource.handler)
    const response = await dpopApi({ dpop: { keyPair: ed } })(`${rs.origin}/accounts`)
    expect(response.status).toBe(200)
    expect(decodeProtectedHeader(proofOf(rs.seen[0]!)).alg).toBe('Ed25519')
  })

  it('a foreign origin gets neither the token nor a proof', async () => {
    const response = await dpopApi()(`${foreign.origin}/x`)
    expect(await response.text()).toBe('foreign')
    expect(foreign.seen[0]?.headers).not.toHaveProperty('authorization')
    expect(foreign.seen[0]?.headers).not.toHaveProperty('dpop')
  })

  it('a caller-set DPoP header is replaced by the fetch', async () => {
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', { jkt, strong: true })
    rs.handle(resource.handler)
    const response = await dpopApi()(`${rs.origin}/x`, { headers: { dpop: 'stale.proof.here' } })
    expect(response.status).toBe(200)
    expect(proofOf(rs.seen[0]!)).not.toBe('stale.proof.here')
  })
})

describe('resource server nonces (RFC 9449 §9)', () => {
  it('retries once with the nonce of a 401 use_dpop_nonce, then keeps it for the origin', async () => {
    const resource = dpopResource(rs.origin, { requireNonce: true })
    resource.tokens.set('silver', { jkt, strong: true })
    rs.handle(resource.handler)
    const api = dpopApi()
    const response = await api(`${rs.origin}/accounts`, { method: 'POST', body: '{"a":1}' })
    expect(response.status).toBe(200)
    expect(resource.refusals).toEqual(['nonce'])
    expect(rs.seen.map((r) => [claimsOf(r).nonce, r.body.toString()])).toEqual([
      [undefined, '{"a":1}'],
      [resource.nonce, '{"a":1}'],
    ])
    rs.seen.length = 0
    expect((await api(`${rs.origin}/accounts`)).status).toBe(200)
    expect(rs.seen.map((r) => claimsOf(r).nonce)).toEqual([resource.nonce])
  })

  it('takes the next nonce from the DPoP-Nonce of any response', async () => {
    const resource = dpopResource(rs.origin, { requireNonce: true, rotateNonce: true })
    resource.tokens.set('silver', { jkt, strong: true })
    rs.handle(resource.handler)
    const api = dpopApi()
    expect((await api(`${rs.origin}/a`)).status).toBe(200)
    const rotated = resource.nonce
    expect((await api(`${rs.origin}/b`)).status).toBe(200)
    expect((await api(`${rs.origin}/c`)).status).toBe(200)
    // One nonce retry at the start only; each later proof carries the nonce just handed out.
    expect(resource.refusals).toEqual(['nonce'])
    expect(claimsOf(rs.seen[2]!).nonce).toBe(rotated)
    expect(rs.seen).toHaveLength(4)
  })

  it('retries only once: a second use_dpop_nonce is returned to the caller', async () => {
    rs.handle((_, res) =>
      res
        .writeHead(401, {
          'www-authenticate': 'DPoP error="use_dpop_nonce"',
          'dpop-nonce': `n${rs.seen.length}`,
        })
        .end(),
    )
    const stepUp = vi.fn(() => 'gold')
    const response = await dpopApi({ stepUp })(`${rs.origin}/x`)
    expect(response.status).toBe(401)
    expect(rs.seen.map((r) => claimsOf(r).nonce)).toEqual([undefined, 'n1'])
    expect(stepUp).not.toHaveBeenCalled()
  })

  it('a use_dpop_nonce without a usable DPoP-Nonce is not retried', async () => {
    rs.handle((_, res) =>
      res.writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"' }).end(),
    )
    expect((await dpopApi()(`${rs.origin}/x`)).status).toBe(401)
    expect(rs.seen).toHaveLength(1)
  })

  it('a Bearer request is never retried for a nonce', async () => {
    rs.handle((_, res) =>
      res
        .writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n' })
        .end(),
    )
    const api = dpopApi({ token: { token: 'plain', type: 'Bearer' } })
    expect((await api(`${rs.origin}/x`)).status).toBe(401)
    expect(rs.seen).toHaveLength(1)
    expect(rs.seen[0]?.headers.authorization).toBe('Bearer plain')
    expect(rs.seen[0]?.headers).not.toHaveProperty('dpop')
  })
})

describe('step-up with DPoP-bound tokens (RFC 9470 §3 over RFC 9449 §7.1)', () => {
  it('answers a DPoP step-up challenge and replays with the new token and a new proof', async () => {
    const resource = dpopResource(rs.origin, { requireNonce: true })
    resource.tokens.set('silver', { jkt, strong: false })
    resource.tokens.set('gold', { jkt, strong: true })
    rs.handle(resource.handler)
    const stepUp = vi.fn(
      async (_challenge: StepUpChallenge, _context: StepUpContext): Promise<AccessToken> => ({
        token: 'gold',
        type: 'DPoP',
      }),
    )
    const response = await dpopApi({ stepUp })(`${rs.origin}/transfers`, {
      method: 'POST',
      body: '{"amount":5000}',
    })
    expect(response.status).toBe(200)
    expect(stepUp).toHaveBeenCalledTimes(1)
    expect(stepUp.mock.calls[0]?.[0]).toMatchObject({
      kind: 'step_up',
      scheme: 'dpop',
      acr_values: ['myACR'],
    })
    expect(stepUp.mock.calls[0]?.[1].params).toEqual({ acr_values: 'myACR' })
    expect(resource.refusals).toEqual(['nonce', 'step-up'])
    expect(rs.seen.map((r) => [r.headers.authorization, r.body.toString()])).toEqual([
      ['DPoP silver', '{"amount":5000}'],
      ['DPoP silver', '{"amount":5000}'],
      ['DPoP gold', '{"amount":5000}'],
    ])
    const last = claimsOf(rs.seen[2]!)
    expect(last.nonce).toBe(resource.nonce)
    expect(last.jti).not.toBe(claimsOf(rs.seen[1]!).jti)
  })

  it('a string from stepUp is DPoP-bound when the fetch has dpop', async () => {
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', { jkt, strong: false })
    resource.tokens.set('gold', { jkt, strong: true })
    rs.handle(resource.handler)
    expect((await dpopApi()(`${rs.origin}/x`)).status).toBe(200)
    expect(rs.seen[1]?.headers.authorization).toBe('DPoP gold')
  })

  it('a Bearer step-up challenge does not answer a DPoP request (RFC 9449 §7.2)', async () => {
    rs.handle((_, res) =>
      res
        .writeHead(401, {
          'www-authenticate': 'Bearer error="insufficient_user_authentication", acr_values="x"',
        })
        .end(),
    )
    const stepUp = vi.fn(() => 'gold')
    expect((await dpopApi({ stepUp })(`${rs.origin}/x`)).status).toBe(401)
    expect(stepUp).not.toHaveBeenCalled()
  })

  it('the same DPoP challenge after the step-up is a loop, not a second sign-in', async () => {
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', { jkt, strong: false })
    resource.tokens.set('gold', { jkt, strong: false })
    rs.handle(resource.handler)
    await expect(dpopApi()(`${rs.origin}/x`)).rejects.toMatchObject({ code: 'ERR_STEP_UP_LOOP' })
  })

  it('a token bound to another key is invalid_token, and goes to onInvalidToken', async () => {
    const resource = dpopResource(rs.origin)
    resource.tokens.set('silver', { jkt: 'another-key', strong: true })
    rs.handle(resource.handler)
    const onInvalidToken = vi.fn()
    expect((await dpopApi({ onInvalidToken })(`${rs.origin}/x`)).status).toBe(401)
    expect(onInvalidToken).toHaveBeenCalledTimes(1)
    expect(resource.refusals).toEqual(['binding'])
  })
})

describe('the token says how it is sent', () => {
  it.each([
    ['DPoP', 'DPoP'],
    ['dpop', 'DPoP'],
    ['Bearer', 'Bearer'],
    ['bearer', 'Bearer'],
  ])('type %s is sent as %s', async (type, scheme) => {
    rs.handle((_, res) => res.writeHead(200).end())
    await dpopApi({ token: { token: 't', type } })(`${rs.origin}/x`)
    expect(rs.seen[0]?.headers.authorization).toBe(`${scheme} t`)
    expect('dpop' in (rs.seen[0]?.headers ?? {})).toBe(scheme === 'DPoP')
  })

  it.each([
    ['a DPoP token without dpop', { token: 't', type: 'DPoP' }, false, /no dpop\.keyPair/],
    ['another token type', { token: 't', type: 'mac' }, true, /type "mac"/],
    ['an empty token', { token: '', type: 'DPoP' }, true, /non-empty token/],
  ])('%s is refused before sending', async (_, token, withKey, message) => {
    const api = createStepUpFetch({
      allowedOrigins: [rs.origin],
      ...(withKey && { dpop: { keyPair } }),
      getAccessToken: () => token,
      stepUp: () => 'gold',
    })
    await expect(api(`${rs.origin}/x`)).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_RETURN_VALUE',
      message: expect.stringMatching(message),
    })
    expect(rs.seen).toHaveLength(0)
  })

  it('a DPoP token from stepUp without dpop ends the step-up with ERR_STEP_UP_FAILED', async () => {
    rs.handle((request, res) =>
      request.headers.authorization === 'Bearer silver'
        ? res.writeHead(401, { 'www-authenticate': 'Bearer error="insufficient_scope"' }).end()
        : res.writeHead(200).end(),
    )
    const api = createStepUpFetch({
      allowedOrigins: [rs.origin],
      getAccessToken: () => 'silver',
      stepUp: () => ({ token: 'gold', type: 'DPoP' }),
    })
    await expect(api(`${rs.origin}/x`)).rejects.toMatchObject({
      code: 'ERR_STEP_UP_FAILED',
      message: expect.stringMatching(/no dpop\.keyPair/),
    })
  })
})
