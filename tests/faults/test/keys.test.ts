/**
 * The issuer's keys under load: the bank API in a child process, the test issuer's JWK Set on
 * 127.0.0.1 rotated, failing, hanging or empty while bounded loads of Bearer requests run.
 * Counts every answer by status and every JWK Set request the issuer saw.
 */
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { type BankChild, startBankApi } from '../src/bank.ts'
import {
  fetchResult,
  type RequestOptions,
  type Result,
  statusOf,
  waitForStatus,
} from '../src/http.ts'
import { type Issuer, startIssuer } from '../src/issuer.ts'
import { countOutcomes, load, type Shot } from '../src/load.ts'
import { sleep, stackFrames } from '../src/processes.ts'

const FRAMEWORKS = ['express', 'fastify'] as const
const CLIENTS = 32

let issuer: Issuer | undefined
let api: BankChild | undefined
afterEach(async () => {
  await api?.child.stop()
  await issuer?.close()
  api = undefined
  issuer = undefined
})

/** Start the issuer and the API with these `JWKS_*` variables; wait until it knows its issuer. */
async function setUp(framework: 'express' | 'fastify', env: Record<string, string>) {
  issuer = await startIssuer()
  api = await startBankApi(framework, issuer.url, env)
  // 401 to a request without a token: discovery is done (no key is fetched for it).
  await waitForStatus(`${api.url}/accounts`, 401)
  return { issuer, api, url: `${api.url}/accounts` }
}

const bearer = (token: string): RequestOptions => ({
  headers: { authorization: `Bearer ${token}` },
  agent: false,
})

/** The shots that match, for messages that show them when an expectation fails. */
const where = (shots: readonly Shot[], test: (shot: Shot) => boolean) => shots.filter(test)

describe.each(FRAMEWORKS)(
  'the bank API on %s, its issuer rotating keys under load',
  (framework) => {
    it('answers a new kid within the cooldown 503 + Retry-After, never 401, and serves it after one refetch', async () => {
      const COOLDOWN_MS = 1000
      const RATE_CAP = 5
      const DURATION = 4000
      const { issuer, api, url } = await setUp(framework, {
        JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
        JWKS_RATE_LIMIT_FETCHES: String(RATE_CAP),
        JWKS_RATE_LIMIT_INTERVAL_MS: '60000',
      })
      const mint = async () => ({
        kid: issuer.kid,
        tokens: await Promise.all(
          Array.from({ length: CLIENTS }, () => issuer.token(api.resource)),
        ),
      })
      let current = await mint()
      const oldKid = current.kid
      // The API fetches the key set for the first token (JWK Set request 1).
      expect(statusOf(await fetchResult(url, bearer(current.tokens[0]!)))).toBe(200)

      let probe: Result | undefined
      let rotatedAt = Number.POSITIVE_INFINITY
      /** When the first 200 to a token of the new key was received: the API had refetched. */
      let servedNew = Number.POSITIVE_INFINITY
      const begin = performance.now()
      const rotation = (async () => {
        await sleep(DURATION / 2)
        // A token whose kid no key has: the API fetches the set (request 2; its cooldown has long
        // passed), still finds no key and refuses it. Its answer says that fetch is done, so the
        // rotation below falls inside the cooldown that fetch started.
        probe = await fetchResult(url, bearer(await issuer.forgedToken(api.resource)))
        rotatedAt = performance.now()
        await issuer.rotate()
        current = await mint()
      })()
      const shots = await load({
        url,
        clients: CLIENTS,
        until: begin + DURATION,
        maxRequests: 400_000,
        next: (client) => ({ token: current.tokens[client]!, label: current.kid }),
        onShot: (shot) => {
          if (shot.label !== oldKid && shot.outcome === 200) {
            servedNew = Math.min(servedNew, shot.end)
          }
        },
      })
      await rotation
      const newKid = issuer.kid
      expect(newKid).not.toBe(oldKid)

      // The unknown kid after a fetch that succeeded is still invalid_token.
      expect(statusOf(probe!)).toBe(401)
      // Valid tokens: never 401, and nothing but 200 or 503 (no socket error).
      expect(where(shots, (s) => s.outcome === 401)).toEqual([])
      expect(Object.keys(countOutcomes(shots)).sort()).toEqual(['200', '503'])
      // Tokens of the old key pass throughout (it stays in the set).
      expect(where(shots, (s) => s.label === oldKid && s.outcome !== 200)).toEqual([])
      // Each 503 is a token of the new key, temporarily_unavailable, told to retry within the cooldown.
      const unavailable = where(shots, (s) => s.outcome === 503)
      expect(unavailable.length).toBeGreaterThan(0)
      expect(
        where(
          unavailable,
          (s) =>
            s.label !== newKid ||
            s.error !== 'temporarily_unavailable' ||
            s.retryAfter !== String(Math.ceil(COOLDOWN_MS / 1000)),
        ),
      ).toEqual([])
      // Bounded by the requests of the window between the rotation and the refetch...
      const inWindow = where(shots, (s) => s.start >= rotatedAt && s.start < servedNew)
      expect(unavailable.length).toBeLessThanOrEqual(inWindow.length)
      // ...and every request sent once a new-key token was served is served.
      const after = where(shots, (s) => s.start > servedNew)
      expect(after.length).toBeGreaterThan(0)
      expect(where(after, (s) => s.outcome !== 200)).toEqual([])
      // Three key fetches: the first token, the probe, one refetch after the cooldown (single-flight).
      expect(issuer.jwksLog.map((r) => r.answer)).toEqual(['keys', 'keys', 'keys'])
      expect(issuer.jwksRequests).toBeLessThanOrEqual(RATE_CAP)
      expect(stackFrames(api.child.stdout() + api.child.stderr())).toEqual([])
    })
  },
)

