import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type BankChild, startBankApi } from '../src/bank.ts'
import { waitForStatus } from '../src/http.ts'
import { type Child, freePort, sleep, stackFrames, startApp } from '../src/processes.ts'
import { DEFAULTS, DURABLE, type RedisServer, startRedis } from '../src/redis.ts'
import {
  type AuthorizationServerChild,
  signIn,
  startAuthorizationServer,
  type TransferBody,
  transferTo,
} from '../src/step-up.ts'

const PAYEE = 'ACC-987654'
const BIG = transferTo(PAYEE, '10000.00')
const USED = 'The authorization for this transaction has already been used'
const NOT_DURABLE =
  'Redis does not write every command to disk before answering (appendonly no, appendfsync everysec): ' +
  'a restart would forget consumed grants and accept them again; set appendonly yes and appendfsync always'
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

interface Answer {
  readonly status: number
  readonly body: {
    readonly error?: string
    readonly error_description?: string
    readonly transfer_id?: string
    readonly balance?: string
    readonly transfers?: { readonly transfer_id: string }[]
    readonly accounts?: { readonly account_id: string }[]
  }
}

/** One API call; rejects (TimeoutError) when it is not answered within `ms`. */
async function call(
  api: BankChild,
  path: string,
  token: string,
  body?: TransferBody,
  ms = 10_000,
): Promise<Answer> {
  const init: RequestInit = {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    signal: AbortSignal.timeout(ms),
  }
  if (body) Object.assign(init, { method: 'POST', body: JSON.stringify(body) })
  const response = await fetch(`${api.url}${path}`, init)
  return { status: response.status, body: (await response.json()) as Answer['body'] }
}

const lines = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l))

/** Resolve once the child's stdout and stderr are both read to their end (it has exited); bounded. */
async function drained(child: Child): Promise<void> {
  const { stdout, stderr } = child.process
  const deadline = Date.now() + 5_000
  while (!(stdout?.readableEnded && stderr?.readableEnded) && Date.now() < deadline) await sleep(25)
}

