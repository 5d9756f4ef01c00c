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
