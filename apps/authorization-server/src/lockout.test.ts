import { type RedisServer, startRedisServer } from '@stepup/internal/redis-server'
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createSignInLockout, SignInUnavailableError } from './lockout.ts'

const ADDRESS = '192.0.2.1'

afterEach(() => {
  vi.useRealTimers()
})

async function failTimes(
  throttle: ReturnType<typeof createSignInLockout>,
  username: string,
  address: string,
  times: number,
): Promise<void> {
  for (let i = 0; i < times; i++) await throttle.failed(username, address)
}

describe('createSignInLockout (in memory)', () => {
  it('blocks a username after accountAttempts failures, from any address', async () => {
    const throttle = createSignInLockout({ accountAttempts: 3, addressAttempts: 100 })
    await failTimes(throttle, 'alice', '192.0.2.1', 2)
    expect(await throttle.check('alice', '192.0.2.9')).toEqual({ allowed: true })
    await throttle.failed('alice', '192.0.2.2')
    expect(await throttle.check('alice', '192.0.2.9')).toEqual({
      allowed: false,
      retryAfterSeconds: 60,
    })
    // Another username from the same addresses is not affected.
    expect(await throttle.check('bob', '192.0.2.1')).toEqual({ allowed: true })
  })

  it('counts a username the same whether it exists or not, ignoring case and spaces', async () => {
    const throttle = createSignInLockout({ accountAttempts: 2, addressAttempts: 100 })
    await throttle.failed('  NoSuchUser', '192.0.2.1')
    await throttle.failed('nosuchuser ', '192.0.2.2')
    expect((await throttle.check('nosuchuser', '192.0.2.3')).allowed).toBe(false)
  })

  it('blocks a client address after addressAttempts failures over any usernames', async () => {
    const throttle = createSignInLockout({ accountAttempts: 100, addressAttempts: 4 })
    for (const name of ['a', 'b', 'c']) await throttle.failed(name, ADDRESS)
    expect(await throttle.check('d', ADDRESS)).toEqual({ allowed: true })
    await throttle.failed('d', ADDRESS)
    expect(await throttle.check('e', ADDRESS)).toEqual({ allowed: false, retryAfterSeconds: 60 })
    expect(await throttle.check('e', '192.0.2.77')).toEqual({ allowed: true })
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
      const decision = await throttle.check('alice', ADDRESS)
      if (decision.allowed) throw new Error(`round ${round} was not blocked`)
      blocks.push(decision.retryAfterSeconds)
      vi.advanceTimersByTime(decision.retryAfterSeconds * 1000 + 1)
      expect(await throttle.check('alice', ADDRESS)).toEqual({ allowed: true })
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
    await throttle.failed('alice', ADDRESS)
    expect(await throttle.check('bob', ADDRESS)).toEqual({ allowed: false, retryAfterSeconds: 10 })
    // The account's backoff started again: its next block is the first one's length.
    await throttle.failed('alice', '192.0.2.50')
    expect(await throttle.check('alice', '192.0.2.51')).toEqual({
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
    await throttle.failed('alice', ADDRESS)
    expect(blocked).toEqual(['alice'])
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
    await second.failed('alice', '192.0.2.2')
    expect(await first.check('alice', '192.0.2.3')).toEqual({
      allowed: false,
      retryAfterSeconds: 60,
    })
    expect(await second.check('bob', '192.0.2.3')).toEqual({ allowed: true })
  })

  it('rejects with SignInUnavailableError while Redis is down, and works again after', async () => {
    const client = await connect()
    const throttle = createSignInLockout({ redis: client, keyPrefix: 'outage' })
    await redis.stop()
    await vi.waitFor(() => expect(client.isReady).toBe(false))
    await expect(throttle.check('alice', ADDRESS)).rejects.toBeInstanceOf(SignInUnavailableError)
    await expect(throttle.failed('alice', ADDRESS)).rejects.toBeInstanceOf(SignInUnavailableError)
    await expect(throttle.succeeded('alice', ADDRESS)).rejects.toBeInstanceOf(
      SignInUnavailableError,
    )
    await redis.restart()
    await vi.waitFor(() => expect(client.isReady).toBe(true), { timeout: 5000 })
    expect(await throttle.check('alice', ADDRESS)).toEqual({ allowed: true })
  })
})
