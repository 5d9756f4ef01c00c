import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'

const REDIS_SERVER = '/usr/bin/redis-server'

/** A real `redis-server` on a loopback port, without persistence, that a test can stop and restart. */
export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Whether the process is running now. */
  readonly running: boolean
  /** Stops the process with `signal` and resolves once it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Starts it again on the same port (empty: nothing was saved). */
  restart(): Promise<void>
}

/** A port the kernel just handed out on 127.0.0.1, free again once this resolves. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
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
 * Starts `redis-server --save '' --appendonly no` on a random free loopback port. Restarting
 * reuses the port, so clients reconnect to the same URL.
 */
export async function startRedisServer(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: install Debian's redis-server package (apt-get install -y redis-server)`,
    )
  }
  const port = await freePort()
  let child: ChildProcess | undefined = await spawnRedis(port)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    async stop(signal = 'SIGTERM') {
      const c = child
      child = undefined
      if (!c || c.exitCode !== null || c.signalCode !== null) return
      const exited = new Promise((resolve) => c.once('exit', resolve))
      c.kill(signal)
      await exited
    },
    async restart() {
      if (child) throw new Error('redis-server is still running')
      child = await spawnRedis(port)
    },
  }
}
