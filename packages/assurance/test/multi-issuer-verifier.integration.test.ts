import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  AccessTokenError,
  createMultiIssuerVerifier,
  createProtectedResourceMetadata,
  createStepUpGuard,
} from '../src/index.ts'
import type { JwtIssuerOptions } from '../src/multi-issuer-verifier.ts'
import { AUDIENCE, EX_9470_05, makeKey, NOW, sign, type TestKey } from './keys.ts'

/**
 * An authorization server on 127.0.0.1: its metadata at the OpenID Connect location
 * (`<issuer>/.well-known/openid-configuration`) and/or the RFC 8414 one
 * (`/.well-known/oauth-authorization-server<path>`), its JWK Set at `/jwks`, or 500 for
 * everything when `failing`. `requests` lists every path asked for.
 */
interface LocalIssuer {
  readonly issuer: string
  readonly origin: string
  readonly key: TestKey
  readonly server: Server
  requests: string[]
  failing: boolean
  /** Never answer: the response is kept open until the test ends. */
  hanging: boolean
  locations: ('openid' | 'oauth')[]
  document: Record<string, unknown>
}

const open = new Set<ServerResponse>()

async function startIssuer(kid: string, path = ''): Promise<LocalIssuer> {
  const key = await makeKey('ES256', kid)
  const server = createServer((req, res) => {
    const url = req.url ?? ''
    self.requests.push(url)
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (self.hanging) open.add(res)
    else if (self.failing) res.writeHead(500).end('down')
    else if (url === '/jwks') json({ keys: [key.jwk] })
    else if (
      (url === `${path}/.well-known/openid-configuration` && self.locations.includes('openid')) ||
      (url === `/.well-known/oauth-authorization-server${path}` && self.locations.includes('oauth'))
    ) {
      json(self.document)
    } else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const self: LocalIssuer = {
    issuer: `${origin}${path}`,
    origin,
    key,
    server,
    requests: [],
    failing: false,
    hanging: false,
    locations: ['openid', 'oauth'],
    document: {},
  }
  return self
}

const reset = (s: LocalIssuer) =>
  Object.assign(s, {
    requests: [],
    failing: false,
    hanging: false,
    locations: ['openid', 'oauth'],
    document: { issuer: s.issuer, jwks_uri: `${s.origin}/jwks` },
  })

let a: LocalIssuer
let b: LocalIssuer
/** An issuer whose port is closed: nothing listens there. */
let down: string
beforeAll(async () => {
  ;[a, b] = await Promise.all([startIssuer('a1'), startIssuer('b1')])
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  down = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
  await new Promise((resolve) => closed.close(resolve))
})
afterAll(async () => {
  for (const { server } of [a, b]) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** The clock the verifiers, jose's cooldown and the fetch gate read; network timers stay real. */
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW * 1000)
  reset(a)
  reset(b)
})
afterEach(() => {
  for (const res of open) res.destroy()
  open.clear()
  vi.useRealTimers()
})
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms)

const issuer = (iss: string, extra: Partial<JwtIssuerOptions> = {}): JwtIssuerOptions => ({
  issuer: iss,
  audience: AUDIENCE,
  now: () => Math.floor(Date.now() / 1000),
  ...extra,
})
const tokenOf = (key: TestKey, iss: string, claims: Record<string, unknown> = {}) =>
  sign(key, { ...EX_9470_05, iss, ...claims })

interface Outcome {
  readonly status: number
  readonly code?: string
  readonly retryAfter?: number | undefined
  readonly iss?: string | undefined
}
const outcome = (promise: Promise<{ iss?: string | undefined }>): Promise<Outcome> =>
  promise.then(
    ({ iss }) => ({ status: 200, iss }),
    (e: unknown) => {
      if (!(e instanceof AccessTokenError)) throw e
      return { status: e.status, code: e.code, retryAfter: e.retryAfter }
    },
  )
const messageOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'accepted',
    (e: unknown) => (e as Error).message,
  )
