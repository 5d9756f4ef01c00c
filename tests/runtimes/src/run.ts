/**
 * Runs the unit tests of the core packages on Node (this one and 22), Bun, Deno and workerd.
 *
 *   pnpm test:runtimes                         every runtime, every package
 *   pnpm test:runtimes --runtime=deno,workerd  some runtimes
 *   pnpm test:runtimes --package=acr           some packages (directory or package name)
 *
 * Prints, per runtime, the files that ran (with counts), the files excluded and why, every
 * failure, and `N passed, N failed`; exits non-zero when anything failed or could not run.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { EXCLUDED_PACKAGES, type Plan, plan, ROOT } from './collect.ts'
import type { FileResult, RunResult } from './protocol.ts'
import { MARK, RUNTIMES, type Runtime } from './runtimes.ts'

const started = Date.now()
const args = process.argv.slice(2)
const option = (name: string): string[] =>
  args
    .filter((a) => a.startsWith(`--${name}=`))
    .flatMap((a) => a.slice(name.length + 3).split(','))
    .filter(Boolean)
const onlyRuntimes = option('runtime')
const onlyPackages = option('package')

const outDir = join(ROOT, 'tests', 'runtimes', 'test-output')
rmSync(outDir, { recursive: true, force: true })
mkdirSync(join(outDir, 'files'), { recursive: true })

const seen = new Set<string>()
const runtimes = RUNTIMES.filter((r) => {
  if (seen.has(r.name)) return false
  seen.add(r.name)
  return onlyRuntimes.length === 0 || onlyRuntimes.some((o) => r.name.startsWith(o))
})

const thePlan: Plan = await plan(outDir, onlyPackages)
const runnable = thePlan.planned.filter((p) => p.bundle !== undefined)

await build({
  entryPoints: [join(ROOT, 'tests', 'runtimes', 'src', 'engine.ts')],
  outfile: join(outDir, 'engine.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  logLevel: 'silent',
})
const files = runnable.map((p) => ({ file: p.file, bundle: p.bundle }))
writeFileSync(join(outDir, 'manifest.json'), JSON.stringify({ files }, null, 2))
const loop = `const files = ${JSON.stringify(files)}
async function runAll(runtime) {
  const results = []
  for (const { file, bundle } of files) results.push(await runFile(file, () => import('./' + bundle)))
  return { runtime, files: results }
}`
const detect = `globalThis.Bun ? 'bun ' + Bun.version
  : globalThis.Deno ? 'deno ' + Deno.version.deno
  : globalThis.process?.versions?.node ? 'node ' + process.versions.node
  : navigator.userAgent`
writeFileSync(
  join(outDir, 'main.mjs'),
  `import { runFile } from './engine.js'
${loop}
const result = await runAll(${detect})
console.log(${JSON.stringify(MARK)} + JSON.stringify(result))
`,
)
writeFileSync(
  join(outDir, 'worker.mjs'),
  `import { runFile } from './engine.js'
${loop}
export default {
  async fetch() {
    return Response.json(await runAll(navigator.userAgent))
  },
}
`,
)

const preFailures: FileResult[] = thePlan.planned
  .filter((p) => p.error !== undefined)
  .map((p) => ({
    file: p.file,
    passed: 0,
    failed: 1,
    failures: [{ test: '(file)', error: p.error ?? '' }],
    ms: 0,
  }))

const indent = (text: string, by = '      '): string =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n')

interface Outcome {
  runtime: Runtime
  result: RunResult | undefined
  error: string | undefined
  ms: number
}

async function runOne(runtime: Runtime): Promise<Outcome> {
  const t0 = Date.now()
  if (typeof runtime.binary !== 'string')
    return { runtime, result: undefined, error: runtime.binary.missing, ms: 0 }
  try {
    const result = await runtime.run(outDir, runtime.binary)
    return { runtime, result, error: undefined, ms: Date.now() - t0 }
  } catch (error) {
    return { runtime, result: undefined, error: String(error), ms: Date.now() - t0 }
  }
}

/** Two at a time: one per core of the CI machine. */
async function runAllRuntimes(list: readonly Runtime[], concurrency = 2): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(list.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, list.length) }, async () => {
      while (next < list.length) {
        const index = next++
        const runtime = list[index]
        if (runtime) outcomes[index] = await runOne(runtime)
      }
    }),
  )
  return outcomes
}

console.log(
  `Runtime tests: ${thePlan.packages.map((p) => p.name).join(', ') || '(no packages)'}\n` +
    `${runnable.length} portable files bundled in ${Date.now() - started} ms; ` +
    `running on ${runtimes.map((r) => r.name).join(', ')}\n`,
)

const outcomes = await runAllRuntimes(runtimes)
let anyFailure = false
const summary: string[] = []
for (const { runtime, result, error, ms } of outcomes) {
  const files = [...preFailures, ...(result?.files ?? [])]
  const passed = files.reduce((n, f) => n + f.passed, 0)
  const failed = files.reduce((n, f) => n + f.failed, 0) + (error ? 1 : 0)
  if (failed > 0) anyFailure = true
  const label = result ? `${runtime.name} (${result.runtime})` : runtime.name
  console.log(`── ${label} ${'─'.repeat(Math.max(4, 72 - label.length))}`)
  if (error) console.log(`  ✗ could not run: ${error}`)
  console.log('  ran:')
  for (const f of files)
    console.log(
      `    ${f.failed === 0 ? '✓' : '✗'} ${f.file}  ${f.passed} passed${f.failed ? `, ${f.failed} failed` : ''}`,
    )
  console.log('  excluded:')
  for (const p of thePlan.skippedPackages) console.log(`    - ${p.file}: ${p.reason}`)
  for (const e of thePlan.excluded) console.log(`    - ${e.file}: ${e.reason}`)
  for (const f of files)
    for (const failure of f.failures) {
      console.log(`  FAIL ${f.file} › ${failure.test}`)
      console.log(indent(failure.error))
    }
  const line = `${runtime.name}: ${passed} passed, ${failed} failed (${(ms / 1000).toFixed(1)} s)`
  console.log(`  ${line}\n`)
  summary.push(line)
}
console.log(summary.join('\n'))
console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`)
if (Object.keys(EXCLUDED_PACKAGES).length > 0 && thePlan.packages.length === 0) anyFailure = true
process.exitCode = anyFailure ? 1 : 0
