/**
 * Mutation testing of the security-critical modules (StrykerJS with its vitest runner). Runs one
 * Stryker pass per module group, against the test files listed in stryker/<group>.vitest.config.ts,
 * prints each module's mutation score and the mutants that survived, and fails when any module
 * scores below the threshold: Stryker's own `thresholds.break` judges a whole run, this judges
 * every file.
 *
 *   pnpm test:mutation                      every group
 *   pnpm test:mutation client assurance-evaluation   only these groups
 *
 * Reports (json and html) go to reports/mutation/<group>/. Mutants known to be equivalent are
 * listed with their reasons in stryker/equivalent-mutants.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { Stryker } from '@stryker-mutator/core'

/** Lowest acceptable mutation score of a module, in percent. */
const THRESHOLD = 85

interface Group {
  readonly name: string
  /** The package under packages/ whose tests run. */
  readonly pkg: string
  /**
   * Modules to mutate, relative to the package's src/; `file.ts#name` mutates only the exported
   * function `name` of that file.
   */
  readonly modules: readonly string[]
}

const GROUPS: readonly Group[] = [
  {
    name: 'www-authenticate',
    pkg: 'www-authenticate',
    modules: ['parse.ts', 'oauth-challenge.ts'],
  },
  { name: 'client', pkg: 'client', modules: ['step-up-fetch.ts', 'challenge.ts'] },
  {
    name: 'assurance-evaluation',
    pkg: 'assurance',
    modules: ['evaluate.ts', 'merge.ts', 'risk-policy.ts', 'risk-rules.ts'],
  },
  {
    name: 'assurance-guard',
    pkg: 'assurance',
    modules: ['http.ts', 'request-input.ts', 'extract.ts'],
  },
  {
    name: 'assurance-jwt',
    pkg: 'assurance',
    modules: ['jwt-verifier.ts', 'claims.ts#checkConfirmation'],
  },
  { name: 'assurance-introspection', pkg: 'assurance', modules: ['introspection-verifier.ts'] },
  { name: 'assurance-dpop', pkg: 'assurance', modules: ['dpop.ts'] },
]

type MutantResult = Awaited<ReturnType<Stryker['runMutationTest']>>[number]
type Options = ConstructorParameters<typeof Stryker>[0]

interface Score {
  readonly file: string
  readonly killed: number
  readonly timeout: number
  readonly survived: number
  readonly noCoverage: number
  readonly invalid: number
  readonly ignored: number
  /** Detected over valid mutants, in percent; `undefined` when the file had no valid mutant. */
  readonly score: number | undefined
}

const root = resolve(import.meta.dirname, '..')

/** The file of a module entry, from the root. */
const fileOf = (group: Group, module: string): string =>
  `packages/${group.pkg}/src/${module.split('#')[0]}`

/**
 * Stryker's mutate pattern for a module entry: the file, or for `file.ts#name` the lines of
 * `export function name` through its closing brace at the start of a line.
 */
function mutatePattern(group: Group, module: string): string {
  const file = fileOf(group, module)
  const name = module.split('#')[1]
  if (name === undefined) return file
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const start = lines.findIndex((l) => new RegExp(`^export (async )?function ${name}\\b`).test(l))
  const end = lines.findIndex((l, i) => i > start && l === '}')
  if (start === -1 || end === -1) throw new Error(`${file}: no exported function ${name}`)
  return `${file}:${start + 1}:1-${end + 1}:2`
}

function options(group: Group): Options {
  return {
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    vitest: { configFile: `stryker/${group.name}.vitest.config.ts` },
    coverageAnalysis: 'perTest',
    concurrency: 2,
    mutate: group.modules.map((module) => mutatePattern(group, module)),
    // The sandbox holds what the tests need: the packages, the shared configs, the docs some
    // tests read and the root manifest; node_modules folders are linked, not copied.
    ignorePatterns: [
      '/*',
      '!/packages',
      '!/internal',
      '!/stryker',
      '!/docs',
      '/docs/api',
      '!/package.json',
      '!/tsconfig*.json',
      '!/vitest.shared.ts',
      '/packages/*/dist',
    ],
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
    reporters: ['progress', 'json', 'html'],
    jsonReporter: { fileName: `reports/mutation/${group.name}/mutation.json` },
    htmlReporter: { fileName: `reports/mutation/${group.name}/index.html` },
    thresholds: { high: 95, low: THRESHOLD, break: null },
    logLevel: 'warn' as Options['logLevel'],
  }
}

