import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRedisConsumedGrantStore, type RedisLikeClient } from '../src/redis.ts'

const REDIS_SERVER = '/usr/bin/redis-server'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

let redis: ChildProcess | undefined
let port = 0
let url = ''
const clients: ReturnType<typeof createClient>[] = []

/** Start redis-server on `port` (loopback, no persistence) and wait until it accepts connections. */
async function startRedis(): Promise<void> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  redis = child
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('redis-server did not start within 10 s')),
      10_000,
    )
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
  })
}

async function stopRedis(): Promise<void> {
  const child = redis
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
}

beforeAll(async () => {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: install Debian's redis-server package (apt-get install -y redis-server)`,
    )
  }
  port = await freePort()
  await startRedis()
  url = `redis://127.0.0.1:${port}`
}, 15_000)

afterAll(async () => {
  // destroy(), not quit(): a client still reconnecting after the restart would never send QUIT.
  for (const client of clients) if (client.isOpen) client.destroy()
  await stopRedis()
})

async function connect() {
  const client = createClient({ url })
  clients.push(client)
  await client.connect()
  return client
}

describe('Redis ConsumedGrantStore (real redis-server)', () => {
  it('adds a grant once, across two API instances racing', async () => {
    const a = createRedisConsumedGrantStore(await connect())
    const b = createRedisConsumedGrantStore(await connect())
    expect(await a.has('grant-1')).toBe(false)
    const results = await Promise.all([
      a.add('grant-1', 60),
      b.add('grant-1', 60),
      a.add('grant-1', 60),
    ])
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await b.has('grant-1')).toBe(true)
  })

  it('expires marks after their TTL and uses the prefix', async () => {
    const client = await connect()
    const store = createRedisConsumedGrantStore(client, { prefix: 'test:' })
    expect(await store.add('short', 0.1)).toBe(true)
    expect(await client.exists('test:short')).toBe(1)
    const ttl = await client.pTTL('test:short')
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(100)
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect(await store.has('short')).toBe(false)
    expect(await store.add('short', 60)).toBe(true)
  })

  it('refuses a client without set/exists, a non-positive TTL and bad options', async () => {
    expect(() => createRedisConsumedGrantStore({} as never)).toThrow(TypeError)
    const client = await connect()
    const store = createRedisConsumedGrantStore(client)
    await expect(store.add('k', 0)).rejects.toThrow(TypeError)
    expect(() => createRedisConsumedGrantStore(client, { timeout: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
    expect(() => createRedisConsumedGrantStore(client, { prefx: 'x:' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'createRedisConsumedGrantStore: unknown option "prefx" (did you mean "prefix"?)',
      }),
    )
  })

  it('rejects when Redis does not answer within the timeout', async () => {
    const store = createRedisConsumedGrantStore(await connect(), { timeout: 200 })
    redis?.kill('SIGSTOP')
    try {
      await expect(store.add('hung', 60)).rejects.toMatchObject({
        code: 'ERR_GRANT_STORE_UNAVAILABLE',
      })
      await expect(store.has('hung')).rejects.toMatchObject({
        code: 'ERR_GRANT_STORE_UNAVAILABLE',
      })
    } finally {
      redis?.kill('SIGCONT')
    }
    await vi.waitFor(() => expect(store.has('after')).resolves.toBe(false))
  })

  // Runs last: it restarts the server the other tests share.
  it('survives a Redis restart: no crash, fails fast while down, consumes nothing it gave up on', async () => {
    // No 'error' listener of our own: without the store's, the first connection error would
    // be thrown out of the socket and crash the process.
    const client = createClient({ url })
    clients.push(client)
    await client.connect()
    const errors: unknown[] = []
    const store = createRedisConsumedGrantStore(client, { onError: (e) => errors.push(e) })
    expect(await store.add('before', 60)).toBe(true)

    await stopRedis()
    await vi.waitFor(() => expect(client.isReady).toBe(false))
    await expect(store.add('during', 60)).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_UNAVAILABLE',
    })
    await expect(store.has('before')).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_UNAVAILABLE',
    })
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0))

    await startRedis()
    await vi.waitFor(() => expect(client.isReady).toBe(true), { timeout: 10_000 })
    // The refused add was never queued for later: "during" is still free.
    expect(await client.exists('stepup:grant:during')).toBe(0)
    expect(await store.add('during', 60)).toBe(true)
  }, 20_000)
})

describe('Redis ConsumedGrantStore with a client that queues', () => {
  it('aborts a command still queued when it gives up, so it is never sent later', async () => {
    const signals: AbortSignal[] = []
    const queued: RedisLikeClient = {
      isReady: true,
      set: () => new Promise(() => {}),
      exists: () => new Promise(() => {}),
      withAbortSignal(signal) {
        signals.push(signal)
        return this
      },
    }
    const store = createRedisConsumedGrantStore(queued, { timeout: 50 })
    await expect(store.add('k', 60)).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_UNAVAILABLE',
      message: 'Redis did not answer within 50 ms',
    })
    expect(signals).toHaveLength(1)
    expect(signals[0]?.aborted).toBe(true)
  })

  it('rejects at once while the client is not ready, without sending anything', async () => {
    const sent: string[] = []
    const offline: RedisLikeClient = {
      isReady: false,
      set: async (key) => {
        sent.push(key)
        return 'OK'
      },
      exists: async (key) => {
        sent.push(key)
        return 0
      },
    }
    const store = createRedisConsumedGrantStore(offline)
    await expect(store.add('k', 60)).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_UNAVAILABLE',
      message: 'Redis is not connected',
    })
    expect(sent).toEqual([])
  })

  it('listens for the client errors and reports them to onError', () => {
    const listeners: ((error: unknown) => void)[] = []
    const seen: unknown[] = []
    const client: RedisLikeClient = {
      set: async () => 'OK',
      exists: async () => 0,
      on: (event, listener) => {
        expect(event).toBe('error')
        listeners.push(listener)
      },
    }
    createRedisConsumedGrantStore(client, { onError: (e) => seen.push(e) })
    expect(listeners).toHaveLength(1)
    listeners[0]?.(new Error('ECONNRESET'))
    expect(seen).toEqual([new Error('ECONNRESET')])
  })
})
