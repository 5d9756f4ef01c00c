import {
  REDIS_DURABLE as DURABLE,
  type RedisServer,
  startRedisServer,
  REDIS_VOLATILE as VOLATILE,
} from '@stepup/internal/redis-server'
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createRedisConsumedGrantStore, type RedisLikeClient } from '../src/redis.ts'

const servers: RedisServer[] = []
const clients: ReturnType<typeof createClient>[] = []

async function redisServer(args: readonly string[]): Promise<RedisServer> {
  const server = await startRedisServer(args)
  servers.push(server)
  return server
}

async function connect(server: RedisServer) {
  const client = createClient({ url: server.url })
  clients.push(client)
  await client.connect()
  return client
}

async function cleanUp() {
  // destroy(), not quit(): a client still reconnecting after a restart would never send QUIT.
  for (const client of clients.splice(0)) if (client.isOpen) client.destroy()
  for (const server of servers.splice(0)) await server.remove()
}

describe('Redis ConsumedGrantStore (real redis-server, appendonly yes, appendfsync always)', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await redisServer(DURABLE)
  }, 15_000)
  afterAll(cleanUp)

  it('adds a grant once, across two API instances racing', async () => {
    const a = createRedisConsumedGrantStore(await connect(server))
    const b = createRedisConsumedGrantStore(await connect(server))
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
    const client = await connect(server)
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
    const client = await connect(server)
    const store = createRedisConsumedGrantStore(client)
    await expect(store.add('k', 0)).rejects.toThrow(TypeError)
    const invalid = expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' })
    expect(() => createRedisConsumedGrantStore(client, { timeout: 0 })).toThrow(invalid)
    expect(() => createRedisConsumedGrantStore(client, { persistence: 'off' as 'skip' })).toThrow(
      invalid,
    )
    // 'warn' without anyone to tell would be 'skip' in disguise.
    expect(() => createRedisConsumedGrantStore(client, { persistence: 'warn' })).toThrow(invalid)
    expect(() =>
      createRedisConsumedGrantStore(client, { wait: { replicas: 1, timeout: 500 } }),
    ).toThrow(invalid)
    expect(() =>
      createRedisConsumedGrantStore(client, { wait: { replicas: 0, timeout: 100 } }),
    ).toThrow(invalid)
    expect(() => createRedisConsumedGrantStore(client, { prefx: 'x:' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'createRedisConsumedGrantStore: unknown option "prefx" (did you mean "prefix"?)',
      }),
    )
    expect(() =>
      createRedisConsumedGrantStore(client, { wait: { replica: 1, timeout: 100 } } as never),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message:
          'createRedisConsumedGrantStore: wait: unknown option "replica" (did you mean "replicas"?)',
      }),
    )
  })

  it('checks persistence and finds it durable', async () => {
    const store = createRedisConsumedGrantStore(await connect(server))
    await expect(store.checkPersistence()).resolves.toBeUndefined()
  })

  it('rejects when Redis does not answer within the timeout', async () => {
    const store = createRedisConsumedGrantStore(await connect(server), { timeout: 200 })
    await store.checkPersistence()
    server.pause()
    try {
      await expect(store.add('hung', 60)).rejects.toMatchObject({
        code: 'ERR_GRANT_STORE_UNAVAILABLE',
      })
      await expect(store.has('hung')).rejects.toMatchObject({
        code: 'ERR_GRANT_STORE_UNAVAILABLE',
      })
    } finally {
      server.resume()
    }
    await vi.waitFor(() => expect(store.has('after')).resolves.toBe(false))
  })

  // Runs last: it restarts the server the other tests share.
  it('survives a Redis restart: no crash, fails fast while down, consumes nothing it gave up on', async () => {
    // No 'error' listener of our own: without the store's, the first connection error would
    // be thrown out of the socket and crash the process.
    const client = createClient({ url: server.url })
    clients.push(client)
    await client.connect()
    const errors: unknown[] = []
    const store = createRedisConsumedGrantStore(client, { onError: (e) => errors.push(e) })
    expect(await store.add('before', 60)).toBe(true)

    await server.stop()
    await vi.waitFor(() => expect(client.isReady).toBe(false))
    await expect(store.add('during', 60)).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_UNAVAILABLE',
    })
    await expect(store.has('before')).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_UNAVAILABLE',
    })
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0))

    await server.restart(DURABLE)
    await vi.waitFor(() => expect(client.isReady).toBe(true), { timeout: 10_000 })
    // The refused add was never queued for later: "during" is still free.
    expect(await client.exists('stepup:grant:during')).toBe(0)
    expect(await store.add('during', 60)).toBe(true)
    expect(await store.add('before', 60)).toBe(false)
  }, 20_000)
})

