import { Bench } from 'tinybench'

export interface BenchCase {
  /** Row label, e.g. `@stepup/www-authenticate` or `oauth4webapi (via WWWAuthenticateChallengeError)`. */
  readonly name: string
  readonly fn: () => unknown
}

export interface CompareOptions {
  /** Name of the case the others are divided by (ratio = ops/s of case ÷ ops/s of baseline). */
  readonly baseline: string
  /** Milliseconds each case runs for. Default 500. */
  readonly time?: number
}

export interface CompareRow {
  readonly name: string
  readonly opsPerSecond: number
  readonly ratio: number
}

/**
 * Run several implementations of the same operation side by side in one process and print a
 * Markdown table of throughput and the ratio to the baseline.
 */
export async function compare(
  title: string,
  cases: readonly BenchCase[],
  options: CompareOptions,
): Promise<CompareRow[]> {
  const bench = new Bench({ time: options.time ?? 500, warmup: true })
  for (const c of cases) bench.add(c.name, c.fn)
  await bench.run()
  const hz = new Map<string, number>()
  for (const task of bench.tasks) {
    const result = task.result
    if (!result || result.error) {
      throw new Error(`benchmark "${task.name}" failed`, { cause: result?.error })
    }
    hz.set(task.name, result.throughput.mean)
  }
  const base = hz.get(options.baseline)
  if (base === undefined) throw new Error(`unknown baseline "${options.baseline}"`)
  const rows = cases.map((c) => {
    const ops = hz.get(c.name) ?? 0
    return { name: c.name, opsPerSecond: ops, ratio: ops / base }
  })
  printTable(title, rows, options.baseline)
  return rows
}

export function printTable(title: string, rows: readonly CompareRow[], baseline: string): void {
  const lines = [
    `\n### ${title}\n`,
    `| implementation | ops/s | × ${baseline} |`,
    '| --- | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.opsPerSecond).toLocaleString('en-US')} | ${r.ratio.toFixed(2)} |`,
    ),
  ]
  console.log(lines.join('\n'))
}

/** Time one call in milliseconds (for linear-time checks in benchmarks, never in tests). */
export function timeOnce(fn: () => unknown): number {
  const start = performance.now()
  fn()
  return performance.now() - start
}

export interface MeasureOptions {
  /** Measured rounds after one warm-up round. Default 9. */
  readonly rounds?: number
  /** Milliseconds each case runs for in each round. Default 150. */
  readonly time?: number
  /**
   * `'wall'` (default) times with `performance.now()`. `'cpu'` counts the CPU time of this
   * process (`process.cpuUsage()`, all its threads, so garbage collection is included): on a
   * machine shared with other work, time spent waiting for a core then does not count.
   */
  readonly clock?: 'cpu' | 'wall'
}

export interface RoundsOptions extends MeasureOptions {
  /**
   * Names of the cases the others are divided by, one ratio column each. A ratio is taken inside
   * each round (both sides measured moments apart) and the table shows the median of those.
   */
  readonly baselines: readonly string[]
}

export interface RoundsRow {
  readonly name: string
  /** Median over the rounds. */
  readonly opsPerSecond: number
  /** Per baseline: the median of the per-round ratios, and their lowest and highest. */
  readonly ratios: ReadonlyMap<string, { median: number; min: number; max: number }>
}

