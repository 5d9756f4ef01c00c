import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { StepUpEvent } from '@stepup/assurance'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createBankApi } from '../src/index.ts'

const closers: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const SUB = 'customer-7f3c'

/** An issuer on loopback: OpenID discovery, its JWK Set, and a function signing access tokens. */
async function startIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const kid = randomUUID()
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] }
  const server: Server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer, jwks_uri: `${issuer}/jwks` }
        : req.url === '/jwks'
          ? jwks
          : undefined
    if (!body) res.writeHead(404).end()
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  const token = (audience: string) =>
    new SignJWT({ scope: 'accounts:read', client_id: 'c', acr: 'phr', auth_time: now() - 5 })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(SUB)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
  return { issuer, jwks, token }
}
const now = () => Math.floor(Date.now() / 1000)

describe('createBankApi({ onDecision })', () => {
  it.each(['express', 'fastify'] as const)(
    '%s: every guarded request is reported, with the token’s acr and sub once verified',
    async (framework) => {
      const { issuer, jwks, token } = await startIssuer()
      const events: StepUpEvent[] = []
      const resource = 'http://127.0.0.1:0/'
      const api = await createBankApi({
        framework,
        issuer,
        resource,
        jwks,
        onDecision: (event) => events.push(event),
      })
      closers.push(() => api.close())
      const anonymous = await fetch(`${api.url}/accounts`)
      const signedIn = await fetch(`${api.url}/accounts`, {
        headers: { authorization: `Bearer ${await token(resource)}` },
      })
      expect([anonymous.status, signedIn.status]).toEqual([401, 200])
      expect(events).toMatchObject([
        { ok: false, status: 401 },
        { ok: true, status: 200, acr: 'phr', sub: SUB },
      ])
      expect(events[0]?.sub).toBeUndefined()
    },
  )
})

/** `src/main.ts` in a child process, with `env`; its stdout so far, and its URL once listening. */
function startMain(env: Record<string, string>, preload: boolean) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      ...(preload ? ['--import', './test/otel-preload.ts'] : []),
      '--conditions=@stepup/source',
      'src/main.ts',
    ],
    {
      cwd: new URL('..', import.meta.url),
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  closers.push(() => {
    child.kill('SIGKILL')
  })
  const listening = (async () => {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const url = /Bank API \(\w+\): http:\/\/localhost:(\d+)/.exec(stdout)?.[1]
      if (url) return `http://127.0.0.1:${url}`
      if (child.exitCode !== null) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`main.ts did not start:\n${stdout}\n${stderr}`)
  })()
  const stop = async () => {
    child.kill('SIGTERM')
    await exited
    return { stdout, stderr }
  }
  return { listening, stop }
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe('main.ts: audit lines, and OpenTelemetry with STEPUP_OTEL=on', () => {
  it('writes a JSON audit line per decision and records spans through the global API', async () => {
    const { issuer, token } = await startIssuer()
    const resource = 'http://localhost:0/'
    const main = startMain({ ISSUER: issuer, RESOURCE: resource, STEPUP_OTEL: 'on' }, true)
    const url = await main.listening
    const bearer = await token(resource)
    await fetch(`${url}/accounts`)
    await fetch(`${url}/accounts`, { headers: { authorization: `Bearer ${bearer}` } })
    const { stdout } = await main.stop()

    const lines = jsonLines(stdout)
    expect(lines.filter((l) => l['msg'] === 'step-up decision')).toMatchObject([
      { level: 30, name: 'bank-api', outcome: 'challenged', status: 401 },
      { level: 30, name: 'bank-api', outcome: 'allowed', status: 200, acr: 'phr' },
    ])
    expect(lines.filter((l) => l['span'] === 'stepup.decision')).toEqual([
      {
        span: 'stepup.decision',
        attributes: { 'stepup.outcome': 'challenged', 'http.response.status_code': 401 },
      },
      { span: 'stepup.decision', attributes: { 'stepup.outcome': 'allowed', 'stepup.acr': 'phr' } },
    ])
    for (const secret of [bearer, SUB]) expect(stdout).not.toContain(secret)
  }, 60_000)

  it('records nothing through OpenTelemetry by default, and no audit line with AUDIT_LOG=off', async () => {
    const { issuer, token } = await startIssuer()
    const resource = 'http://localhost:0/'
    const main = startMain({ ISSUER: issuer, RESOURCE: resource, AUDIT_LOG: 'off' }, true)
    const url = await main.listening
    const response = await fetch(`${url}/accounts`, {
      headers: { authorization: `Bearer ${await token(resource)}` },
    })
    expect(response.status).toBe(200)
    const { stdout } = await main.stop()
    expect(jsonLines(stdout)).toEqual([])
  }, 60_000)

  it.each([
    ['STEPUP_OTEL', 'yes'],
    ['AUDIT_LOG', '1'],
  ])('refuses %s=%s in one line', (name, value) => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@stepup/source', 'src/main.ts'],
      {
        cwd: new URL('..', import.meta.url),
        env: { ...process.env, [name]: value, PORT: '0' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    )
    expect(run.status).toBe(2)
    expect(run.stderr.trim()).toBe(`bank-api: ${name} must be on or off, not ${value}`)
  })
})
