import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const REDIS_SERVER = '/usr/bin/redis-server'

/** What a single-use grant needs: every write in the append-only file before the answer. */
export const REDIS_DURABLE: readonly string[] = ['--appendonly', 'yes', '--appendfsync', 'always']
/** Redis' defaults without RDB snapshots: memory only. */
export const REDIS_VOLATILE: readonly string[] = ['--appendonly', 'no']

/** A real `redis-server` on a loopback port that a test can stop, pause and restart. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Whether the process is running now. */
  readonly running: boolean
  /** Stops the process with `signal` and resolves once it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /**
   * Starts it again on the same port and directory (what the AOF holds is there again), with
   * `args` (default: the arguments it was started with).
   */
  restart(args?: readonly string[]): Promise<void>
  /** SIGSTOP: the process stays, its port stays open, and nothing is answered until `resume`. */
  pause(): void
  /** SIGCONT after `pause`. */
  resume(): void
  /** Stops it for good and removes its files. */
  remove(): Promise<void>
}

/** A port the kernel just handed out on 127.0.0.1, free again once this resolves. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function spawnRedis(port: number, dir: string, args: readonly string[]): Promise<ChildProcess> {
  // No RDB snapshots; the files go to a temporary directory removed at the end.
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return new Promise((resolve, reject) => {
    let log = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redis-server did not start within 10 s:\n${log}`))
    }, 10_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString()
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer)
        child.stdout?.removeAllListeners('data')
        child.stdout?.resume()
        resolve(child)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}:\n${log}`))
    })
  })
}

/**
 * Starts `redis-server` with `args` (default {@link REDIS_DURABLE}: the persistence a single-use
 * grant store needs and checks when it connects; never RDB snapshots) on a random free loopback
 * port, its files in a temporary directory. Restarting reuses the port and the directory, so
 * clients reconnect to the same URL and find what the server kept.
 */
export async function startRedisServer(
  args: readonly string[] = REDIS_DURABLE,
): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: install Debian's redis-server package (scripts/preflight.mjs installs it)`,
    )
  }
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'stepup-redis-'))
  let started = args
  let child: ChildProcess | undefined = await spawnRedis(port, dir, started)
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const c = child
    child = undefined
    if (!c || c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    c.kill('SIGCONT') // a paused process would not act on SIGTERM
    c.kill(signal)
    await exited
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    stop,
    async restart(again = started) {
      if (child) throw new Error('redis-server is still running')
      started = again
      child = await spawnRedis(port, dir, started)
    },
    pause() {
      child?.kill('SIGSTOP')
    },
    resume() {
      child?.kill('SIGCONT')
    },
    async remove() {
      await stop('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