function scores(group: Group, results: readonly MutantResult[]): Score[] {
  return group.modules.map((module) => {
    const file = fileOf(group, module)
    const mine = results.filter((r) => relative(root, resolve(root, r.fileName)) === file)
    const count = (...statuses: string[]): number =>
      mine.filter((r) => statuses.includes(r.status)).length
    const killed = count('Killed')
    const timeout = count('Timeout')
    const survived = count('Survived')
    const noCoverage = count('NoCoverage')
    const valid = killed + timeout + survived + noCoverage
    return {
      file: module.includes('#') ? `${file}#${module.split('#')[1]}` : file,
      killed,
      timeout,
      survived,
      noCoverage,
      invalid: count('CompileError', 'RuntimeError'),
      ignored: count('Ignored'),
      score: valid === 0 ? undefined : ((killed + timeout) / valid) * 100,
    }
  })
}

function describe(r: MutantResult): string {
  const { line, column } = r.location.start // both 1-based
  const replacement = (r.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80)
  return `${relative(root, resolve(root, r.fileName))}:${line}:${column} ${r.status} ${r.mutatorName} → ${replacement}`
}

const pad = (value: string | number, width: number): string => String(value).padStart(width)

function table(rows: readonly Score[]): string {
  const width = Math.max(...rows.map((r) => r.file.length))
  const head = `${'module'.padEnd(width)}  score  killed timeout survived no-cov invalid ignored`
  const lines = rows.map(
    (r) =>
      `${r.file.padEnd(width)} ${pad(r.score === undefined ? 'n/a' : `${r.score.toFixed(1)}%`, 6)} ${pad(r.killed, 7)} ${pad(r.timeout, 7)} ${pad(r.survived, 8)} ${pad(r.noCoverage, 6)} ${pad(r.invalid, 7)} ${pad(r.ignored, 7)}${r.score === undefined || r.score < THRESHOLD ? '  below threshold' : ''}`,
  )
  return [head, ...lines].join('\n')
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((arg) => arg !== '--')
  const unknown = wanted.filter((name) => !GROUPS.some((g) => g.name === name))
  if (unknown.length > 0) {
    console.error(
      `unknown group ${unknown.map((n) => `"${n}"`).join(', ')}; groups: ${GROUPS.map((g) => g.name).join(', ')}`,
    )
    return 2
  }
  const groups = wanted.length > 0 ? GROUPS.filter((g) => wanted.includes(g.name)) : GROUPS
  const started = Date.now()
  const all: Score[] = []
  for (const group of groups) {
    const groupStarted = Date.now()
    console.log(`\n▶ ${group.name}: ${group.modules.join(', ')}`)
    let results: MutantResult[]
    try {
      results = await new Stryker(options(group)).runMutationTest()
    } catch (error) {
      // A run that cannot start (a failing initial test run, a broken config) scores nothing.
      console.error(`${group.name} did not run: ${(error as Error).message}`)
      results = []
    }
    const rows = scores(group, results)
    all.push(...rows)
    const survivors = results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage')
    const dir = join(root, 'reports/mutation', group.name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'survivors.txt'), survivors.map(describe).join('\n') + '\n')
    console.log(`\n${table(rows)}`)
    if (survivors.length > 0) console.log(`\nsurvivors:\n${survivors.map(describe).join('\n')}`)
    console.log(`\n${group.name} took ${((Date.now() - groupStarted) / 60000).toFixed(1)} min`)
  }
  console.log(`\nMutation scores (threshold ${THRESHOLD}%):\n${table(all)}`)
  console.log(`\ntotal ${((Date.now() - started) / 60000).toFixed(1)} min`)
  const failing = all.filter((r) => r.score === undefined || r.score < THRESHOLD)
  if (failing.length > 0) {
    console.error(
      `\n${failing.length} module(s) below ${THRESHOLD}%: ${failing.map((r) => r.file).join(', ')}`,
    )
    return 1
  }
  return 0
}

process.exitCode = await main()
