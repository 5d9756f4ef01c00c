import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JWK } from 'jose'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createStepUpGuard } from '../src/http.ts'
import {
  AccessTokenError,
  createJwtAccessTokenVerifier,
  type JwtAccessTokenVerifierOptions,
  toErrorResponse,
} from '../src/index.ts'
import { AUDIENCE, EX_9470_05, ISSUER, makeKey, NOW, sign, type TestKey } from './keys.ts'

/**
 * A JWK Set server on 127.0.0.1 the tests steer: it serves `keys`, or an empty set, or fails
 * with 500, or never answers (`hang`), or sends its headers and never finishes the body
 * (`trickle`), optionally after `delay` ms. `hits` counts every request it received.
 */
interface KeyServer {
  url: URL
  hits: number
  mode: 'serve' | 'empty' | 'fail' | 'hang' | 'trickle'
  keys: JWK[]
  delay: number
}

let server: Server
const keyServer: KeyServer = {
  url: new URL('http://127.0.0.1'),
  hits: 0,
  mode: 'serve',
  keys: [],
  delay: 0,
}
const hanging = new Set<ServerResponse>()

beforeAll(async () => {
  server = createServer((_, res) => {
    keyServer.hits++
    const { mode, keys, delay } = keyServer
    const answer = () => {
      if (mode === 'hang') {
        hanging.add(res)
        return
      }
      if (mode === 'trickle') {
        hanging.add(res)
        res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":[')
        return
      }
      if (mode === 'fail') {
        res.writeHead(500).end('down')
        return
      }
      const body = JSON.stringify({ keys: mode === 'empty' ? [] : keys })
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body)
    }
    if (delay > 0) setTimeout(answer, delay)
    else answer()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  keyServer.url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`)
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

let k1: TestKey
let k2: TestKey
beforeAll(async () => {
  ;[k1, k2] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k2')])
})

/** The clock jose's cooldown and the fetch gate read; network timers stay real. */
const T0 = NOW * 1000
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(T0)
  Object.assign(keyServer, { hits: 0, mode: 'serve', keys: [k1.jwk], delay: 0 })
})
afterEach(() => {
  for (const res of hanging) res.destroy()
  hanging.clear()
  vi.restoreAllMocks()
  vi.useRealTimers()
})
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms)

const verifierFor = (jwksOptions: JwtAccessTokenVerifierOptions['jwksOptions'] = {}) =>
  createJwtAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: keyServer.url,
    jwksOptions,
    now: () => Math.floor(Date.now() / 1000),
  })

/** What a verification ends in: `ok`, or the status, code and Retry-After of its refusal. */
interface Outcome {
  readonly status: number
  readonly code?: string
  readonly retryAfter?: number | undefined
}
async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    () => ({ status: 200 }),
    (e: unknown) => {
      if (!(e instanceof AccessTokenError)) throw e
      return { status: e.status, code: e.code, retryAfter: e.retryAfter }
    },
  )
}

/** A token signed by `key` under another, random `kid`. */
const randomKid = (key: TestKey) => sign(key, EX_9470_05, { kid: crypto.randomUUID() })

describe('key rotation: a token signed with a new kid', () => {
  it('gets 503 + Retry-After while jose cools down, never 401, and passes once a fetch is allowed', async () => {
    const verifier = verifierFor({ cooldownDuration: 30_000 })
    expect(await outcome(verifier.verify(await sign(k1)))).toEqual({ status: 200 })
    expect(keyServer.hits).toBe(1)
    // The issuer rotates: k2 signs from now on.
    keyServer.keys = [k1.jwk, k2.jwk]
    const rotated = await sign(k2)
    expect(await outcome(verifier.verify(rotated))).toEqual({
      status: 503,
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 30,
    })
    advance(12_500)
    expect(await outcome(verifier.verify(rotated))).toEqual({
      status: 503,
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 18,
    })
    expect(keyServer.hits).toBe(1)
    advance(17_500)
    expect(await outcome(verifier.verify(rotated))).toEqual({ status: 200 })
    expect(keyServer.hits).toBe(2)
    // The old key still verifies its tokens, without another fetch.
    expect(await outcome(verifier.verify(await sign(k1)))).toEqual({ status: 200 })
    expect(keyServer.hits).toBe(2)
  })

  it('answers the guard request with 503 and a Retry-After header, no challenge', async () => {
    const verifier = verifierFor({ cooldownDuration: 30_000 })
    await verifier.verify(await sign(k1))
    keyServer.keys = [k2.jwk]
    const guard = createStepUpGuard<null>({ verify: verifier, now: () => NOW })
    const outcome = await guard(
      {
        method: 'GET',
        url: '/accounts',
        headers: { authorization: `Bearer ${await sign(k2)}` },
        body: () => undefined,
      },
      null,
    )
    expect(outcome).toEqual({
      ok: false,
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '30' },
      body: {
        error: 'temporarily_unavailable',
        error_description: 'The access token cannot be verified right now',
      },
    })
  })

  it('is invalid_token when the kid is still unknown after a fetch that succeeded', async () => {
    const verifier = verifierFor({ cooldownDuration: 30_000 })
    // The first fetch happens for this very token: fresh keys, no such kid.
    expect(await outcome(verifier.verify(await randomKid(k1)))).toEqual({
      status: 401,
      code: 'ERR_TOKEN_KEY_NOT_FOUND',
      retryAfter: undefined,
    })
    advance(30_000)
    // Cooldown over: this token's own fetch succeeds, and the kid is not there.
    expect(await outcome(verifier.verify(await randomKid(k1)))).toEqual({
      status: 401,
      code: 'ERR_TOKEN_KEY_NOT_FOUND',
      retryAfter: undefined,
    })
    expect(keyServer.hits).toBe(2)
  })
})

describe('an empty key set, then fixed', () => {
  it('is 503 + Retry-After (a set without keys signed nothing), refetched after the backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    keyServer.mode = 'empty'
    const verifier = verifierFor({ backoff: { initial: 2000 } })
    const token = await sign(k1)
    // Backoff 2000 ms, drawn at 3/4: 1500 ms.
    expect(await outcome(verifier.verify(token))).toEqual({
      status: 503,
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 2,
    })
    advance(1000)
    expect(await outcome(verifier.verify(token))).toEqual({
      status: 503,
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 1,
    })
    expect(keyServer.hits).toBe(1)
    keyServer.mode = 'serve'
    advance(500)
    expect(await outcome(verifier.verify(token))).toEqual({ status: 200 })
    expect(keyServer.hits).toBe(2)
  })

  it('keeps the keys it had when the server later serves an empty set', async () => {
    const verifier = verifierFor({ cooldownDuration: 0 })
    await verifier.verify(await sign(k1))
    keyServer.mode = 'empty'
    // An unknown kid fetches (no cooldown) and gets an empty set: 503, not a wiped key set.
    expect((await outcome(verifier.verify(await randomKid(k1)))).status).toBe(503)
    expect(await outcome(verifier.verify(await sign(k1)))).toEqual({ status: 200 })
    expect(keyServer.hits).toBe(2)
  })
})

describe('backoff after failed fetches', () => {
  it('doubles the delay per failure (with jitter) and resets after a success', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    keyServer.mode = 'fail'
    const verifier = verifierFor({ backoff: { initial: 1000, max: 4000 } })
    const token = await sign(k1)
    const seen: { hits: number; retryAfter?: number | undefined }[] = []
    const step = async (ms: number) => {
      advance(ms)
      const result = await outcome(verifier.verify(token))
      seen.push({ hits: keyServer.hits, retryAfter: result.retryAfter })
    }
    await step(0) // fetch 1 fails: next in 750 ms
    await step(749) // held back
    await step(1) // fetch 2 fails: next in 1500 ms
    await step(1500) // fetch 3 fails: next in 3000 ms
    await step(3000) // fetch 4 fails: next in 3000 ms (max 4000)
    expect(seen).toEqual([
      { hits: 1, retryAfter: 1 },
      { hits: 1, retryAfter: 1 },
      { hits: 2, retryAfter: 2 },
      { hits: 3, retryAfter: 3 },
      { hits: 4, retryAfter: 3 },
    ])
    keyServer.mode = 'serve'
    advance(3000)
    expect(await outcome(verifier.verify(token))).toEqual({ status: 200 })
    // A later failure starts again from the initial delay.
    keyServer.mode = 'fail'
    advance(600_000)
    expect((await outcome(verifier.verify(token))).retryAfter).toBe(1)
    expect(keyServer.hits).toBe(6)
  })
})

describe('a flood of random kids', () => {
  it('while the server fails: every answer is 503, and the server sees at most rateLimit.fetches', async () => {
    keyServer.mode = 'fail'
    const verifier = verifierFor({
      backoff: { initial: 100, max: 400 },
      rateLimit: { fetches: 3, interval: 60_000 },
    })
    const statuses = new Set<number>()
    for (let i = 0; i < 200; i++) {
      advance(50)
      const batch = await Promise.all(
        Array.from({ length: 5 }, async () => outcome(verifier.verify(await randomKid(k2)))),
      )
      for (const result of batch) statuses.add(result.status)
    }
    expect([...statuses]).toEqual([503])
    // 10 s of failures with a 100-400 ms backoff would be about 30 fetches without the cap.
    expect(keyServer.hits).toBe(3)
  })

  it('while the keys are known: valid tokens pass, the server sees at most one fetch per cooldown', async () => {
    const verifier = verifierFor({ cooldownDuration: 5000, rateLimit: { fetches: 100 } })
    const valid = await sign(k1)
    await verifier.verify(valid)
    const statuses: number[] = []
    for (let i = 0; i < 100; i++) {
      advance(100)
      statuses.push((await outcome(verifier.verify(await randomKid(k1)))).status)
      expect(await outcome(verifier.verify(valid))).toEqual({ status: 200 })
    }
    // 10 s: the first fetch and one after each 5 s of cooldown; the random kids it was made
    // for are 401 (fresh keys), the others 503 (not fetched again yet).
    expect(keyServer.hits).toBe(3)
    expect(statuses.filter((s) => s === 401)).toHaveLength(2)
    expect(statuses.filter((s) => s === 503)).toHaveLength(98)
  })

  it('without a cooldown: rateLimit caps the fetches, and Retry-After says when the window frees', async () => {
    const verifier = verifierFor({
      cooldownDuration: 0,
      rateLimit: { fetches: 2, interval: 10_000 },
    })
    expect(await outcome(verifier.verify(await sign(k1)))).toEqual({ status: 200 })
    advance(4000)
    expect((await outcome(verifier.verify(await randomKid(k1)))).status).toBe(401)
    advance(1000)
    expect(await outcome(verifier.verify(await randomKid(k1)))).toEqual({
      status: 503,
      code: 'ERR_VERIFIER_UNAVAILABLE',
      retryAfter: 5,
    })
    expect(keyServer.hits).toBe(2)
    advance(5000)
    expect((await outcome(verifier.verify(await randomKid(k1)))).status).toBe(401)
    expect(keyServer.hits).toBe(3)
  })
})

describe('one fetch at a time', () => {
  it('makes one fetch for concurrent first verifications', async () => {
    keyServer.delay = 50
    const verifier = verifierFor()
    const tokens = await Promise.all(Array.from({ length: 20 }, () => sign(k1)))
    const results = await Promise.all(tokens.map((t) => outcome(verifier.verify(t))))
    expect(results.every((r) => r.status === 200)).toBe(true)
    expect(keyServer.hits).toBe(1)
  })
})

describe('a server that hangs', () => {
  it.each(['hang', 'trickle'] as const)(
    '%s: every waiting verification is 503 after timeoutDuration, with one fetch',
    async (mode) => {
      keyServer.mode = mode
      const verifier = verifierFor({ timeoutDuration: 100 })
      const results = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const error = await verifier.verify(await sign(k1)).catch((e: unknown) => e)
          return error as AccessTokenError
        }),
      )
      for (const error of results) {
        expect(error).toMatchObject({
          code: 'ERR_VERIFIER_UNAVAILABLE',
          status: 503,
          retryAfter: 1,
        })
      }
      expect(results.map((error) => (error.cause as Error).name)).toContain('TimeoutError')
      expect(keyServer.hits).toBe(1)
    },
  )
})

describe('the key set ages out (cacheMaxAge)', () => {
  it('must be fetched again: 503 while the server fails, the same tokens pass once it answers', async () => {
    const verifier = verifierFor({ cacheMaxAge: 60_000 })
    const token = await sign(k1)
    await verifier.verify(token)
    keyServer.mode = 'fail'
    advance(60_000)
    expect((await outcome(verifier.verify(token))).status).toBe(503)
    keyServer.mode = 'serve'
    advance(1000)
    expect(await outcome(verifier.verify(token))).toEqual({ status: 200 })
    expect(keyServer.hits).toBe(3)
  })
})

describe('AccessTokenError.retryAfter and Retry-After', () => {
  it('rounds up to whole seconds, at least 1, on temporary errors only', () => {
    expect(
      new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'down', { retryAfter: 0.2 }).retryAfter,
    ).toBe(1)
    expect(
      new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'down', { retryAfter: 29.01 }).retryAfter,
    ).toBe(30)
    expect(
      new AccessTokenError('ERR_TOKEN_KEY_NOT_FOUND', 'x', { retryAfter: 5 }).retryAfter,
    ).toBeUndefined()
    expect(new AccessTokenError('ERR_VERIFIER_UNAVAILABLE').retryAfter).toBeUndefined()
  })

  it('is rendered as Retry-After on the 503 only', () => {
    const down = new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'down', { retryAfter: 7 })
    expect(toErrorResponse(down).headers).toEqual({
      'content-type': 'application/json',
      'retry-after': '7',
    })
    expect(toErrorResponse(new AccessTokenError('ERR_VERIFIER_UNAVAILABLE')).headers).toEqual({
      'content-type': 'application/json',
    })
  })
})