describe.each(
  FRAMEWORKS.flatMap((framework) => [
    [framework, 'fail'],
    [framework, 'hang'],
  ]) as ['express' | 'fastify', 'fail' | 'hang'][],
)(
  'the bank API on %s, a flood of random kids while the key server answers %s',
  (framework, answer) => {
    it('fetches the key set at most rateLimit.fetches times, and the known kid keeps passing', async () => {
      const RATE_CAP = 3
      const { issuer, api, url } = await setUp(framework, {
        JWKS_COOLDOWN_MS: '200',
        JWKS_TIMEOUT_MS: '300',
        JWKS_BACKOFF_INITIAL_MS: '200',
        JWKS_BACKOFF_MAX_MS: '1000',
        JWKS_RATE_LIMIT_FETCHES: String(RATE_CAP),
        JWKS_RATE_LIMIT_INTERVAL_MS: '60000',
      })
      expect(statusOf(await fetchResult(url, bearer(await issuer.token(api.resource))))).toBe(200)
      issuer.answer(answer)

      // 8 clients send a fresh token of the known key each time (not in the API's token cache, so
      // each one looks its key up), 24 a token naming a random kid.
      const shots = await load({
        url,
        clients: CLIENTS,
        until: performance.now() + 2000,
        maxRequests: 200_000,
        next: async (client) =>
          client < 8
            ? { token: await issuer.token(api.resource), label: 'known' }
            : { token: await issuer.forgedToken(api.resource), label: 'random' },
      })

      // The first fetch served the keys; the failing server was asked, and no more than the cap.
      expect(issuer.jwksLog[0]?.answer).toBe('keys')
      expect(issuer.jwksLog.slice(1).map((r) => r.answer)).toContain(answer)
      expect(issuer.jwksRequests).toBeLessThanOrEqual(RATE_CAP)

      const known = where(shots, (s) => s.label === 'known')
      const random = where(shots, (s) => s.label === 'random')
      expect(known.length).toBeGreaterThan(0)
      expect(random.length).toBeGreaterThan(0)
      expect(where(known, (s) => s.outcome !== 200)).toEqual([])
      // A random kid is never found; while the set cannot be fetched it is 503 + Retry-After.
      expect(
        where(random, (s) => s.outcome !== 503 || !/^[1-9]\d*$/.test(s.retryAfter ?? '')),
      ).toEqual([])
      expect(stackFrames(api.child.stdout() + api.child.stderr())).toEqual([])
    })
  },
)

describe.each(FRAMEWORKS)(
  'the bank API on %s, its issuer serving an empty key set',
  (framework) => {
    it('answers valid tokens 503 + Retry-After while the set is empty, never 401, and serves them once fixed', async () => {
      const BACKOFF_MAX_MS = 1000
      const { issuer, api, url } = await setUp(framework, {
        JWKS_COOLDOWN_MS: '1000',
        JWKS_BACKOFF_INITIAL_MS: '400',
        JWKS_BACKOFF_MAX_MS: String(BACKOFF_MAX_MS),
      })
      issuer.answer('empty')
      const tokens = await Promise.all(Array.from({ length: 8 }, () => issuer.token(api.resource)))

      let fixedAt = Number.POSITIVE_INFINITY
      let served = Number.POSITIVE_INFINITY
      const run = load({
        url,
        clients: tokens.length,
        until: performance.now() + 15_000,
        maxRequests: 200_000,
        // Once a token is served, a few hundred ms more of requests, then stop.
        stop: () => performance.now() > served + 300,
        next: (client) => ({ token: tokens[client]!, label: 'valid' }),
        onShot: (shot) => {
          if (shot.outcome === 200) served = Math.min(served, shot.end)
        },
      })
      // The empty set was fetched, and fetched again after the backoff: still empty. Then fixed.
      await issuer.untilJwksRequests(2)
      const emptyFetches = issuer.jwksRequests
      fixedAt = performance.now()
      issuer.answer('keys')
      const shots = await run

      expect(where(shots, (s) => s.outcome === 401)).toEqual([])
      expect(Object.keys(countOutcomes(shots)).sort()).toEqual(['200', '503'])
      // While the set was empty: 503, retry within the backoff.
      const during = where(shots, (s) => s.end < fixedAt)
      expect(during.length).toBeGreaterThan(0)
      expect(
        where(
          during,
          (s) =>
            s.outcome !== 503 ||
            s.error !== 'temporarily_unavailable' ||
            s.retryAfter !== String(Math.ceil(BACKOFF_MAX_MS / 1000)),
        ),
      ).toEqual([])
      // Fixed: the first fetch the backoff allows serves the keys, and every request after passes.
      expect(issuer.jwksLog.slice(0, emptyFetches).every((r) => r.answer === 'empty')).toBe(true)
      expect(issuer.jwksLog.slice(emptyFetches).map((r) => r.answer)).toEqual(['keys'])
      const after = where(shots, (s) => s.start > served)
      expect(after.length).toBeGreaterThan(0)
      expect(where(after, (s) => s.outcome !== 200)).toEqual([])
      expect(stackFrames(api.child.stdout() + api.child.stderr())).toEqual([])
    })
  },
)
