/**
 * Throughput of each framework bare, with a hand-written jose `jwtVerify` hook (the floor), with
 * our adapter (without and with the verified-token cache) and with the peer people use today,
 * all verifying the same ES256 and RS256 RFC 9068 tokens. autocannon on 127.0.0.1; every server
 * runs in its own process; bounded runs; ratios against the floor in one run.
 */
import { execFileSync, fork } from 'node:child_process'
import { availableParallelism } from 'node:os'
import autocannon from 'autocannon'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import type { BenchSetup } from './server.ts'

const DURATION = Number(process.env['BENCH_SECONDS'] ?? 2.5)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const issuer = 'https://as.example.com'
const audience = 'https://api.example.com'
const list = <T extends string>(name: string, all: readonly T[]): readonly T[] =>
  (process.env[name]?.split(',') as T[] | undefined)?.filter((v) => all.includes(v)) ?? all
// BENCH_ALGS, BENCH_FRAMEWORKS and BENCH_VARIANTS (comma-separated) narrow a run; the floor is
// always measured, since every ratio is against it.
const algs = list('BENCH_ALGS', ['ES256', 'RS256'] as const)
const frameworks = list('BENCH_FRAMEWORKS', ['express', 'fastify'] as const)
const ALL_VARIANTS = ['bare', 'floor', 'stepup', 'stepup+cache', 'peer'] as const
const selected = list('BENCH_VARIANTS', ALL_VARIANTS)
const variants = ALL_VARIANTS.filter((v) => v === 'floor' || selected.includes(v))
const peers = { express: 'express-oauth2-jwt-bearer', fastify: '@fastify/jwt' }

async function keys(alg: 'ES256' | 'RS256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid: alg, alg, use: 'sig' }
  // Every RFC 9068 §2.2 claim, which the verifier requires by default.
  const token = await new SignJWT({
    sub: 'alice',
    client_id: 'bench-client',
    acr: 'phr',
    auth_time: Math.floor(Date.now() / 1000),
  })
    .setProtectedHeader({ alg, typ: 'at+jwt', kid: alg })
    .setIssuer(issuer)
    .setAudience(audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey)
  return { jwks: { keys: [jwk] }, pem: await exportSPKI(publicKey), token }
}

/**
 * BENCH_PIN=1 (Linux, two or more cores): the server runs on core 0 and the load generator on
 * core 1, so they never take turns on one core. Off by default: one core also starves the thread
 * pool that WebCrypto (jose, and so the floor and @stepup) verifies signatures on, which favours
 * synchronous verifiers such as @fastify/jwt's.
 */
const PIN =
  process.env['BENCH_PIN'] === '1' &&
  process.platform === 'linux' &&
  availableParallelism() >= 2 &&
  hasTaskset()
function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
if (PIN) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' })

async function measure(setup: BenchSetup, token: string) {
  const child = fork(new URL('./server.ts', import.meta.url), [JSON.stringify(setup)], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  if (PIN && child.pid !== undefined) {
    execFileSync('taskset', ['-apc', '0', String(child.pid)], { stdio: 'ignore' })
  }
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port))
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
    })
    const options = {
      url: `http://127.0.0.1:${port}/`,
      connections: 32,
      duration: DURATION,
      headers: setup.variant === 'bare' ? {} : { authorization: `Bearer ${token}` },
    }
    const cpu = () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => {
          const { user, system } = (m as { cpu: NodeJS.CpuUsage }).cpu
          resolve(user + system)
        })
        child.send('cpu')
      })
    await autocannon({ ...options, duration: 1 })
    const before = await cpu()
    const result = await autocannon(options)
    const used = (await cpu()) - before
    const bad = result.non2xx + result.errors
    if (bad > 0)
      throw new Error(`${setup.framework}/${setup.variant}/${setup.alg}: ${bad} failed requests`)
    // Requests per second of the server's CPU time: what one core would serve, whatever else ran.
    const perCpuSecond = result.requests.total / (used / 1e6)
    return { rps: result.requests.average, p99: result.latency.p99, perCpuSecond }
  } finally {
    child.kill()
  }
}

const rows: string[] = []
for (const alg of algs) {
  const { jwks, pem, token } = await keys(alg)
  for (const framework of frameworks) {
    // Variants are interleaved over several rounds and the median kept: on a small shared machine
    // one run of one variant can be off by tens of percent.
    const samples = new Map<string, { rps: number; p99: number; perCpuSecond: number }[]>()
    for (let round = 0; round < ROUNDS; round++) {
      // The order rotates from round to round, so no variant always runs first or last.
      const order = [
        ...variants.slice(round % variants.length),
        ...variants.slice(0, round % variants.length),
      ]
      for (const variant of order) {
        const r = await measure({ framework, variant, alg, jwks, pem, issuer, audience }, token)
        samples.set(variant, [...(samples.get(variant) ?? []), r])
      }
    }
    const median = (values: readonly number[]) => {
      const sorted = [...values].sort((a, b) => a - b)
      return sorted[Math.floor(sorted.length / 2)]!
    }
    const floorRuns = samples.get('floor')!
    for (const [variant, runs] of samples) {
      // The ratio is taken inside each round (the variant and the floor measured moments apart)
      // and the median of those is shown, with the lowest and highest.
      const ratios = runs.map((r, round) => r.rps / floorRuns[round]!.rps)
      const cpuRatios = runs.map((r, round) => r.perCpuSecond / floorRuns[round]!.perCpuSecond)
      const name =
        variant === 'peer'
          ? peers[framework]
          : variant === 'floor'
            ? 'jose jwtVerify hook (floor)'
            : variant
      const ratio = (values: readonly number[]) =>
        variant === 'floor'
          ? '1.00×'
          : `${median(values).toFixed(2)}× (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`
      rows.push(
        `| ${framework} | ${alg} | ${name} | ${Math.round(median(runs.map((r) => r.rps))).toLocaleString('en-US')} | ${median(runs.map((r) => r.p99))} ms | ${ratio(ratios)} | ${Math.round(median(runs.map((r) => r.perCpuSecond))).toLocaleString('en-US')} | ${ratio(cpuRatios)} |`,
      )
    }
  }
}

console.log(
  `\nautocannon, 32 connections, ${DURATION} s per run, median of ${ROUNDS} interleaved rounds, ${PIN ? 'server on core 0, load on core 1' : 'no core pinning'}, Node ${process.version}\n`,
)
console.log(
  'Ratios: the median of the per-round ratios to the floor, lowest–highest in brackets. Server CPU: process.cpuUsage() of the server process (all its threads, WebCrypto included) over the measured run.\n',
)
console.log(
  '| framework | alg | variant | req/s | p99 | req/s × floor | req per server CPU-second | CPU × floor |',
)
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |')
for (const row of rows) console.log(row)
