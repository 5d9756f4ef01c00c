/**
 * Real child processes for the fault tests: the bank API and the authorization server started
 * from their `main.ts` (through tsx, as `pnpm start` does), with their output captured and
 * every wait bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const APPS = fileURLToPath(new URL('../../../apps/', import.meta.url))

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** How a child ended: its exit code or signal, or `timeout` when it was still running. */
export type Exit = { code: number | null; signal: NodeJS.Signals | null } | 'timeout'

/** A running child process with its output so far. */
export interface Child {
  readonly process: ChildProcess
  readonly pid: number
  /** Everything written to stdout and stderr so far. */
  stdout(): string
  stderr(): string
  /** Resolve once `pattern` appears in stdout or stderr; reject when the child exits or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>
  /** Resolve with the exit, or `'timeout'` if the child is still running after `ms`. */
  exited(ms: number): Promise<Exit>
  signal(signal: NodeJS.Signals): void
  /** Resident set size in KiB (from /proc), while running. */
  rss(): Promise<number>
  /** SIGKILL if still running (after a failed test), and wait for it. */
  stop(): Promise<void>
}

/** Start `apps/<app>/src/main.ts` with these environment variables. */
export function startApp(
  app: 'bank-api' | 'authorization-server',
  env: Record<string, string>,
): Child {
  const { NODE_OPTIONS: _, ...inherited } = process.env
  return spawnChild(
    app,
    process.execPath,
    ['--import', 'tsx', '--conditions=@stepup/source', 'src/main.ts'],
    { cwd: `${APPS}${app}`, env: { ...inherited, ...env } },
  )
}

/** Start any program (`name` is for messages), with its output captured. */
export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {},
): Child {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  let running = true
  void exit.then(() => {
    running = false
  })
  const exited = (ms: number): Promise<Exit> => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms)
    })
    return Promise.race([exit, timeout]).finally(() => clearTimeout(timer))
  }
  return {
    process: child,
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(pattern, ms = 30_000) {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        const match = stdout.match(pattern) ?? stderr.match(pattern)
        if (match) return match
        if (!running) break
        await sleep(25)
      }
      throw new Error(
        `${name} did not print ${pattern} (${running ? 'still running' : 'exited'})\n` +
          `stdout:\n${stdout}\nstderr:\n${stderr}`,
      )
    },
    exited,
    signal: (signal) => {
      child.kill(signal)
    },
    async rss() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8')
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1])
    },
    async stop() {
      if (!running) return
      child.kill('SIGKILL')
      await exited(5_000)
    },
  }
}

/** Resolve once a TCP connection to the port is refused (the listener is closed); bounded. */
export async function waitUntilRefused(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(false)
      })
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
    })
    if (refused) return
    await sleep(25)
  }
  throw new Error(`port ${port} still accepts connections after ${ms} ms`)
}

/** Lines of `text` that look like a stack trace frame. */
export const stackFrames = (text: string): string[] =>
  text.split('\n').filter((line) => /^\s+at\s/.test(line))
