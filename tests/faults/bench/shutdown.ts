/**
 * Load figure for BENCHMARKS.md "Faults": 32 keep-alive clients in a loop against the bank API
 * (a child process started from its main.ts), first without a fault (baseline), then with a
 * SIGTERM halfway through (same process). Counts answers and socket errors, the p50/p99 latency of answered
 * requests, the child's RSS and how long it took to exit.
 *
 *   pnpm --filter faults bench                 # both frameworks, 5 s per run
 *   BENCH_DURATION=10000 pnpm --filter faults bench fastify
 */
import { Agent } from 'node:http'
import { performance } from 'node:perf_hooks'
import { startBankApi } from '../src/bank.ts'
import { fetchResult, type Result, waitForStatus } from '../src/http.ts'
import { startIssuer } from '../src/issuer.ts'

const CLIENTS = 32
const DURATION = Number(process.env['BENCH_DURATION'] ?? 5000)
const frameworks = (
  process.argv.slice(2).length ? process.argv.slice(2) : ['express', 'fastify']
) as ('express' | 'fastify')[]

interface Sample {
  readonly ms: number
  readonly outcome: string
}

/** 32 clients, each looping until `until` or until its connection is refused. */
async function load(url: string, token: string, until: number): Promise<Sample[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS })
  const samples: Sample[] = []
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const start = performance.now()
        const result: Result = await fetchResult(url, {
          headers: { authorization: `Bearer ${token}` },
          agent,
        })
        const outcome = 'status' in result ? String(result.status) : result.error
        samples.push({ ms: performance.now() - start, outcome })
        if (outcome === 'ECONNREFUSED') break
      }
    }),
  )
  agent.destroy()
  return samples
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

function summarise(samples: Sample[]) {
  const counts: Record<string, number> = {}
  for (const s of samples) counts[s.outcome] = (counts[s.outcome] ?? 0) + 1
  const answered = samples.filter((s) => /^\d+$/.test(s.outcome)).map((s) => s.ms)
  return {
    requests: samples.length,
    counts,
    p50: percentile(answered, 50).toFixed(1),
    p99: percentile(answered, 99).toFixed(1),
  }
}

const mb = (kib: number) => (kib / 1024).toFixed(0)

for (const framework of frameworks) {
  const issuer = await startIssuer()
  const api = await startBankApi(framework, issuer.url, { SHUTDOWN_TIMEOUT_MS: '10000' })
  try {
    await waitForStatus(`${api.url}/accounts`, 401)
    const token = await issuer.token(api.resource)
    const url = `${api.url}/accounts`
    await fetchResult(url, { headers: { authorization: `Bearer ${token}` }, agent: false })
    const rssStart = await api.child.rss()

    const baseline = summarise(await load(url, token, performance.now() + DURATION))
    const rssAfterBaseline = await api.child.rss()

    const begin = performance.now()
    let rssAtSignal = 0
    const signal = (async () => {
      await new Promise((r) => setTimeout(r, DURATION / 2))
      rssAtSignal = await api.child.rss()
      const signalledAt = performance.now()
      api.child.signal('SIGTERM')
      const exit = await api.child.exited(30_000)
      return { exit, ms: performance.now() - signalledAt }
    })()
    const samples = await load(url, token, begin + DURATION)
    const { exit, ms: exitMs } = await signal

    // ECONNREFUSED: a new connection after the listener closed, where each client's loop ends.
    // ECONNRESET or "socket hang up": a request the server dropped.
    console.log(
      `\n${framework}: ${CLIENTS} keep-alive clients, GET /accounts, ${DURATION} ms per run`,
    )
    console.log(`  baseline       ${JSON.stringify(baseline)}`)
    console.log(`  SIGTERM run    ${JSON.stringify(summarise(samples))}`)
    console.log(`  exit           ${JSON.stringify(exit)} ${exitMs.toFixed(0)} ms after SIGTERM`)
    console.log(
      `  RSS (MB)       start ${mb(rssStart)}, after baseline ${mb(rssAfterBaseline)}, at SIGTERM ${mb(rssAtSignal)}`,
    )
  } finally {
    await api.child.stop()
    await issuer.close()
  }
}
