/**
 * Load figure for BENCHMARKS.md "Key rotation": 32 keep-alive clients, each with a token of its
 * own, loop on `GET /accounts` against the bank API (a child process started from its main.ts,
 * `JWKS_COOLDOWN_MS=1000`, at most 5 key fetches a minute, `AUDIT_LOG=off`). After a 2 s warm-up
 * that is not counted, first without a fault (baseline), then, same process, with a key rotation
 * halfway: a token with a kid the API does not know makes it fetch the set, the issuer then
 * publishes a new key and signs with it, and every client switches to a token of the new key —
 * inside the cooldown that fetch started. Counts answers by status and by phase (before the
 * rotation, until the first new-key token is served, after), p50/p99 of answered requests, the
 * API's RSS and the issuer's JWK Set requests.
 *
 *   pnpm --filter faults bench:keys                 # both frameworks, 6 s per run
 *   BENCH_DURATION=10000 pnpm --filter faults bench:keys fastify
 */
import { performance } from 'node:perf_hooks'
import { startBankApi } from '../src/bank.ts'
import { fetchResult, statusOf, waitForStatus } from '../src/http.ts'
import { startIssuer } from '../src/issuer.ts'
import { countOutcomes, load, type Shot } from '../src/load.ts'

const CLIENTS = 32
const DURATION = Number(process.env['BENCH_DURATION'] ?? 6000)
const WARM_UP = 2000
const COOLDOWN_MS = 1000
const RATE_CAP = 5
const frameworks = (
  process.argv.slice(2).length ? process.argv.slice(2) : ['express', 'fastify']
) as ('express' | 'fastify')[]

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

/** Answers by status, and by key for the rotation run (`old 200`, `new 503`…). */
function summarise(shots: readonly Shot[], oldKid?: string) {
  const answered = shots.filter((s) => typeof s.outcome === 'number').map((s) => s.end - s.start)
  const ok = shots.filter((s) => s.outcome === 200).map((s) => s.end - s.start)
  const retryAfter = [...new Set(shots.map((s) => s.retryAfter).filter(Boolean))]
  return {
    requests: shots.length,
    counts: countOutcomes(
      oldKid === undefined
        ? shots
        : shots.map((s) => ({
            ...s,
            outcome: `${s.label === oldKid ? 'old' : 'new'} ${s.outcome}`,
          })),
    ),
    p50: Number(percentile(answered, 50).toFixed(1)),
    p99: Number(percentile(answered, 99).toFixed(1)),
    max: Number(Math.max(...answered).toFixed(1)),
    p99of200: Number(percentile(ok, 99).toFixed(1)),
    ...(retryAfter.length > 0 && { retryAfter }),
  }
}

const mb = (kib: number) => (kib / 1024).toFixed(0)

for (const framework of frameworks) {
  const issuer = await startIssuer()
  const api = await startBankApi(framework, issuer.url, {
    JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
    JWKS_RATE_LIMIT_FETCHES: String(RATE_CAP),
    JWKS_RATE_LIMIT_INTERVAL_MS: '60000',
    // No audit line per request: this process reads the API's output and makes the load too.
    AUDIT_LOG: 'off',
  })
  try {
    const url = `${api.url}/accounts`
    await waitForStatus(url, 401)
    const mint = async () => ({
      kid: issuer.kid,
      tokens: await Promise.all(Array.from({ length: CLIENTS }, () => issuer.token(api.resource))),
    })
    let current = await mint()
    const oldKid = current.kid
    const warm = await fetchResult(url, {
      headers: { authorization: `Bearer ${current.tokens[0]}` },
      agent: false,
    })
    if (statusOf(warm) !== 200) throw new Error(`warm-up answered ${statusOf(warm)}`)
    const next = (client: number) => ({ token: current.tokens[client]!, label: current.kid })
    const rssStart = await api.child.rss()
    // A warm-up run, not counted: the first seconds of a fresh process are slower (JIT).
    await load({
      url,
      clients: CLIENTS,
      until: performance.now() + WARM_UP,
      maxRequests: 2_000_000,
      next,
    })
    const rssAfterWarmUp = await api.child.rss()

    const baseline = await load({
      url,
      clients: CLIENTS,
      until: performance.now() + DURATION,
      maxRequests: 2_000_000,
      next,
    })
    const rssAfterBaseline = await api.child.rss()
    const fetchesBefore = issuer.jwksRequests

    let probe: number | string = 'none'
    let rotatedAt = Number.POSITIVE_INFINITY
    let servedNew = Number.POSITIVE_INFINITY
    const begin = performance.now()
    const rotation = (async () => {
      await new Promise((r) => setTimeout(r, DURATION / 2))
      const forged = await issuer.forgedToken(api.resource)
      probe = statusOf(
        await fetchResult(url, { headers: { authorization: `Bearer ${forged}` }, agent: false }),
      )
      rotatedAt = performance.now()
      await issuer.rotate()
      current = await mint()
    })()
    const rotated = await load({
      url,
      clients: CLIENTS,
      until: begin + DURATION,
      maxRequests: 2_000_000,
      next,
      onShot: (shot) => {
        if (shot.label !== oldKid && shot.outcome === 200) {
          servedNew = Math.min(servedNew, shot.end)
        }
      },
    })
    await rotation
    const rssAfterRotation = await api.child.rss()

    console.log(
      `\n${framework}: ${CLIENTS} keep-alive clients, GET /accounts, ${DURATION} ms per run, JWKS_COOLDOWN_MS=${COOLDOWN_MS}`,
    )
    console.log(`  baseline            ${JSON.stringify(summarise(baseline))}`)
    console.log(`  rotation run        ${JSON.stringify(summarise(rotated, oldKid))}`)
    console.log(
      `  - before rotation   ${JSON.stringify(
        summarise(
          rotated.filter((s) => s.start < rotatedAt),
          oldKid,
        ),
      )}`,
    )
    console.log(
      `  - until refetch     ${JSON.stringify(
        summarise(
          rotated.filter((s) => s.start >= rotatedAt && s.start <= servedNew),
          oldKid,
        ),
      )}`,
    )
    console.log(
      `  - after refetch     ${JSON.stringify(
        summarise(
          rotated.filter((s) => s.start > servedNew),
          oldKid,
        ),
      )}`,
    )
    console.log(
      `  rotation            probe (unknown kid) answered ${probe}; first new-key token served ${(servedNew - rotatedAt).toFixed(0)} ms after the rotation`,
    )
    console.log(
      `  JWK Set requests    ${fetchesBefore} before the rotation run (warm-up), ${issuer.jwksRequests - fetchesBefore} during it (cap ${RATE_CAP} a minute)`,
    )
    console.log(
      `  RSS (MB)            start ${mb(rssStart)}, after warm-up ${mb(rssAfterWarmUp)}, after baseline ${mb(rssAfterBaseline)}, after rotation ${mb(rssAfterRotation)}`,
    )
  } finally {
    await api.child.stop()
    await issuer.close()
  }
}
