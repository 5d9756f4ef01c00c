/**
 * Lists the public surface: for every export subpath of every published package under packages/
 * (read from its `exports` map, through the `@stepup/source` condition), the names it exports,
 * split into values (anything that exists at run time: functions, classes, constants) and types
 * (interfaces and type aliases only), then the totals.
 *
 * It also checks that each package README lists its surface: every exported name must appear in
 * backticks in the README's `## API` or `## Exports` section. A missing name fails the run.
 *
 *   pnpm docs:surface [--names]
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { entryPoints } from './entry-points.ts'

const root = resolve(import.meta.dirname, '..')
const showNames = process.argv.includes('--names')
const entries = entryPoints(root)

const program = ts.createProgram(
  entries.map((entry) => entry.file),
  {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    customConditions: ['@stepup/source'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
)
const checker = program.getTypeChecker()

/** The API / Exports section of a README: from its heading to the next `## ` heading. */
const listedIn = (readme: string): string => {
  const start = readme.search(/^## (API|Exports)\s*$/m)
  if (start === -1) return ''
  const rest = readme.slice(start + 3)
  const end = rest.search(/^## /m)
  return end === -1 ? rest : rest.slice(0, end)
}

let values = 0
let types = 0
const unlisted: string[] = []
for (const entry of entries) {
  const source = program.getSourceFile(entry.file)
  const module = source && checker.getSymbolAtLocation(source)
  if (!module) throw new Error(`cannot read ${entry.file}`)
  const names = { values: [] as string[], types: [] as string[] }
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    ;(target.flags & ts.SymbolFlags.Value ? names.values : names.types).push(symbol.name)
  }
  values += names.values.length
  types += names.types.length
  console.log(`${entry.specifier}: ${names.values.length} values, ${names.types.length} types`)
  if (showNames) {
    console.log(`  values: ${names.values.sort().join(' ')}`)
    console.log(`  types:  ${names.types.sort().join(' ')}`)
  }
  const readme = join(root, 'packages', entry.dir, 'README.md')
  const section = existsSync(readme) ? listedIn(readFileSync(readme, 'utf8')) : ''
  for (const name of [...names.values, ...names.types]) {
    const listed =
      name === 'default' || new RegExp('`[^`\\n]*\\b' + name + '\\b[^`\\n]*`').test(section)
    if (!listed) unlisted.push(`${entry.specifier}: ${name}`)
  }
}
console.log(`${entries.length} entry points, ${values} values, ${types} types`)
if (unlisted.length > 0) {
  console.error(
    `\nNot listed in the package README's "## API" or "## Exports" section:\n  ${unlisted.join('\n  ')}`,
  )
  process.exit(1)
}