describe.each(['express', 'fastify'] as const)(
  'the bank API on %s with single-use grants in Redis',
  (framework) => {
    // The authorization server is started once, for an API port chosen in advance (its tokens'
    // audience); each test starts its own redis-server and API process on that port.
    let apiPort = 0
    let resource = ''
    let as: AuthorizationServerChild | undefined
    beforeAll(async () => {
      apiPort = await freePort()
      resource = `http://127.0.0.1:${apiPort}/`
      as = await startAuthorizationServer(await freePort(), resource)
    })
    afterAll(() => as?.remove())

    const redises: RedisServer[] = []
    const children: Child[] = []
    afterEach(async () => {
      for (const child of children.splice(0)) await child.stop()
      for (const redis of redises.splice(0)) await redis.remove()
    })

    const redisServer = async (persistence: readonly string[]) => {
      const redis = await startRedis(persistence)
      redises.push(redis)
      return redis
    }

    /** Redis, the API using it, alice signed in, and her two accounts. */
    async function setUp(persistence: readonly string[], env: Record<string, string> = {}) {
      const redis = await redisServer(persistence)
      const api = await startBankApi(
        framework,
        as!.issuer,
        { REDIS_URL: redis.url, DISCOVERY_INITIAL_DELAY_MS: '100', ...env },
        apiPort,
      )
      children.push(api.child)
      await waitForStatus(`${api.url}/accounts`, 401)
      const customer = await signIn(as!.issuer, resource, as!.enrolmentCode)
      const { body } = await call(api, '/accounts', customer.plain)
      const [checking, savings] = body.accounts!.map((a) => a.account_id) as [string, string]
      return { redis, api, customer, checking, savings }
    }

    const transfer = (
      api: BankChild,
      from: string,
      token: string,
      body: TransferBody,
      ms?: number,
    ) => call(api, `/accounts/${from}/transfers`, token, body, ms)
    const transferIds = async (api: BankChild, token: string, account: string) =>
      (await call(api, `/accounts/${account}/transfers`, token)).body.transfers!.map(
        (t) => t.transfer_id,
      )
    const balance = async (api: BankChild, token: string, account: string) =>
      (await call(api, `/accounts/${account}/balance`, token)).body.balance

    it('refuses to start on Redis without the append-only file, or without Redis (exit 1, one line)', async () => {
      const redis = await redisServer(DEFAULTS)
      const env = (url: string) => ({
        FRAMEWORK: framework,
        PORT: String(apiPort),
        RESOURCE: resource,
        ISSUER: as!.issuer,
        REDIS_URL: url,
      })
      const volatile = startApp('bank-api', env(redis.url))
      const nowhere = startApp('bank-api', env(`redis://127.0.0.1:${await freePort()}`))
      children.push(volatile, nowhere)
      expect(await volatile.exited(20_000)).toEqual({ code: 1, signal: null })
      expect(await nowhere.exited(20_000)).toEqual({ code: 1, signal: null })
      await Promise.all([drained(volatile), drained(nowhere)])
      expect(volatile.stderr()).toBe(
        `bank-api: not started: ${NOT_DURABLE} (ERR_GRANT_STORE_NOT_DURABLE)\n`,
      )
      expect(nowhere.stderr()).toMatch(
        /^bank-api: not started: cannot connect to Redis at 127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(ERR_REDIS_UNREACHABLE\)\n$/,
      )
      for (const child of [volatile, nowhere]) expect(child.stdout()).toBe('')
    })

    it('REDIS_PERSISTENCE=warn starts and says why: after a crash, a spent grant is accepted again', async () => {
      const { redis, api, customer, checking } = await setUp(DEFAULTS, {
        REDIS_PERSISTENCE: 'warn',
      })
      const line = `^bank-api: warning: ${literal(NOT_DURABLE)}$`
      const warning = new RegExp(line)
      await api.child.waitFor(new RegExp(line, 'm'))
      expect(lines(api.child.stderr(), warning)).toHaveLength(1)
      const token = await customer.stepUp(BIG)
      expect((await transfer(api, checking, token, BIG)).status).toBe(201)

      expect(await redis.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' })
      await redis.start(DEFAULTS)
      await api.child.waitFor(/^bank-api: Redis connection is back$/m, 10_000)
      // The double spend the default setting refuses to run into.
      expect((await transfer(api, checking, token, BIG)).status).toBe(201)
      // Checked again on the new connection: the warning is logged again.
      await api.child.waitFor(new RegExp(`${line}[\\s\\S]*${line}`, 'm'))
      expect(lines(api.child.stderr(), warning)).toHaveLength(2)
      expect(await transferIds(api, customer.plain, checking)).toHaveLength(2)
    })

    it('Redis restarted without the append-only file: a spent grant gets 503, never 201', async () => {
      const { redis, api, customer, checking } = await setUp(DURABLE)
      const token = await customer.stepUp(BIG)
      expect((await transfer(api, checking, token, BIG)).status).toBe(201)

      await redis.kill('SIGKILL')
      await redis.start(DEFAULTS)
      await api.child.waitFor(/^bank-api: Redis connection is back$/m, 10_000)
      const replay = await transfer(api, checking, token, BIG)
      expect(replay).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } })
      await api.child.waitFor(
        new RegExp(
          `^bank-api: single-use grants refused: ${literal(NOT_DURABLE)} \\(ERR_GRANT_STORE_NOT_DURABLE\\)$`,
          'm',
        ),
      )
      expect(await transferIds(api, customer.plain, checking)).toHaveLength(1)
      expect(await balance(api, customer.plain, checking)).toBe('15000.00')
    })

    it('20 grants spent before a Redis crash are still refused after it (appendfsync always)', async () => {
      const { redis, api, customer, checking, savings } = await setUp(DURABLE)
      // Back and forth between alice's accounts, so the funds are always there.
      const spent: { from: string; body: TransferBody; token: string }[] = []
      for (let i = 0; i < 20; i++) {
        const [from, to] = i % 2 === 0 ? [checking, savings] : [savings, checking]
        const body = transferTo(to, '10000.00')
        const token = await customer.stepUp(body)
        expect((await transfer(api, from, token, body)).status).toBe(201)
        spent.push({ from, body, token })
      }

      expect(await redis.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' })
      await redis.start(DURABLE)
      await api.child.waitFor(/^bank-api: Redis connection is back$/m, 10_000)
      // One new transfer: both accounts now hold 15,000, so each replay passes the funds check
      // and is decided by its grant alone.
      const more = transferTo(savings, '10000.00')
      expect((await transfer(api, checking, await customer.stepUp(more), more)).status).toBe(201)
      const replays: [number, string | undefined][] = []
      for (const { from, body, token } of spent) {
        const { status, body: answer } = await transfer(api, from, token, body)
        replays.push([status, answer.error_description])
      }
      expect(replays).toEqual(Array(20).fill([403, USED]))
      expect(await transferIds(api, customer.plain, checking)).toHaveLength(11)
      expect(await transferIds(api, customer.plain, savings)).toHaveLength(10)
      expect(await balance(api, customer.plain, checking)).toBe('15000.00')
      expect(await balance(api, customer.plain, savings)).toBe('15000.00')
    })

    it('Redis hung, crashed and restarted under load: no crash, 503 within 2 s, no abandoned transfer runs later', async () => {
      const { redis, api, customer, checking, savings } = await setUp(DURABLE)
      // Background load that needs no grant: 4 clients read the savings balance and send $1
      // from savings, at most 150 rounds each, until the scenario is over.
      let over = false
      const background: number[] = []
      const small: string[] = []
      const load = Array.from({ length: 4 }, async () => {
        for (let round = 0; round < 150 && !over; round++) {
          const read = await call(api, `/accounts/${savings}/balance`, customer.plain)
          const sent = await transfer(api, savings, customer.plain, transferTo(PAYEE, '1.00'))
          background.push(read.status, sent.status)
          if (sent.body.transfer_id) small.push(sent.body.transfer_id)
        }
      })
      const executed: string[] = []
      const first = await transfer(api, checking, await customer.stepUp(BIG), BIG)
      expect(first.status).toBe(201)
      executed.push(first.body.transfer_id!)
      // Tokens for the fault, each bound to its own $10,000 transfer (one grant each).
      const tokens = []
      for (let i = 0; i < 10; i++) tokens.push(await customer.stepUp(BIG))
      const [abandoned, hung, down, after] = [
        tokens.slice(0, 3),
        tokens.slice(3, 6),
        tokens.slice(6, 9),
        tokens[9]!,
      ]

      // Hung: Redis takes the commands and never answers. Three clients give up after 200 ms;
      // three wait, and get 503 when the store's 500 ms are up.
      redis.child.signal('SIGSTOP')
      const gaveUp = abandoned.map((token) =>
        transfer(api, checking, token, BIG, 200).then(
          (answer) => answer.status,
          (error: Error) => error.name,
        ),
      )
      const waited = await Promise.all(
        hung.map((token) => transfer(api, checking, token, BIG, 2000)),
      )
      expect(await Promise.all(gaveUp)).toEqual(['TimeoutError', 'TimeoutError', 'TimeoutError'])
      for (const answer of waited) {
        expect(answer).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } })
      }
      // Redis runs what it was sent; then it crashes.
      redis.child.signal('SIGCONT')
      await redis.kill('SIGKILL')
      await api.child.waitFor(
        /^bank-api: Redis connection lost \(.+\); single-use transfers answer 503 until it is back$/m,
      )
      const refused = await Promise.all(
        down.map((token) => transfer(api, checking, token, BIG, 2000)),
      )
      for (const answer of refused) {
        expect(answer).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } })
      }
      // Still running: a client without an 'error' listener takes the process down here.
      expect(await api.child.exited(500)).toBe('timeout')

      await redis.start(DURABLE)
      await api.child.waitFor(/^bank-api: Redis connection is back$/m, 10_000)
      const last = await transfer(api, checking, after, BIG)
      expect(last.status).toBe(201)
      executed.push(last.body.transfer_id!)
      over = true
      await Promise.all(load)

      // The ledger holds the two transfers answered 201 and nothing the clients gave up on.
      expect((await transferIds(api, customer.plain, checking)).sort()).toEqual(executed.sort())
      expect(await balance(api, customer.plain, checking)).toBe('5000.00')
      expect((await transferIds(api, customer.plain, savings)).sort()).toEqual(small.sort())
      // Requests without a single-use grant were served throughout.
      expect(background.length).toBeGreaterThan(0)
      expect(background.filter((status) => status !== 200 && status !== 201)).toEqual([])
      const log = api.child.stdout() + api.child.stderr()
      expect(stackFrames(log)).toEqual([])
      expect(lines(log, /Redis connection lost/)).toHaveLength(1)

      api.child.signal('SIGTERM')
      expect(await api.child.exited(15_000)).toEqual({ code: 0, signal: null })
    })
  },
)
