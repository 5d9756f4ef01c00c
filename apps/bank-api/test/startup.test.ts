import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { type BankApi, createBankApi } from '../src/index.ts'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/**
 * An issuer with a path (`/tenant`) that publishes only RFC 8414 metadata, at the well-known
 * URI with the suffix inserted before the path; `document` can name another issuer.
 */
async function startTenantIssuer(
  document: (issuer: string) => Record<string, unknown>,
  { hangFirst = false } = {},
) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const kid = randomUUID()
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] }
  const seen: string[] = []
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '')
    // The first request is accepted and never answered (a stuck issuer).
    if (hangFirst && seen.length === 1) return
    if (req.url === '/.well-known/oauth-authorization-server/tenant') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(document(issuer)))
    } else if (req.url === '/tenant/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant`
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  )
  const token = (audience: string) =>
    new SignJWT({ scope: 'accounts:read', client_id: 'c', jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('customer-1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
  return { issuer, seen, token }
}

const start = async (issuer: string, extra: Record<string, unknown> = {}): Promise<BankApi> => {
  const api = await createBankApi({
    framework: 'express',
    issuer,
    resource: 'http://127.0.0.1:0/',
    discovery: { initialDelay: 50, maxDelay: 100 },
    ...extra,
  })
  closers.push(() => api.close())
  return api
}

describe('createBankApi start-up', () => {
  it('falls back to RFC 8414 metadata (suffix before the issuer path) when there is no OpenID configuration', async () => {
    const tenant = await startTenantIssuer((issuer) => ({ issuer, jwks_uri: `${issuer}/jwks` }))
    const api = await start(tenant.issuer)
    expect(tenant.seen.slice(0, 2)).toEqual([
      '/tenant/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/tenant',
    ])
    const token = await tenant.token('http://127.0.0.1:0/')
    const response = await fetch(`${api.url}/accounts`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(200)
  })

  it('never uses metadata naming another issuer: guarded routes stay 503 with Retry-After', async () => {
    const tenant = await startTenantIssuer(() => ({
      issuer: 'https://attacker.example',
      jwks_uri: 'https://attacker.example/jwks',
    }))
    const api = await start(tenant.issuer)
    const response = await fetch(`${api.url}/accounts`)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The authorization server metadata is not known yet; retry later',
    })
    const metadata = await fetch(`${api.url}/.well-known/oauth-protected-resource`)
    expect(metadata.status).toBe(200)
  })

  it('gives up an attempt the issuer never answers after discovery.timeout, and retries', async () => {
    const tenant = await startTenantIssuer((issuer) => ({ issuer, jwks_uri: `${issuer}/jwks` }), {
      hangFirst: true,
    })
    const api = await start(tenant.issuer, {
      discovery: { initialDelay: 50, maxDelay: 100, timeout: 200 },
    })
    expect((await fetch(`${api.url}/accounts`)).status).toBe(503)
    let status = 503
    for (let poll = 0; poll < 100 && status === 503; poll++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      status = (await fetch(`${api.url}/accounts`)).status
    }
    expect(status).toBe(401)
    expect(tenant.seen.filter((url) => url.endsWith('openid-configuration')).length).toBe(2)
  })

  it('refuses unknown and invalid options before listening', async () => {
    const base = { framework: 'fastify', issuer: 'http://127.0.0.1:1', resource: 'http://x/' }
    await expect(createBankApi({ ...base, shutdownTimout: 1000 } as never)).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_OPTION',
      message: 'createBankApi: unknown option "shutdownTimout" (did you mean "shutdownTimeout"?)',
    })
    await expect(
      createBankApi({ ...base, discovery: { maxDelays: 1 } } as never),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
    for (const bad of [
      { requestTimeout: 0 },
      { shutdownTimeout: 1.5 },
      { headersTimeout: 20_000, requestTimeout: 10_000 },
      { discovery: { initialDelay: -1 } },
    ]) {
      await expect(createBankApi({ ...base, ...bad } as never)).rejects.toMatchObject({
        code: 'ERR_INVALID_ARG_VALUE',
      })
    }
  })
  it('refuses key-fetch options it does not know, and key-fetch options for a local key set', async () => {
    const base = { framework: 'express', issuer: 'http://127.0.0.1:1', resource: 'http://x/' }
    await expect(
      createBankApi({
        ...base,
        jwks: 'http://127.0.0.1:1/jwks',
        jwksOptions: { cooldown: 1 },
      } as never),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
    await expect(
      createBankApi({
        ...base,
        jwks: { keys: [] },
        jwksOptions: { timeoutDuration: 1000 },
      } as never),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    await expect(
      createBankApi({
        ...base,
        redis: { url: 'redis://127.0.0.1:1', persistance: 'warn' },
      } as never),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
  })

  it('main.ts refuses inconsistent or malformed limits in one line naming the variable', async () => {
    const { spawnSync } = await import('node:child_process')
    const run = (env: Record<string, string>) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=@stepup/source', 'src/main.ts'],
        {
          cwd: new URL('..', import.meta.url),
          env: { ...process.env, PORT: '0', ...env },
          encoding: 'utf8',
          timeout: 30_000,
        },
      )
    const below = run({ TRANSFER_PHRH_FROM: '500' })
    expect(below.status).toBe(2)
    expect(below.stderr.trim()).toBe(
      'bank-api: not started: TRANSFER_PHRH_FROM="500" must be more than TRANSFER_PHR_FROM (1000)',
    )
    const negative = run({ PASSWORD_CHANGE_MAX_AGE: '-300' })
    expect(negative.status).toBe(2)
    expect(negative.stderr.trim()).toBe(
      'bank-api: not started: PASSWORD_CHANGE_MAX_AGE="-300" must be a whole number of seconds (digits only)',
    )
  })

  it('createBankApi refuses unknown and contradictory limits before listening', async () => {
    const base = { framework: 'express', issuer: 'http://127.0.0.1:1', resource: 'http://x/' }
    await expect(
      createBankApi({ ...base, limits: { phrMaxAges: 1 } } as never),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
    await expect(
      createBankApi({ ...base, limits: { phrhMaxAge: 600 } } as never),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message:
        'phrhMaxAge must not be longer than phrMaxAge (300): a larger transfer never accepts an older sign-in',
    })
  })

  it('main.ts refuses a key-fetch variable that is not a positive integer, in one line', async () => {
    const { spawnSync } = await import('node:child_process')
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@stepup/source', 'src/main.ts'],
      {
        cwd: new URL('..', import.meta.url),
        env: { ...process.env, JWKS_COOLDOWN_MS: 'soon', PORT: '0' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    )
    expect(run.status).toBe(2)
    expect(run.stderr.trim()).toBe(
      'bank-api: JWKS_COOLDOWN_MS must be a positive integer (milliseconds), not soon',
    )
  })
})
