import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const app = fileURLToPath(new URL('..', import.meta.url))
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url))

/** Run `pnpm demo`'s command exactly as the package script does, with extra arguments. */
function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['--conditions=@stepup/source', 'src/main.ts', ...args], { cwd: app })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe.each([
  { args: [], label: 'Express + @stepup/express' },
  { args: ['--framework', 'fastify'], label: 'Fastify + @stepup/fastify' },
])('pnpm demo $args', ({ args, label }) => {
  it('plays the whole story and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo(args)
    expect(code, stderr).toBe(0)
    expect(stdout).toContain(`(${label})`)
    const lines = stdout.split('\n').map((line) => line.trim())
    const indexOf = (prefix: string, from = 0) =>
      lines.findIndex((l, i) => i >= from && l.startsWith(prefix))
    // The 401 with its challenge verbatim, then the step-up, the 201 and the refused replay, in order.
    const challenge = indexOf(
      'WWW-Authenticate: Bearer realm="bank", error="insufficient_user_authentication"',
    )
    expect(challenge).toBeGreaterThan(indexOf('← 401 Unauthorized') - 1)
    expect(lines[challenge]).toContain('acr_values="phrh", max_age="60"')
    const acr = indexOf('acr                    phrh', challenge)
    expect(acr).toBeGreaterThan(challenge)
    expect(indexOf('amr                    ["hwk","user","mfa"]', acr)).toBeGreaterThan(acr)
    const created = indexOf('← 201 Created', acr)
    expect(created).toBeGreaterThan(acr)
    const replay = indexOf('← 403 Forbidden', created)
    expect(replay).toBeGreaterThan(created)
    expect(lines[replay + 1]).toContain('error="insufficient_authorization_details"')
    expect(stdout).toMatch(/All \d+ checks passed: every step behaved as the story says\./)
    expect(stdout).not.toContain('✗')
  })
})

it('refuses an unknown framework with exit code 2', async () => {
  const { code, stderr } = await runDemo(['--framework', 'koa'])
  expect(code).toBe(2)
  expect(stderr).toContain('--framework must be express or fastify')
})