const OPENID = '/.well-known/openid-configuration'
const OAUTH = '/.well-known/oauth-authorization-server'

describe('several issuers, keys found by discovery', () => {
  it("verifies each issuer's tokens with its own keys, discovered from its metadata on its first token", async () => {
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(a.issuer), issuer(b.issuer)] })
    expect(a.requests).toEqual([])
    expect(b.requests).toEqual([])
    expect(await outcome(verifier.verify(await tokenOf(a.key, a.issuer)))).toEqual({
      status: 200,
      iss: a.issuer,
    })
    expect(a.requests).toEqual([OPENID, '/jwks'])
    expect(b.requests).toEqual([])
    expect(await outcome(verifier.verify(await tokenOf(b.key, b.issuer)))).toEqual({
      status: 200,
      iss: b.issuer,
    })
    expect(b.requests).toEqual([OPENID, '/jwks'])
    // Discovered once: the next tokens use the key sets already fetched.
    await verifier.verify(await tokenOf(a.key, a.issuer, { jti: 'second' }))
    expect(a.requests).toEqual([OPENID, '/jwks'])
  })

  it('shares one discovery among the concurrent first tokens of an issuer', async () => {
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(a.issuer)] })
    const tokens = await Promise.all(
      ['1', '2', '3', '4'].map((jti) => tokenOf(a.key, a.issuer, { jti })),
    )
    const outcomes = await Promise.all(tokens.map((t) => outcome(verifier.verify(t))))
    expect(outcomes.map((o) => o.status)).toEqual([200, 200, 200, 200])
    expect(a.requests).toEqual([OPENID, '/jwks'])
  })

  it('refuses a token whose iss is no configured issuer, without a request to any issuer', async () => {
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(a.issuer), issuer(b.issuer)] })
    for (const iss of ['https://unknown.example', `${a.issuer}/`, a.issuer.toUpperCase()]) {
      const refused = verifier.verify(await tokenOf(a.key, iss))
      expect(await outcome(refused)).toEqual({
        status: 401,
        code: 'ERR_TOKEN_CLAIM_INVALID',
        retryAfter: undefined,
      })
    }
    expect(await messageOf(verifier.verify(await tokenOf(a.key, 'https://unknown.example')))).toBe(
      'token "iss" is "https://unknown.example", not one of the configured issuers (RFC 9068 §4)',
    )
    expect(a.requests).toEqual([])
    expect(b.requests).toEqual([])
  })

  it("refuses a token naming issuer A but signed with B's key; B is never asked", async () => {
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(a.issuer), issuer(b.issuer)] })
    expect(await outcome(verifier.verify(await tokenOf(b.key, a.issuer)))).toEqual({
      status: 401,
      code: 'ERR_TOKEN_KEY_NOT_FOUND',
      retryAfter: undefined,
    })
    // B's key under the kid of A's key: A's key is selected, and the signature does not verify.
    const impostor = await sign(b.key, { ...EX_9470_05, iss: a.issuer }, { kid: a.key.kid })
    expect(await outcome(verifier.verify(impostor))).toEqual({
      status: 401,
      code: 'ERR_TOKEN_SIGNATURE_INVALID',
      retryAfter: undefined,
    })
    expect(b.requests).toEqual([])
  })

  it("answers 503 with Retry-After for a failing issuer's tokens only, and discovers again after the backoff", async () => {
    b.failing = true
    const verifier = createMultiIssuerVerifier({
      issuers: [
        issuer(a.issuer),
        issuer(b.issuer, { jwksOptions: { backoff: { initial: 1000 } } }),
      ],
    })
    const fromB = await tokenOf(b.key, b.issuer)
    expect(await outcome(verifier.verify(fromB))).toEqual({
      status: 503,
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 1,
    })
    // The OpenID location answered 500, so the RFC 8414 one was tried too.
    expect(b.requests).toEqual([OPENID, OAUTH])
    expect(await messageOf(verifier.verify(fromB))).toMatch(/not fetched again for 1 s/)
    expect(await outcome(verifier.verify(await tokenOf(a.key, a.issuer)))).toEqual({
      status: 200,
      iss: a.issuer,
    })
    // Within the backoff, B's tokens are answered without asking B.
    expect(b.requests).toEqual([OPENID, OAUTH])
    b.failing = false
    advance(1000)
    expect(await outcome(verifier.verify(fromB))).toEqual({ status: 200, iss: b.issuer })
    expect(b.requests).toEqual([OPENID, OAUTH, OPENID, '/jwks'])
  })

  it('says why discovery failed: both locations and their answers', async () => {
    b.failing = true
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(b.issuer)] })
    expect(await messageOf(verifier.verify(await tokenOf(b.key, b.issuer)))).toBe(
      `the JWK Set at ${b.issuer}/ cannot be fetched: discovery of issuer "${b.issuer}" failed: ${b.issuer}${OPENID} answered HTTP 500; ${b.issuer}${OAUTH} answered HTTP 500`,
    )
  })

  it("answers 503 for an issuer whose port is closed, trying one location; the other issuer's tokens pass", async () => {
    const key = await makeKey('ES256', 'down')
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(down), issuer(a.issuer)] })
    const refused = verifier.verify(await tokenOf(key, down))
    const error = await refused.then(
      () => undefined,
      (e: unknown) => e as AccessTokenError,
    )
    expect(error).toMatchObject({ status: 503, code: 'ERR_VERIFIER_UNAVAILABLE', retryAfter: 1 })
    expect(error?.message).toBe(
      `the JWK Set at ${down}/ cannot be fetched: discovery of issuer "${down}" failed: ${down}${OPENID}: fetch failed (ECONNREFUSED)`,
    )
    expect(await outcome(verifier.verify(await tokenOf(a.key, a.issuer)))).toEqual({
      status: 200,
      iss: a.issuer,
    })
  })

  it("answers 503 for an issuer that never answers, within jwksOptions.timeoutDuration; the other issuer's tokens pass", async () => {
    b.hanging = true
    const verifier = createMultiIssuerVerifier({
      issuers: [issuer(a.issuer), issuer(b.issuer, { jwksOptions: { timeoutDuration: 50 } })],
    })
    const [fromB, fromA] = await Promise.all([
      messageOf(verifier.verify(await tokenOf(b.key, b.issuer))),
      outcome(verifier.verify(await tokenOf(a.key, a.issuer))),
    ])
    expect(fromB).toMatch(
      `the JWK Set at ${b.issuer}/ cannot be fetched: discovery of issuer "${b.issuer}" failed: ${b.issuer}${OPENID}: `,
    )
    expect(fromA).toEqual({ status: 200, iss: a.issuer })
    // Out of time at the first location: the second, on the same host, is not tried.
    expect(b.requests).toEqual([OPENID])
  })

  it('refuses metadata whose issuer is not exactly the configured one, and never fetches its keys', async () => {
    a.document = { issuer: `${a.issuer}/`, jwks_uri: `${a.origin}/jwks` }
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(a.issuer)] })
    const token = await tokenOf(a.key, a.issuer)
    expect(await outcome(verifier.verify(token))).toEqual({
      status: 503,
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 1,
    })
    expect(a.requests).toEqual([OPENID, OAUTH])
    advance(1000)
    expect(await messageOf(verifier.verify(token))).toBe(
      `the JWK Set at ${a.issuer}/ cannot be fetched: discovery of issuer "${a.issuer}" failed: ${a.issuer}${OPENID} names the issuer "${a.issuer}/", not exactly "${a.issuer}", so it must not be used (RFC 8414 §3.3); ${a.issuer}${OAUTH} names the issuer "${a.issuer}/", not exactly "${a.issuer}", so it must not be used (RFC 8414 §3.3)`,
    )
    expect(a.requests).not.toContain('/jwks')
  })

  it.each([
    ['no jwks_uri', {}],
    ['a jwks_uri that is not https', { jwks_uri: 'http://keys.example.com/jwks' }],
    ['a jwks_uri that is not a URL', { jwks_uri: 'jwks' }],
  ])('refuses metadata with %s', async (_, members) => {
    a.document = { issuer: a.issuer, ...members }
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(a.issuer)] })
    expect(await messageOf(verifier.verify(await tokenOf(a.key, a.issuer)))).toContain(
      `${a.issuer}${OPENID} has no "jwks_uri" that is an https URL (RFC 8414 §2)`,
    )
    expect(a.requests).toEqual([OPENID, OAUTH])
  })

  it('falls back to the RFC 8414 location, inserted before the issuer path, when the OpenID one is not found', async () => {
    const tenant = await startIssuer('t1', '/tenant')
    try {
      reset(tenant)
      tenant.locations = ['oauth']
      const verifier = createMultiIssuerVerifier({ issuers: [issuer(tenant.issuer)] })
      expect(await outcome(verifier.verify(await tokenOf(tenant.key, tenant.issuer)))).toEqual({
        status: 200,
        iss: tenant.issuer,
      })
      expect(tenant.requests).toEqual([`/tenant${OPENID}`, `${OAUTH}/tenant`, '/jwks'])
    } finally {
      tenant.server.closeAllConnections()
      await new Promise((resolve) => tenant.server.close(resolve))
    }
  })

  it('fetches the JWK Set again at the discovered jwks_uri, and says so when it fails', async () => {
    const verifier = createMultiIssuerVerifier({
      issuers: [issuer(a.issuer, { jwksOptions: { cooldownDuration: 0 } })],
    })
    await verifier.verify(await tokenOf(a.key, a.issuer))
    a.failing = true
    // An unknown kid fetches the set again: the discovered location, not the metadata.
    const rotated = await sign(a.key, { ...EX_9470_05, iss: a.issuer }, { kid: 'new' })
    expect(await messageOf(verifier.verify(rotated))).toBe(
      `the JWK Set at ${a.issuer}/ cannot be fetched: ${a.origin}/jwks answered HTTP 500`,
    )
    expect(a.requests).toEqual([OPENID, '/jwks', '/jwks'])
  })
})

