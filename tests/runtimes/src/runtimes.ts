/**
 * The runtimes, each from an npm package that carries its binary (installed as dev or optional
 * dependencies of this package; nothing is downloaded when the tests run). The binaries are taken
 * straight from the platform packages, so no install script has to run.
 */
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import type { RunResult } from './protocol.ts'

const require = createRequire(import.meta.url)

export const MARK = '@@stepup-runtimes@@'

export interface Runtime {
  readonly name: string
  /** Absolute path of the binary, or the reason it is missing. */
  readonly binary: string | { missing: string }
  run(outDir: string, binary: string): Promise<RunResult>
}

const { platform, arch } = process

function fromPackage(
  parent: string | undefined,
  platformPackage: string,
  file: string,
): string | { missing: string } {
  try {
    const from = parent ? createRequire(require.resolve(`${parent}/package.json`)) : require
    const path = join(dirname(from.resolve(`${platformPackage}/package.json`)), file)
    return existsSync(path) ? path : { missing: `${path} does not exist` }
  } catch {
    return {
      missing: `${platformPackage} is not installed${parent ? ` (optional dependency of ${parent})` : ''}`,
    }
  }
}

interface Output {
  code: number | null
  stdout: string
  stderr: string
}

function exec(binary: string, args: string[], cwd: string): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function parse(name: string, output: Output): RunResult {
  const line = output.stdout.split('\n').find((l) => l.startsWith(MARK))
  if (!line)
    throw new Error(
      `${name} exited with ${output.code} without a result\n${output.stdout.slice(-2000)}\n${output.stderr.slice(-4000)}`,
    )
  return JSON.parse(line.slice(MARK.length)) as RunResult
}

/** Node, Bun and Deno run the generated `main.mjs` directly. */
function direct(
  name: string,
  binary: Runtime['binary'],
  args: (outDir: string) => string[],
): Runtime {
  return {
    name,
    binary,
    run: async (outDir, bin) => parse(name, await exec(bin, [...args(outDir), 'main.mjs'], outDir)),
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * workerd serves `worker.mjs` (a module worker without `nodejs_compat`) on a free port of
 * 127.0.0.1; one request runs every file and answers with the results as JSON.
 */
function workerd(binary: Runtime['binary']): Runtime {
  return {
    name: 'workerd',
    binary,
    async run(outDir, bin) {
      const { files } = (await import(join(outDir, 'manifest.json'), { with: { type: 'json' } }))
        .default as { files: { bundle: string }[] }
      const port = await freePort()
      const modules = [
        '(name = "worker.mjs", esModule = embed "worker.mjs")',
        '(name = "engine.js", esModule = embed "engine.js")',
        ...files.map((f) => `(name = "${f.bundle}", esModule = embed "${f.bundle}")`),
      ]
      writeFileSync(
        join(outDir, 'workerd.capnp'),
        `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .tests)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const tests :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')}
  ],
  compatibilityDate = "2025-09-01",
);
`,
      )
      const child = spawn(bin, ['serve', 'workerd.capnp'], {
        cwd: outDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let logs = ''
      child.stdout.on('data', (chunk: Buffer) => {
        logs += chunk
      })
      child.stderr.on('data', (chunk: Buffer) => {
        logs += chunk
      })
      const exited = new Promise<never>((_, reject) =>
        child.on('exit', (code) => reject(new Error(`workerd exited with ${code}\n${logs}`))),
      )
      try {
        const deadline = Date.now() + 30_000
        for (;;) {
          try {
            const { status, body } = await Promise.race([get(port), exited])
            if (status !== 200) throw new Error(`workerd answered ${status}\n${body}\n${logs}`)
            return JSON.parse(body) as RunResult
          } catch (error) {
            const refused = (error as { code?: string }).code === 'ECONNREFUSED'
            if (!refused || Date.now() > deadline) throw error
            await new Promise((resolve) => setTimeout(resolve, 100))
          }
        }
      } finally {
        child.kill()
      }
    },
  }
}

const ARCH: Record<string, { bun: string; deno: string; workerd: string }> = {
  x64: { bun: 'x64', deno: 'x64', workerd: '64' },
  arm64: { bun: 'aarch64', deno: 'arm64', workerd: 'arm64' },
}
const a = ARCH[arch] ?? { bun: arch, deno: arch, workerd: arch }
const denoPlatform = platform === 'linux' ? `linux-${a.deno}-glibc` : `${platform}-${a.deno}`

export const RUNTIMES: readonly Runtime[] = [
  direct(`node@${process.versions.node.split('.')[0]}`, process.execPath, () => []),
  direct('node@22', fromPackage(undefined, `node-${platform}-${arch}`, 'bin/node'), () => []),
  direct('bun', fromPackage('bun', `@oven/bun-${platform}-${a.bun}`, 'bin/bun'), () => []),
  direct('deno', fromPackage('deno', `@deno/${denoPlatform}`, 'deno'), (outDir) => [
    'run',
    '--no-config',
    '--no-lock',
    '--no-prompt',
    '--allow-env',
    `--allow-read=${outDir}`,
  ]),
  workerd(fromPackage('workerd', `@cloudflare/workerd-${platform}-${a.workerd}`, 'bin/workerd')),
]
