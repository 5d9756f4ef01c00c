/**
 * Load figure for BENCHMARKS.md "Redis faults": the bank API (a child process started from its
 * main.ts with REDIS_URL) on a redis-server child with `appendonly yes` + `appendfsync always`.
 * 32 keep-alive clients, each its own customer, loop on a $10,000 transfer with a fresh
 * single-use `phrh` token bound to it (one Redis `SET NX` each), then a balance read (no Redis).
 * First without a fault (baseline), then, same processes, Redis hung (SIGSTOP) from 25 % to 50 %
 * of the run, crashed (SIGKILL) at 50 %, and started again on the same port and data at 75 %.
 * Counts answers and socket errors per phase, p50/p99 latencies, the API's RSS, and checks the
 * ledger: each customer's transfers are exactly the ones answered 201.
 *
 *   pnpm --filter faults bench:redis                 # both frameworks, 8 s per run
 *   BENCH_DURATION=12000 pnpm --filter faults bench:redis fastify
 */
import { Agent } from 'node:http'
import { performance } from 'node:perf_hooks'
import { startBankApi } from '../src/bank.ts'
import { fetchResult, waitForStatus } from '../src/http.ts'
import { startIssuer } from '../src/issuer.ts'
import { DURABLE, startRedis } from '../src/redis.ts'
import { transferTo } from '../src/step-up.ts'

const CLIENTS = 32
const DURATION = Number(process.env['BENCH_DURATION'] ?? 8000)
const frameworks = (
  process.argv.slice(2).length ? process.argv.slice(2) : ['express', 'fastify']
) as ('express' | 'fastify')[]

type Phase = 'up' | 'hung' | 'down' | 'back'
interface Sample {
  readonly kind: 'transfer' | 'read'
  readonly phase: Phase
  readonly ms: number
  readonly outcome: string
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

function summarise(samples: readonly Sample[]) {
  const counts: Record<string, number> = {}
  for (const s of samples) counts[s.outcome] = (counts[s.outcome] ?? 0) + 1
  const answered = samples.filter((s) => /^\d+$/.test(s.outcome)).map((s) => s.ms)
  return {
    requests: samples.length,
    counts,
    p50: Number(percentile(answered, 50).toFixed(1)),
    p99: Number(percentile(answered, 99).toFixed(1)),
    max: Number(Math.max(...answered).toFixed(1)),
  }
}

const mb = (kib: number) => (kib / 1024).toFixed(0)

for (const framework of frameworks) {
  const issuer = await startIssuer()
  const redis = await startRedis(DURABLE)
  const api = await startBankApi(framework, issuer.url, { REDIS_URL: redis.url })
  try {
    await waitForStatus(`${api.url}/accounts`, 401)
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS })
    const request = (path: string, token: string, body?: unknown) =>
      fetchResult(`${api.url}${path}`, {
        agent,
        ...(body === undefined
          ? { headers: { authorization: `Bearer ${token}` } }
          : {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            }),
      })
    // Each client is a customer of its own, with a checking (25,000) and a savings (5,000)
    // account; transfers go back and forth so the funds are always there.
    const customers = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const sub = `bench-${framework}-${i}`
        const plain = await issuer.token(api.resource, sub)
        const accounts = await request('/accounts', plain)
        const ids = JSON.parse((accounts as { body: string }).body).accounts.map(
          (a: { account_id: string }) => a.account_id,
        ) as [string, string]
        return { sub, plain, ids, executed: 0 }
      }),
    )
    let phase: Phase = 'up'
    const run = async (until: number): Promise<Sample[]> => {
      const samples: Sample[] = []
      await Promise.all(
        customers.map(async (customer) => {
          while (performance.now() < until) {
            const [from, to] =
              customer.executed % 2 === 0 ? customer.ids : [customer.ids[1], customer.ids[0]]
            const body = transferTo(to, '10000.00')
            const token = await issuer.token(api.resource, customer.sub, {
              acr: 'phrh',
              authorization_details: body.authorization_details,
            })
            const at = phase
            let start = performance.now()
            const sent = await request(`/accounts/${from}/transfers`, token, body)
            const outcome = 'status' in sent ? String(sent.status) : sent.error
            samples.push({ kind: 'transfer', phase: at, ms: performance.now() - start, outcome })
            if (outcome === '201') customer.executed += 1
            start = performance.now()
            const read = await request(`/accounts/${customer.ids[0]}/balance`, customer.plain)
            samples.push({
              kind: 'read',
              phase: at,
              ms: performance.now() - start,
              outcome: 'status' in read ? String(read.status) : read.error,
            })
          }
        }),
      )
      return samples
    }

    const rssStart = await api.child.rss()
    const baseline = await run(performance.now() + DURATION)
    const rssAfterBaseline = await api.child.rss()

    const begin = performance.now()
    const faults = (async () => {
      const at = (fraction: number) =>
        new Promise((r) => setTimeout(r, begin + DURATION * fraction - performance.now()))
      await at(0.25)
      phase = 'hung'
      redis.child.signal('SIGSTOP')
      await at(0.5)
      phase = 'down'
      await redis.kill('SIGKILL')
      await at(0.75)
      await redis.start(DURABLE)
      phase = 'back'
    })()
    const faulted = await run(begin + DURATION)
    await faults
    const rssAfterFaults = await api.child.rss()
    const running = (await api.child.exited(0)) === 'timeout'

    // The ledger: each customer's transfers are exactly those answered 201.
    let recorded = 0
    for (const customer of customers) {
      for (const id of customer.ids) {
        const list = await request(`/accounts/${id}/transfers`, customer.plain)
        recorded += JSON.parse((list as { body: string }).body).transfers.length
      }
    }
    const answered201 = customers.reduce((n, c) => n + c.executed, 0)
    agent.destroy()

    const of = (samples: Sample[], kind: Sample['kind'], p?: Phase) =>
      summarise(samples.filter((s) => s.kind === kind && (p === undefined || s.phase === p)))
    console.log(
      `\n${framework}: ${CLIENTS} keep-alive clients, single-use $10,000 transfer + balance read, ${DURATION} ms per run`,
    )
    console.log(`  baseline transfers   ${JSON.stringify(of(baseline, 'transfer'))}`)
    console.log(`  baseline reads       ${JSON.stringify(of(baseline, 'read'))}`)
    for (const p of ['up', 'hung', 'down', 'back'] as const) {
      console.log(`  fault ${p.padEnd(4)} transfers ${JSON.stringify(of(faulted, 'transfer', p))}`)
      console.log(`  fault ${p.padEnd(4)} reads     ${JSON.stringify(of(faulted, 'read', p))}`)
    }
    console.log(`  fault run transfers  ${JSON.stringify(of(faulted, 'transfer'))}`)
    console.log(`  fault run reads      ${JSON.stringify(of(faulted, 'read'))}`)
    console.log(
      `  ledger               ${recorded} transfers recorded, ${answered201} answered 201; API still running: ${running}`,
    )
    console.log(
      `  RSS (MB)             start ${mb(rssStart)}, after baseline ${mb(rssAfterBaseline)}, after faults ${mb(rssAfterFaults)}`,
    )
  } finally {
    await api.child.stop()
    await redis.remove()
    await issuer.close()
  }
}