describe('several issuers through the guard', () => {
  it('allows, challenges, refuses and answers 503 per issuer, end to end', async () => {
    b.failing = true
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(a.issuer), issuer(b.issuer)] })
    const guard = createStepUpGuard({
      verify: verifier,
      requirement: { acr_values: ['myACR'] },
      realm: 'api',
      now: () => NOW,
    })
    const request = (token: string) =>
      guard(
        {
          method: 'GET',
          url: '/accounts',
          headers: new Headers({ authorization: `Bearer ${token}` }),
          body: () => undefined,
        },
        undefined,
      )

    const allowed = await request(await tokenOf(a.key, a.issuer))
    expect(allowed).toMatchObject({ ok: true, auth: { claims: { iss: a.issuer } } })

    const weak = await request(await tokenOf(a.key, a.issuer, { acr: 'low' }))
    expect(weak).toMatchObject({
      ok: false,
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
      },
    })

    const unavailable = await request(await tokenOf(b.key, b.issuer))
    expect(unavailable).toMatchObject({ ok: false, status: 503, headers: { 'retry-after': '1' } })
    expect(unavailable).not.toHaveProperty(['headers', 'www-authenticate'])

    const unknown = await request(await tokenOf(a.key, 'https://unknown.example'))
    expect(unknown).toMatchObject({
      ok: false,
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      },
    })
    expect(a.requests).toEqual([OPENID, '/jwks'])
    expect(b.requests).toEqual([OPENID, OAUTH])
  })

  it('lists every issuer as an authorization server in the RFC 9728 metadata', () => {
    const verifier = createMultiIssuerVerifier({ issuers: [issuer(a.issuer), issuer(b.issuer)] })
    const { document } = createProtectedResourceMetadata({
      resource: 'https://rs.example.com',
      authorization_servers: verifier.issuers,
    })
    expect(document['authorization_servers']).toEqual([a.issuer, b.issuer])
  })
})
