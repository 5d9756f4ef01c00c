import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisConsumedGrantStore } from '../src/redis.ts'

const REDIS_SERVER = '/usr/bin/redis-server'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

let redis: ChildProcess | undefined
let url = ''
const clients: ReturnType<typeof createClient>[] = []

beforeAll(async () => {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: install Debian's redis-server package (apt-get install -y redis-server)`,
    )
  }
  const port = await freePort()
  redis = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('redis-server did not start within 10 s')),
      10_000,
    )
    redis?.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    redis?.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
  })
  url = `redis://127.0.0.1:${port}`
}, 15_000)

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()))
  if (redis && redis.exitCode === null) {
    const exited = new Promise((resolve) => redis?.once('exit', resolve))
    redis.kill('SIGTERM')
    await exited
  }
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

  it('refuses a client without set/exists and a non-positive TTL', async () => {
    expect(() => createRedisConsumedGrantStore({} as never)).toThrow(TypeError)
    const store = createRedisConsumedGrantStore(await connect())
    await expect(store.add('k', 0)).rejects.toThrow(TypeError)
  })
})