describe('Redis persistence (real redis-server)', () => {
  afterEach(cleanUp)

  it.each([
    [VOLATILE, 'appendonly no, appendfsync everysec'],
    [['--appendonly', 'yes', '--appendfsync', 'everysec'], 'appendonly yes, appendfsync everysec'],
    [['--appendonly', 'yes', '--appendfsync', 'no'], 'appendonly yes, appendfsync no'],
  ])('refuses a server started with %j: nothing is marked', async (args, found) => {
    const server = await redisServer(args)
    const client = await connect(server)
    const store = createRedisConsumedGrantStore(client)
    const notDurable = {
      code: 'ERR_GRANT_STORE_NOT_DURABLE',
      message: expect.stringContaining(`(${found})`),
    }
    await expect(store.checkPersistence()).rejects.toMatchObject(notDurable)
    await expect(store.add('grant', 60)).rejects.toMatchObject(notDurable)
    await expect(store.has('grant')).rejects.toMatchObject(notDurable)
    expect(await client.exists('stepup:grant:grant')).toBe(0)
  })

  it('with persistence "warn", tells onWarning once per connection and serves', async () => {
    const server = await redisServer(VOLATILE)
    const warnings: string[] = []
    const store = createRedisConsumedGrantStore(await connect(server), {
      persistence: 'warn',
      onWarning: (message) => warnings.push(message),
    })
    await store.checkPersistence()
    expect(await store.add('grant', 60)).toBe(true)
    expect(await store.add('grant', 60)).toBe(false)
    expect(warnings).toEqual([
      'Redis does not write every command to disk before answering (appendonly no, appendfsync everysec): ' +
        'a restart would forget consumed grants and accept them again; set appendonly yes and appendfsync always',
    ])
  })

  it.each([
    [['--rename-command', 'CONFIG', ''], "ERR unknown command 'CONFIG'"],
    [['--user', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-config'], 'NOPERM'],
  ])(
    'cannot check when the server refuses CONFIG (%j): refuses, or warns, or skips',
    async (args, reply) => {
      const server = await redisServer([...DURABLE, ...args])
      const client = await connect(server)
      const unknown = {
        code: 'ERR_GRANT_STORE_PERSISTENCE_UNKNOWN',
        message: expect.stringContaining(`the server refuses CONFIG GET (${reply}`),
      }
      const required = createRedisConsumedGrantStore(client)
      await expect(required.checkPersistence()).rejects.toMatchObject(unknown)
      await expect(required.add('grant', 60)).rejects.toMatchObject(unknown)

      const warnings: string[] = []
      const warned = createRedisConsumedGrantStore(client, {
        persistence: 'warn',
        onWarning: (message) => warnings.push(message),
      })
      expect(await warned.add('grant', 60)).toBe(true)
      expect(warnings).toEqual([expect.stringContaining('pass persistence: "skip"')])

      const skipped = createRedisConsumedGrantStore(client, { persistence: 'skip' })
      await expect(skipped.checkPersistence()).resolves.toBeUndefined()
      expect(await skipped.add('grant', 60)).toBe(false)
      expect(await skipped.add('other', 60)).toBe(true)
    },
  )

  it('keeps 20 consumed grants across a crash (SIGKILL) with appendfsync always', async () => {
    const server = await redisServer(DURABLE)
    const client = createClient({ url: server.url })
    clients.push(client)
    const store = createRedisConsumedGrantStore(client)
    await client.connect()
    const keys = Array.from({ length: 20 }, (_, i) => `grant-${i}`)
    expect(await Promise.all(keys.map((k) => store.add(k, 600)))).toEqual(keys.map(() => true))

    await server.stop('SIGKILL')
    await server.restart(DURABLE)
    await vi.waitFor(() => expect(client.isReady).toBe(true), { timeout: 10_000 })
    expect(await Promise.all(keys.map((k) => store.add(k, 600)))).toEqual(keys.map(() => false))
  }, 20_000)

  it('without the append-only file the same crash forgets them (why the check exists)', async () => {
    const server = await redisServer(VOLATILE)
    const client = createClient({ url: server.url })
    clients.push(client)
    const store = createRedisConsumedGrantStore(client, { persistence: 'skip' })
    await client.connect()
    const keys = Array.from({ length: 20 }, (_, i) => `grant-${i}`)
    expect(await Promise.all(keys.map((k) => store.add(k, 600)))).toEqual(keys.map(() => true))

    await server.stop('SIGKILL')
    await server.restart(VOLATILE)
    await vi.waitFor(() => expect(client.isReady).toBe(true), { timeout: 10_000 })
    expect(await Promise.all(keys.map((k) => store.add(k, 600)))).toEqual(keys.map(() => true))
  }, 20_000)

  it('checks again after reconnecting: a server restarted without AOF is refused', async () => {
    const server = await redisServer(DURABLE)
    const client = createClient({ url: server.url })
    clients.push(client)
    const store = createRedisConsumedGrantStore(client)
    await client.connect()
    expect(await store.add('grant', 600)).toBe(true)

    await server.stop('SIGKILL')
    await server.restart(VOLATILE)
    await vi.waitFor(() => expect(client.isReady).toBe(true), { timeout: 10_000 })
    // The restarted server forgot the grant; the store does not let that through.
    expect(await client.exists('stepup:grant:grant')).toBe(0)
    await expect(store.add('grant', 600)).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_NOT_DURABLE',
    })
    expect(await client.exists('stepup:grant:grant')).toBe(0)
  }, 20_000)

  it('with wait, rejects a grant no replica acknowledged (and it stays consumed)', async () => {
    // No 5 s wait before the first full synchronisation (Redis 7's diskless default).
    const primary = await redisServer([...VOLATILE, '--repl-diskless-sync-delay', '0'])
    const replica = await redisServer([...VOLATILE, '--replicaof', '127.0.0.1', `${primary.port}`])
    const store = createRedisConsumedGrantStore(await connect(primary), {
      persistence: 'skip',
      wait: { replicas: 1, timeout: 100 },
    })
    // The replica has synchronised once a grant is acknowledged.
    await vi.waitFor(() => expect(store.add(`sync-${Math.random()}`, 60)).resolves.toBe(true), {
      timeout: 10_000,
    })
    expect(await store.add('acknowledged', 60)).toBe(true)

    replica.pause()
    try {
      await expect(store.add('unacknowledged', 60)).rejects.toMatchObject({
        code: 'ERR_GRANT_STORE_UNAVAILABLE',
        message: '0 of 1 replicas acknowledged the grant within 100 ms',
      })
    } finally {
      replica.resume()
    }
    // Marked on the primary all the same: the request was refused, and the grant is spent.
    expect(await store.add('unacknowledged', 60)).toBe(false)
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
    const store = createRedisConsumedGrantStore(queued, { timeout: 50, persistence: 'skip' })
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
      configGet: async (pattern) => {
        sent.push(pattern)
        return { appendonly: 'yes', appendfsync: 'always' }
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
    const listeners = new Map<string, (error?: unknown) => void>()
    const seen: unknown[] = []
    const client: RedisLikeClient = {
      set: async () => 'OK',
      exists: async () => 0,
      on: (event, listener) => {
        listeners.set(event, listener)
      },
    }
    createRedisConsumedGrantStore(client, { onError: (e) => seen.push(e), persistence: 'skip' })
    expect([...listeners.keys()]).toEqual(['error', 'ready'])
    listeners.get('error')?.(new Error('ECONNRESET'))
    expect(seen).toEqual([new Error('ECONNRESET')])
  })
})

describe('Redis persistence check with a scripted client', () => {
  /** A client whose CONFIG GET answers are scripted; it records every command. */
  function scripted(answers: (() => Promise<unknown>)[]) {
    const sent: string[] = []
    let ready: (() => void) | undefined
    const client: RedisLikeClient = {
      isReady: true,
      set: async (key) => {
        sent.push(`SET ${key}`)
        return 'OK'
      },
      exists: async (key) => {
        sent.push(`EXISTS ${key}`)
        return 0
      },
      configGet: (pattern) => {
        sent.push(`CONFIG GET ${pattern}`)
        const answer = answers.shift()
        if (!answer) throw new Error('no scripted answer')
        return answer()
      },
      wait: async () => 0,
      on: (event, listener) => {
        if (event === 'ready') ready = listener as () => void
      },
    }
    return { client, sent, reconnect: () => ready?.() }
  }
  const durable = async () => ({ appendonly: 'yes', appendfsync: 'always' })

  it('checks once for concurrent commands, and again after each reconnection', async () => {
    const { client, sent, reconnect } = scripted([durable, durable])
    const store = createRedisConsumedGrantStore(client, { prefix: '' })
    await Promise.all([store.add('a', 60), store.add('b', 60), store.has('c')])
    expect(sent.filter((c) => c.startsWith('CONFIG'))).toEqual(['CONFIG GET append*'])
    reconnect()
    await store.add('d', 60)
    expect(sent.filter((c) => c.startsWith('CONFIG'))).toHaveLength(2)
    expect(sent.at(-1)).toBe('SET d')
  })

  it('runs a check that failed to get an answer again at the next command', async () => {
    const { client, sent } = scripted([() => Promise.reject(new Error('Socket closed')), durable])
    const store = createRedisConsumedGrantStore(client, { prefix: '' })
    await expect(store.add('a', 60)).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_UNAVAILABLE',
    })
    expect(sent).toEqual(['CONFIG GET append*'])
    expect(await store.add('a', 60)).toBe(true)
    expect(sent).toEqual(['CONFIG GET append*', 'CONFIG GET append*', 'SET a'])
  })

  it('reads a RESP3 Map or a flat array, and cannot check an answer without the values', async () => {
    const asMap = scripted([
      async () =>
        new Map([
          ['appendonly', 'yes'],
          ['appendfsync', 'always'],
        ]),
    ])
    expect(await createRedisConsumedGrantStore(asMap.client).add('a', 60)).toBe(true)
    const asArray = scripted([async () => ['appendfsync', 'always', 'appendonly', 'yes']])
    expect(await createRedisConsumedGrantStore(asArray.client).add('a', 60)).toBe(true)
    const empty = scripted([async () => ({})])
    await expect(createRedisConsumedGrantStore(empty.client).add('a', 60)).rejects.toMatchObject({
      code: 'ERR_GRANT_STORE_PERSISTENCE_UNKNOWN',
    })
    expect(empty.sent).toEqual(['CONFIG GET append*'])
  })

  it('with "skip", sends no CONFIG; without configGet or wait, the options that need them are refused', async () => {
    const { client, sent } = scripted([])
    expect(await createRedisConsumedGrantStore(client, { persistence: 'skip' }).add('a', 60)).toBe(
      true,
    )
    expect(sent).toEqual(['SET stepup:grant:a'])
    const bare: RedisLikeClient = { set: async () => 'OK', exists: async () => 0 }
    const type = expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' })
    expect(() => createRedisConsumedGrantStore(bare)).toThrow(type)
    expect(() =>
      createRedisConsumedGrantStore(bare, { persistence: 'warn', onWarning() {} }),
    ).toThrow(type)
    expect(() =>
      createRedisConsumedGrantStore(bare, {
        persistence: 'skip',
        wait: { replicas: 1, timeout: 100 },
      }),
    ).toThrow(type)
  })
})
