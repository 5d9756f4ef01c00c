import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url))

/** Run `main.ts` as `pnpm start` does and collect its exit code and output. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['--conditions=@stepup/source', MAIN], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`main.ts did not exit:\n${stderr}`))
    }, 20_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
}

describe('main.ts', () => {
  it.each([
    ['ACCESS_TOKEN_TTL', '5m'],
    ['REDIS_URL', 'localhost:6379'],
  ])('refuses to start with %s=%s, naming the variable (exit 1)', async (variable, value) => {
    const { code, stderr } = await runMain({ [variable]: value, PORT: '0' })
    expect(code).toBe(1)
    expect(stderr).toMatch(
      new RegExp(`^authorization server: not starting: ${variable} must be `, 'm'),
    )
  })
})
