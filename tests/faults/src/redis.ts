/**
 * A real `redis-server` child process on a random loopback port, with its own data directory,
 * that a test can hang (SIGSTOP), crash (SIGKILL) and start again on the same port and directory
 * with other persistence settings.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Child, type Exit, freePort, spawnChild } from './processes.ts'

const REDIS_SERVER = '/usr/bin/redis-server'

/** What a single-use grant needs: every write in the append-only file before Redis answers. */
export const DURABLE: readonly string[] = ['--appendonly', 'yes', '--appendfsync', 'always']
/** Redis' defaults: RDB snapshots now and then (at most every 60 s), no append-only file. */
export const DEFAULTS: readonly string[] = []

export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** The running server (the last one started). */
  readonly child: Child
  /** Start again on the same port and directory (what a restart after a crash looks like). */
  start(persistence: readonly string[]): Promise<void>
  /** Send `signal` and wait for the exit (SIGKILL: a crash, nothing flushed). */
  kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<Exit>
  /** Kill it if running and remove its directory. */
  remove(): Promise<void>
}

/** Start `redis-server` with these persistence arguments and wait until it accepts connections. */
export async function startRedis(persistence: readonly string[]): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: install Debian's redis-server package (apt-get install -y redis-server)`,
    )
  }
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'faults-redis-'))
  let child: Child | undefined
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get child() {
      if (!child) throw new Error('redis-server was never started')
      return child
    },
    async start(args) {
      child = spawnChild('redis-server', REDIS_SERVER, [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        ...args,
      ])
      try {
        await child.waitFor(/Ready to accept connections/, 10_000)
      } catch (error) {
        await child.stop()
        throw error
      }
    },
    async kill(signal) {
      const running = server.child
      running.signal('SIGCONT')
      running.signal(signal)
      return running.exited(10_000)
    },
    async remove() {
      await child?.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
  await server.start(persistence)
  return server
}
