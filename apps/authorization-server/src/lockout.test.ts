import { type RedisServer, startRedisServer } from '@stepup/internal/redis-server'
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createSignInLockout, SignInUnavailableError } from './lockout.ts'

const ADDRESS = '192.0.2.1'

afterEach(() => {
  vi.useRealTimers()
})

type Throttle = ReturnType<typeof createSignInLockout>

/** One attempt whose secret was wrong; it must have been allowed. */
async function fail(throttle: Throttle, username: string, address: string): Promise<void> {
  const decision = await throttle.attempt(username, address)
  if (!decision.allowed) throw new Error(`${username} from ${address} was refused`)
  await decision.failed()
}

async function failTimes(
  throttle: Throttle,
  username: string,
  address: string,
  times: number,
): Promise<void> {
  for (let i = 0; i < times; i++) await fail(throttle, username, address)
}

/** Whether an attempt would be allowed now; an allowed one is a right secret (its point comes back). */
async function check(
  throttle: Throttle,
  username: string,
  address: string,
): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
  const decision = await throttle.attempt(username, address)
  if (!decision.allowed) return { allowed: false, retryAfterSeconds: decision.retryAfterSeconds }
  await decision.passed()
  return { allowed: true }
}

/** How many of `count` concurrent attempts the throttle let through. */
async function allowedOf(attempts: Promise<{ allowed: boolean }>[]): Promise<number> {
  return (await Promise.all(attempts)).filter((d) => d.allowed).length
}

describe('createSignInLockout (in memory)', () => {
  it('blocks a username after accountAttempts failures, from any address', async () => {
    const throttle = createSignInLockout({ accountAttempts: 3, addressAttempts: 100 })
    await failTimes(throttle, 'alice', '192.0.2.1', 2)
    expect(await check(throttle, 'alice', '192.0.2.9')).toEqual({ allowed: true })
    await fail(throttle, 'alice', '192.0.2.2')
    expect(await check(throttle, 'alice', '192.0.2.9')).toEqual({
      allowed: false,
      retryAfterSeconds: 60,
    })
    // Another username from the same addresses is not affected.
    expect(await check(throttle, 'bob', '192.0.2.1')).toEqual({ allowed: true })
  })

  it('counts a username the same whether it exists or not, ignoring case and spaces', async () => {
    const throttle = createSignInLockout({ accountAttempts: 2, addressAttempts: 100 })
    await fail(throttle, '  NoSuchUser', '192.0.2.1')
    await fail(throttle, 'nosuchuser ', '192.0.2.2')
    expect((await check(throttle, 'nosuchuser', '192.0.2.3')).allowed).toBe(false)
  })

  it('blocks a client address after addressAttempts failures over any usernames', async () => {
    const throttle = createSignInLockout({ accountAttempts: 100, addressAttempts: 4 })
    for (const name of ['a', 'b', 'c']) await fail(throttle, name, ADDRESS)
    expect(await check(throttle, 'd', ADDRESS)).toEqual({ allowed: true })
    await fail(throttle, 'd', ADDRESS)
    expect(await check(throttle, 'e', ADDRESS)).toEqual({ allowed: false, retryAfterSeconds: 60 })
    expect(await check(throttle, 'e', '192.0.2.77')).toEqual({ allowed: true })
  })

  it('doubles each further block of the same key (backoff), up to maxBlockSeconds', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T05:00:00Z'), toFake: ['Date', 'setTimeout'] })
    const throttle = createSignInLockout({
      accountAttempts: 2,
      addressAttempts: 1000,
      blockSeconds: 30,
      maxBlockSeconds: 100,
    })
    const blocks: number[] = []
    for (let round = 0; round < 4; round++) {
      await failTimes(throttle, 'alice', ADDRESS, 2)
      const decision = await check(throttle, 'alice', ADDRESS)
      if (decision.allowed) throw new Error(`round ${round} was not blocked`)
      blocks.push(decision.retryAfterSeconds)
      vi.advanceTimersByTime(decision.retryAfterSeconds * 1000 + 1)
      expect(await check(throttle, 'alice', ADDRESS)).toEqual({ allowed: true })
    }
    expect(blocks).toEqual([30, 60, 100, 100])
  })

  it('a success clears the account count and its backoff, not the address count', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T05:00:00Z'), toFake: ['Date', 'setTimeout'] })
    const throttle = createSignInLockout({
      accountAttempts: 2,
      addressAttempts: 3,
      blockSeconds: 10,
    })
    await failTimes(throttle, 'alice', ADDRESS, 2)
    vi.advanceTimersByTime(10_001)
    await throttle.succeeded('alice', ADDRESS)
    // The address has 2 of its 3 failures: one more blocks it, for any username.
    await fail(throttle, 'alice', ADDRESS)
    expect(await check(throttle, 'bob', ADDRESS)).toEqual({ allowed: false, retryAfterSeconds: 10 })
    // The account's backoff started again: its next block is the first one's length.
    await fail(throttle, 'alice', '192.0.2.50')
    expect(await check(throttle, 'alice', '192.0.2.51')).toEqual({
      allowed: false,
      retryAfterSeconds: 10,
    })
  })

  it('tells onAccountBlocked once per block', async () => {
    const blocked: string[] = []
    const throttle = createSignInLockout({
      accountAttempts: 2,
      addressAttempts: 100,
      onAccountBlocked: (username) => {
        blocked.push(username)
      },
    })
    await failTimes(throttle, 'alice', ADDRESS, 2)
    expect((await throttle.attempt('alice', ADDRESS)).allowed).toBe(false)
    expect(blocked).toEqual(['alice'])
  })

  it('counts an attempt before its secret is checked: of concurrent attempts only the limit pass', async () => {
    const throttle = createSignInLockout({ accountAttempts: 3, addressAttempts: 100 })
    const burst = Array.from({ length: 10 }, () => throttle.attempt('alice', ADDRESS))
    expect(await allowedOf(burst)).toBe(3)
    const late = await throttle.attempt('alice', ADDRESS)
    expect(late.allowed).toBe(false)
  })

  it('a passed step gives its point back but clears no failures; succeeded clears them', async () => {
    const throttle = createSignInLockout({ accountAttempts: 3, addressAttempts: 100 })
    await failTimes(throttle, 'alice', ADDRESS, 2)
    // A right password: its own point comes back, the two failures stay.
    expect(await check(throttle, 'alice', ADDRESS)).toEqual({ allowed: true })
    await fail(throttle, 'alice', ADDRESS)
    expect(await check(throttle, 'alice', ADDRESS)).toEqual({
      allowed: false,
      retryAfterSeconds: 60,
    })
    const other = createSignInLockout({ accountAttempts: 3, addressAttempts: 100 })
    await failTimes(other, 'alice', ADDRESS, 2)
    await other.succeeded('alice', ADDRESS)
    await failTimes(other, 'alice', ADDRESS, 2)
    expect(await check(other, 'alice', ADDRESS)).toEqual({ allowed: true })
  })

  it('refuses unknown options and non-positive limits by name', () => {
    expect(() => createSignInLockout({ attempts: 3 } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: expect.stringMatching(/^createSignInLockout: unknown option "attempts"/),
      }),
    )
    expect(() => createSignInLockout({ accountAttempts: 0 })).toThrow(
      'options.accountAttempts must be a positive integer',
    )
    expect(() => createSignInLockout({ blockSeconds: 60, maxBlockSeconds: 30 })).toThrow(
      'options.maxBlockSeconds must be at least options.blockSeconds',
    )
  })
})

