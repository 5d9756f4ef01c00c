// Load on the bank API (never part of the tests): bounded autocannon runs on 127.0.0.1 against
// the balance read and the transfer decision, for Express and Fastify, with real tokens from
// the real authorization server. Fails (exit 1) on any error or unexpected status.

import { createAuthorizationServer } from 'authorization-server'
import { authorize, discover } from 'authorization-server/testing/oauth-client'
import { UserAgent } from 'authorization-server/testing/user-agent'
import autocannon from 'autocannon'
import type * as oauth from 'oauth4webapi'
import { createBankApi, freePort } from '../src/index.ts'

const DURATION = Number(process.env['BENCH_DURATION'] ?? 5)
const CONNECTIONS = 10
const REDIRECT_URI = 'http://localhost:8080/cb'
const client: oauth.Client = { client_id: 'bench' }

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const memory = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage()
}

async function passwordToken(issuer: string, resource: string): Promise<string> {
  const { accessToken } = await authorize({
    as: await discover(issuer),
    client,
    redirectUri: REDIRECT_URI,
    scope: 'openid accounts:read transfers:write',
    resource,
    agent: new UserAgent(),
    credentials: { username: 'alice', password: 'wonderland' },
  })
  return accessToken
}

const transfer = (amount: string) =>
  JSON.stringify({
    authorization_details: [
      {
        type: 'urn:bank:params:oauth:request:transaction',
        transaction: { amount, currency: 'USD', destination_account: 'ACC-987654' },
      },
    ],
  })

interface Row {
  framework: string
  path: string
  rps: number
  p50: number
  p99: number
  requests: number
  errors: number
  statuses: string
}

const rows: Row[] = []
const failures: string[] = []
const before = memory()

for (const framework of ['express', 'fastify'] as const) {
  const port = await freePort()
  const resource = `http://localhost:${port}/`
  const as = await createAuthorizationServer({
    resource,
    accessTokenTtl: 600,
    clients: [
      {
        client_id: client.client_id,
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
      },
    ],
  })
  const api = await createBankApi({ framework, issuer: as.issuer, resource, port })
  try {
    const token = await passwordToken(as.issuer, resource)
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const accounts = (await (await fetch(`${api.url}/accounts`, { headers })).json()) as {
      accounts: { account_id: string }[]
    }
    const checking = accounts.accounts[0]!.account_id
    const target = `http://127.0.0.1:${port}`
    const runs = [
      { path: 'GET balance', expect: 200, method: 'GET', url: `/accounts/${checking}/balance` },
      {
        path: 'POST transfer 5,000 → step-up decision',
        expect: 401,
        method: 'POST',
        url: `/accounts/${checking}/transfers`,
        body: transfer('5000.00'),
      },
      {
        path: 'POST transfer 0.01 → allowed',
        expect: 201,
        method: 'POST',
        url: `/accounts/${checking}/transfers`,
        body: transfer('0.01'),
      },
    ] as const
    for (const run of runs) {
      const result = await autocannon({
        url: `${target}${run.url}`,
        method: run.method,
        headers,
        ...('body' in run && { body: run.body }),
        connections: CONNECTIONS,
        duration: DURATION,
      })
      const codes = Object.entries(result.statusCodeStats ?? {}) as [string, { count: number }][]
      const statuses = codes.map(([code, { count }]) => `${code}×${count}`).join(' ')
      rows.push({
        framework,
        path: run.path,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        requests: result.requests.total,
        errors: result.errors + result.timeouts,
        statuses,
      })
      if (result.errors + result.timeouts > 0) failures.push(`${framework} ${run.path}: errors`)
      if (codes.some(([code]) => Number(code) !== run.expect)) {
        failures.push(`${framework} ${run.path}: expected only ${run.expect}, got ${statuses}`)
      }
    }
  } finally {
    await api.close()
    await as.close()
  }
}
const after = memory()

console.log(`\n## bank API load (${CONNECTIONS} connections, ${DURATION} s per run, 127.0.0.1)\n`)
console.log('| framework | path | req/s | p50 ms | p99 ms | requests | errors | statuses |')
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |')
for (const r of rows) {
  console.log(
    `| ${r.framework} | ${r.path} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.requests} | ${r.errors} | ${r.statuses} |`,
  )
}
console.log('\nMemory of this process (API, authorization server and load generator together):\n')
console.log('| | rss | heapUsed | heapTotal | external |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const [label, m] of [
  ['before', before],
  ['after', after],
] as const) {
  console.log(
    `| ${label} | ${mb(m.rss)} | ${mb(m.heapUsed)} | ${mb(m.heapTotal)} | ${mb(m.external)} |`,
  )
}
if (failures.length > 0) {
  console.error(`\nFAILED:\n${failures.join('\n')}`)
  process.exitCode = 1
}
