import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { authorize, discover } from 'authorization-server/testing/oauth-client'
import { UserAgent } from 'authorization-server/testing/user-agent'
import { afterEach, describe, expect, it } from 'vitest'
import { type BankChild, startBankApi } from '../src/bank.ts'
import { fetchResult, start, statusOf, waitForStatus } from '../src/http.ts'
import { type Child, freePort, startApp, waitUntilRefused } from '../src/processes.ts'

const REDIRECT_URI = 'http://localhost:8080/cb'

let directory: string | undefined
const children: Child[] = []
afterEach(async () => {
  for (const child of children.splice(0)) await child.stop()
  if (directory) await rm(directory, { recursive: true, force: true })
  directory = undefined
})

/** The real authorization server (`apps/authorization-server/src/main.ts`) on `port`. */
async function startAuthorizationServer(port: number, resource: string, env = {}): Promise<Child> {
  directory ??= await mkdtemp(join(tmpdir(), 'faults-as-'))
  const child = startApp('authorization-server', {
    PORT: String(port),
    RESOURCE: resource,
    DATA_FILE: join(directory, 'users.json'),
    REDIRECT_URIS: REDIRECT_URI,
    ...env,
  })
  children.push(child)
  await child.waitFor(/^Authorization server: /m)
  return child
}

describe.each(['express', 'fastify'] as const)(
  'the bank API on %s started before its issuer',
  (framework) => {
    it('answers 503 with Retry-After until discovery succeeds, then serves real tokens', async () => {
      const asPort = await freePort()
      const issuer = `http://localhost:${asPort}`
      const api: BankChild = await startBankApi(framework, issuer, {
        DISCOVERY_INITIAL_DELAY_MS: '100',
        DISCOVERY_MAX_DELAY_MS: '400',
      })
      children.push(api.child)

      const early = await fetchResult(`${api.url}/accounts`, { agent: false })
      expect(early).toMatchObject({
        status: 503,
        headers: { 'retry-after': expect.stringMatching(/^[1-9]\d*$/) },
      })
      expect(JSON.parse((early as { body: string }).body)).toMatchObject({
        error: 'temporarily_unavailable',
      })
      // What does not need the issuer's keys is served meanwhile.
      const metadata = await fetchResult(`${api.url}/.well-known/oauth-protected-resource`, {
        agent: false,
      })
      expect(statusOf(metadata)).toBe(200)
      await api.child.waitFor(
        /^bank-api: discovery of http:\/\/localhost:\d+ failed: .*; retrying in \d+ ms$/m,
        10_000,
      )

      await startAuthorizationServer(asPort, api.resource)
      await waitForStatus(`${api.url}/accounts`, 401)

      const as = await discover(issuer)
      const { accessToken } = await authorize({
        as,
        client: { client_id: 'bank-web' },
        redirectUri: REDIRECT_URI,
        scope: 'openid accounts:read',
        resource: api.resource,
        agent: new UserAgent(),
        credentials: { username: 'bob', password: 'builder' },
      })
      const accounts = await fetchResult(`${api.url}/accounts`, {
        headers: { authorization: `Bearer ${accessToken}` },
        agent: false,
      })
      expect(statusOf(accounts)).toBe(200)
    })
  },
)

describe('the authorization server', () => {
  it('finishes a request in flight on SIGTERM and exits', async () => {
    const port = await freePort()
    const as = await startAuthorizationServer(port, 'http://127.0.0.1:4000/', {
      SHUTDOWN_TIMEOUT_MS: '10000',
    })
    // A token request whose headers the server has read; its form body is not sent yet.
    const token = start(`http://127.0.0.1:${port}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=urn%3Aexample%3Aunknown&client_id=bank-web',
      agent: false,
      expectContinue: true,
    })
    await token.continued
    as.signal('SIGTERM')
    await waitUntilRefused(port)
    token.sendBody()
    const result = await token.result
    expect(statusOf(result)).toBe(400)
    expect(JSON.parse((result as { body: string }).body)).toMatchObject({
      error: 'unsupported_grant_type',
    })
    expect(await as.exited(15_000)).toEqual({ code: 0, signal: null })
  })
})