/** The middle value (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

let sink: unknown

/** Milliseconds of CPU time this process has used (all its threads), or of wall time. */
function clock(kind: 'cpu' | 'wall'): number {
  if (kind === 'wall') return performance.now()
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

type Loop = (fn: () => unknown, times: number) => Promise<unknown> | unknown

/**
 * A batch loop of its own for each case: one shared loop would see every case's function at its
 * call site, and the engine would optimise it for whichever case ran first.
 */
function makeLoop(async: boolean): Loop {
  return async
    ? (new Function(
        'fn',
        'times',
        'return (async () => { let r; for (let i = 0; i < times; i++) r = await fn(); return r })()',
      ) as Loop)
    : (new Function(
        'fn',
        'times',
        'let r; for (let i = 0; i < times; i++) r = fn(); return r',
      ) as Loop)
}

interface Runner {
  readonly loop: Loop
  readonly fn: () => unknown
  readonly async: boolean
  batch: number
}

async function runner(fn: () => unknown): Promise<Runner> {
  const first = fn()
  const async = typeof (first as PromiseLike<unknown> | undefined)?.then === 'function'
  if (async) await first
  const loop = makeLoop(async)
  // A batch takes at least two milliseconds, so the clock is read once per batch, not once per
  // call (a clock read costs about as much as parsing a short header).
  let batch = 1
  for (;;) {
    const start = performance.now()
    sink = await loop(fn, batch)
    if (performance.now() - start >= 2) break
    batch *= 2
  }
  return { loop, fn, async, batch }
}

/** Calls the case in batches for about `ms` milliseconds and returns calls per second. */
async function throughput(r: Runner, ms: number, kind: 'cpu' | 'wall'): Promise<number> {
  let calls = 0
  let spent = 0
  while (spent < ms) {
    const start = clock(kind)
    sink = r.async ? await r.loop(r.fn, r.batch) : r.loop(r.fn, r.batch)
    spent += clock(kind) - start
    calls += r.batch
  }
  return (calls / spent) * 1000
}

/**
 * Measures every case once per round, in an order that rotates from round to round, after one
 * warm-up round that is thrown away. Returns each case's calls per second, one entry per round.
 * Interleaving keeps the cases under the same machine load: on a shared machine a case measured
 * alone, minutes after its peer, can move by ±30 %.
 */
export async function measureRounds(
  cases: readonly BenchCase[],
  options: MeasureOptions = {},
): Promise<Map<string, number[]>> {
  const rounds = options.rounds ?? 9
  const time = options.time ?? 150
  const kind = options.clock ?? 'wall'
  const results = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  const runners = new Map<string, Runner>()
  for (const c of cases) runners.set(c.name, await runner(c.fn))
  for (let round = -1; round < rounds; round++) {
    const shift = Math.max(round, 0) % cases.length
    const order = [...cases.slice(shift), ...cases.slice(0, shift)]
    for (const c of round % 2 === 0 ? order : order.reverse()) {
      const hz = await throughput(runners.get(c.name)!, time, kind)
      if (round >= 0) results.get(c.name)!.push(hz)
    }
  }
  void sink
  return results
}

/**
 * Like {@link compare}, but over interleaved rounds (see {@link measureRounds}): prints each
 * case's median calls per second and, for each baseline, the median of the per-round ratios with
 * their range.
 */
export async function compareRounds(
  title: string,
  cases: readonly BenchCase[],
  options: RoundsOptions,
): Promise<RoundsRow[]> {
  for (const b of options.baselines) {
    if (!cases.some((c) => c.name === b)) throw new Error(`unknown baseline "${b}"`)
  }
  const rounds = options.rounds ?? 9
  const hz = await measureRounds(cases, options)
  const rows: RoundsRow[] = cases.map((c) => {
    const own = hz.get(c.name)!
    const ratios = new Map<string, { median: number; min: number; max: number }>()
    for (const b of options.baselines) {
      const base = hz.get(b)!
      const each = own.map((v, i) => v / base[i]!)
      ratios.set(b, { median: median(each), min: Math.min(...each), max: Math.max(...each) })
    }
    return { name: c.name, opsPerSecond: median(own), ratios }
  })
  const lines = [
    `\n### ${title}\n`,
    `Median of ${rounds} interleaved rounds, ${options.time ?? 150} ms of ${options.clock ?? 'wall'} ` +
      'time per case per round; ' +
      'ratios are taken within each round (lowest–highest in brackets).\n',
    `| implementation | ops/s | ${options.baselines.map((b) => `× ${b}`).join(' | ')} |`,
    `| --- | ---: | ${options.baselines.map(() => '---:').join(' | ')} |`,
    ...rows.map((r) => {
      const cells = options.baselines.map((b) => {
        const x = r.ratios.get(b)!
        return b === r.name
          ? '1.00'
          : `${x.median.toFixed(2)} (${x.min.toFixed(2)}–${x.max.toFixed(2)})`
      })
      return `| ${r.name} | ${Math.round(r.opsPerSecond).toLocaleString('en-US')} | ${cells.join(' | ')} |`
    }),
  ]
  console.log(lines.join('\n'))
  return rows
}