describe('createSignInLockout on Redis (RateLimiterRedis)', () => {
  let redis: RedisServer
  const clients: ReturnType<typeof createClient>[] = []
  const connect = async () => {
    const client = createClient({
      url: redis.url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: () => 100 },
    })
    client.on('error', () => undefined)
    await client.connect()
    clients.push(client)
    return client
  }
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    for (const client of clients) client.destroy()
    await redis.remove()
  })

  it('two servers share the counters: failures on one block the account on the other', async () => {
    const options = { accountAttempts: 3, addressAttempts: 100, keyPrefix: 'shared' }
    const first = createSignInLockout({ ...options, redis: await connect() })
    const second = createSignInLockout({ ...options, redis: await connect() })
    await failTimes(first, 'alice', '192.0.2.1', 2)
    await fail(second, 'alice', '192.0.2.2')
    expect(await check(first, 'alice', '192.0.2.3')).toEqual({
      allowed: false,
      retryAfterSeconds: 60,
    })
    expect(await check(second, 'bob', '192.0.2.3')).toEqual({ allowed: true })
  })

  it('counts concurrent attempts on two servers atomically: only the limit pass', async () => {
    const options = { accountAttempts: 3, addressAttempts: 100, keyPrefix: 'burst' }
    const first = createSignInLockout({ ...options, redis: await connect() })
    const second = createSignInLockout({ ...options, redis: await connect() })
    const burst = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? first : second).attempt('alice', ADDRESS),
    )
    expect(await allowedOf(burst)).toBe(3)
  })

  it('rejects with SignInUnavailableError while Redis is down, and works again after', async () => {
    const client = await connect()
    const throttle = createSignInLockout({ redis: client, keyPrefix: 'outage' })
    await redis.stop()
    await vi.waitFor(() => expect(client.isReady).toBe(false))
    await expect(throttle.attempt('alice', ADDRESS)).rejects.toBeInstanceOf(SignInUnavailableError)
    await expect(throttle.succeeded('alice', ADDRESS)).rejects.toBeInstanceOf(
      SignInUnavailableError,
    )
    await redis.restart()
    await vi.waitFor(() => expect(client.isReady).toBe(true), { timeout: 5000 })
    expect(await check(throttle, 'alice', ADDRESS)).toEqual({ allowed: true })
  })
})
