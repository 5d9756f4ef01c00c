import { Agent } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { type BankChild, startBankApi } from '../src/bank.ts'
import { fetchResult, type Result, start, statusOf, waitForStatus } from '../src/http.ts'
import { type Issuer, startIssuer } from '../src/issuer.ts'
import { waitUntilRefused } from '../src/processes.ts'

const CONCURRENCY = 32

let issuer: Issuer | undefined
let api: BankChild | undefined
const agents: Agent[] = []
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy()
  await api?.child.stop()
  await issuer?.close()
  api = undefined
  issuer = undefined
})

/** Start the issuer and the API, and wait until the API has discovered the issuer. */
async function setUp(framework: 'express' | 'fastify', env: Record<string, string>) {
  issuer = await startIssuer()
  api = await startBankApi(framework, issuer.url, env)
  // 401 to a request without a token: the API is up and knows its issuer.
  await waitForStatus(`${api.url}/accounts`, 401)
  return { issuer, api }
}

const keepAlive = () => {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 })
  agents.push(agent)
  return agent
}

const statuses = (results: Result[]) => results.map(statusOf)

describe.each(['express', 'fastify'] as const)('shutdown of the bank API on %s', (framework) => {
  it('SIGTERM with 32 requests waiting on the key server: every one is answered, then it exits', async () => {
    const { issuer, api } = await setUp(framework, { SHUTDOWN_TIMEOUT_MS: '10000' })
    const token = await issuer.token(api.resource)
    const agent = keepAlive()
    issuer.hold()
    const requests = Array.from({ length: CONCURRENCY }, () =>
      start(`${api.url}/accounts`, {
        headers: { authorization: `Bearer ${token}` },
        agent,
        expectContinue: true,
      }),
    )
    // Each request has been read by the server (100 Continue) and waits on the JWK Set.
    await Promise.all(requests.map((r) => r.continued))
    await issuer.jwksRequested()

    api.child.signal('SIGTERM')
    await waitUntilRefused(api.port)
    issuer.release()

    const results = await Promise.all(requests.map((r) => r.result))
    expect(statuses(results)).toEqual(Array(CONCURRENCY).fill(200))
    for (const result of results) {
      expect(result).toMatchObject({ headers: { connection: 'close' } })
    }
    // Well within the 10 s deadline plus close-with-grace's second.
    expect(await api.child.exited(15_000)).toEqual({ code: 0, signal: null })
  })

  it('keep-alive connections, idle or finishing during shutdown, do not hold the process', async () => {
    const { issuer, api } = await setUp(framework, { SHUTDOWN_TIMEOUT_MS: '60000' })
    const token = await issuer.token(api.resource)
    const agent = keepAlive()
    const warm = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetchResult(`${api.url}/accounts`, {
          headers: { authorization: `Bearer ${token}` },
          agent,
        }),
      ),
    )
    expect(statuses(warm)).toEqual(Array(8).fill(200))
    const accountId = (
      JSON.parse((warm[0] as { body: string }).body) as {
        accounts: { account_id: string }[]
      }
    ).accounts[0]!.account_id

    // A transfer in flight: headers read by the server, body not sent yet.
    const transfer = start(`${api.url}/accounts/${accountId}/transfers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        authorization_details: [
          {
            type: 'urn:bank:params:oauth:request:transaction',
            transaction: { amount: '0.01', currency: 'USD', destination_account: 'ACC-987654' },
          },
        ],
      }),
      agent: keepAlive(),
      expectContinue: true,
    })
    await transfer.continued

    api.child.signal('SIGTERM')
    await waitUntilRefused(api.port)
    transfer.sendBody()
    expect(statusOf(await transfer.result)).toBe(201)
    // The deadline is 60 s: exiting within 10 s means nothing waited for it.
    expect(await api.child.exited(10_000)).toEqual({ code: 0, signal: null })
  })

  it('closes requests still in flight at the deadline and exits', async () => {
    const { issuer, api } = await setUp(framework, { SHUTDOWN_TIMEOUT_MS: '1500' })
    const token = await issuer.token(api.resource)
    issuer.hold()
    const stuck = start(`${api.url}/accounts`, {
      headers: { authorization: `Bearer ${token}` },
      agent: false,
      expectContinue: true,
    })
    await stuck.continued
    await issuer.jwksRequested()

    api.child.signal('SIGTERM')
    // The key server never answers: the request is cut at the deadline, not answered.
    expect(await stuck.result).toMatchObject({ error: expect.any(String) })
    expect(await api.child.exited(10_000)).toEqual({ code: 0, signal: null })
    expect(api.child.stderr()).toContain(
      'bank-api: shutdown deadline (1500 ms) reached, closing 1 request(s) in flight',
    )
  })
})
