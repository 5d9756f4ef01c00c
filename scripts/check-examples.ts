/**
 * Typechecks every ```ts block under an `@example` tag in packages/<pkg>/src/** (TSDoc), against
 * the packages' TypeScript source (`@stepup/source` condition, no build needed).
 *
 * Each block becomes a module of its own, its statements wrapped in an async generator function
 * (so a block may `await`, `return` from a handler body or `yield*` inside `Effect.gen`); its
 * `import` lines stay at the top. Names the block uses but neither imports nor declares are
 * imported from the package that owns the comment (its entry points, main first), as a reader
 * of that page would. `examples-prelude.d.ts` types the values examples take as given
 * (`request`, `token`). Any other free name (an `app`, a `verifier` built elsewhere) is declared
 * `any` in a second pass and listed (`export` modifiers are dropped inside the wrapper); `--strict` makes free names errors too. Errors are reported
 * at the line of the comment they come from.
 *
 *   pnpm docs:check-examples [--strict]
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const started = Date.now()
const strict = process.argv.includes('--strict')

interface Entry {
  readonly specifier: string
  readonly file: string
  readonly names: Set<string>
}

interface Example {
  readonly pkg: string
  readonly source: string
  readonly line: number
  readonly code: string
  readonly file: string
  readonly text: (free: string) => string
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  )
}

/** Names a module exports, read from its `export` statements (following `export … from`). */
function exportedNames(file: string, seen = new Set<string>()): Set<string> {
  const names = new Set<string>()
  if (seen.has(file) || !existsSync(file)) return names
  seen.add(file)
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g))
    for (const part of (m[1] ?? '').split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        ?.trim()
      if (name) names.add(name)
    }
  for (const m of text.matchAll(
    /export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/g,
  ))
    if (m[1]) names.add(m[1])
  for (const m of text.matchAll(/export\s+\*\s+from\s+'([^']+)'/g)) {
    const target = resolve(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts'))
    for (const name of exportedNames(target, seen)) names.add(name)
  }
  return names
}

/** ```ts blocks inside `@example` sections of the doc comments of one file. */
function examplesIn(file: string): { line: number; code: string }[] {
  const text = readFileSync(file, 'utf8')
  const found: { line: number; code: string }[] = []
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const startLine = text.slice(0, comment.index).split('\n').length
    const lines = comment[0].split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, ''))
    let inExample = false
    let block: string[] | undefined
    let blockLine = 0
    lines.forEach((line, i) => {
      if (block) {
        if (/^\s*```/.test(line)) {
          found.push({ line: blockLine, code: block.join('\n') })
          block = undefined
        } else block.push(line)
        return
      }
      if (/^\s*@example\b/.test(line)) inExample = true
      else if (/^\s*@\w+/.test(line)) inExample = false
      if (inExample && /^\s*```(ts|typescript)\s*$/.test(line)) {
        block = []
        blockLine = startLine + i + 1
      }
    })
  }
  return found
}

const out = join(root, 'node_modules', '.cache', 'stepup-examples')
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const paths: Record<string, string[]> = {}
const examples: Example[] = []
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir)
  if (!existsSync(join(pkgDir, 'package.json'))) continue
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    name: string
    exports?: Record<string, string | Record<string, string>>
  }
  const entries: Entry[] = []
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const source = typeof target === 'object' ? target['@stepup/source'] : undefined
    if (!source) continue
    const file = join(pkgDir, source)
    const specifier = manifest.name + subpath.slice(1)
    paths[specifier] = [file]
    entries.push({ specifier, file, names: exportedNames(file) })
  }
  // Examples live next to the package's dependencies, so their imports resolve as the package's do.
  const pkgOut = join(pkgDir, 'node_modules', '.cache', 'stepup-examples')
  rmSync(pkgOut, { recursive: true, force: true })
  for (const source of walk(join(pkgDir, 'src')).sort()) {
    if (!source.endsWith('.ts') || source.endsWith('.test.ts')) continue
    for (const { line, code } of examplesIn(source)) {
      const declared = new Set<string>()
      for (const m of code.matchAll(
        /(?:import\s+(?:type\s+)?\{([^}]*)\}|import\s+(?:type\s+)?\*\s+as\s+(\w+)|import\s+(\w+)\s+from)/g,
      ))
        for (const part of `${m[1] ?? ''},${m[2] ?? ''},${m[3] ?? ''}`.split(','))
          declared.add(
            part
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)
              .pop()
              ?.trim() ?? '',
          )
      for (const m of code.matchAll(
        /(?:const|let|var|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g,
      ))
        declared.add(m[1] ?? '')
      const used = new Set(
        code.replace(/'[^'\n]*'|"[^"\n]*"|`[^`]*`|\/\/.*$/gm, '').match(/[A-Za-z_$][\w$]*/g),
      )
      const imports = new Map<string, string[]>()
      for (const name of used) {
        if (declared.has(name)) continue
        const entry = entries.find((e) => e.names.has(name))
        if (entry) imports.set(entry.specifier, [...(imports.get(entry.specifier) ?? []), name])
      }
      const header = [...imports]
        .map(([specifier, names]) => `import { ${names.join(', ')} } from '${specifier}'`)
        .join('; ')
      const rel = relative(pkgDir, source).replace(/[/.]/g, '_')
      const file = join(pkgOut, `${rel}_L${line}.ts`)
      mkdirSync(dirname(file), { recursive: true })
      // Import lines keep their place (blanked inside the body), so example line n is file line
      // n + 1 whatever is added to the first line.
      const lines = code.split('\n')
      const importLines = lines.filter((l) => /^\s*import\s/.test(l))
      const body = lines
        .map((l) => (/^\s*import\s/.test(l) ? '' : l.replace(/^(\s*)export\s+(default\s+)?/, '$1')))
        .join('\n')
      const first = `${header}; ${importLines.join('; ')}; export {}; async function* example() {`
      examples.push({
        pkg: manifest.name,
        source: relative(root, source),
        line,
        code,
        file,
        text: (free: string) => `${first}${free}\n${body}\n}\nvoid example\n`,
      })
    }
  }
  if (existsSync(pkgOut))
    writeFileSync(join(pkgOut, 'package.json'), JSON.stringify({ type: 'module' }))
}

writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: {
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
        isolatedDeclarations: false,
        declaration: false,
        verbatimModuleSyntax: false,
        noUnusedLocals: false,
        noImplicitReturns: false,
        // Callbacks handed to a free (`any`) name have no contextual type; --strict keeps this on.
        noImplicitAny: strict,
        paths,
      },
      files: [join(root, 'scripts', 'examples-prelude.d.ts'), ...examples.map((e) => e.file)],
    },
    null,
    2,
  ),
)

function typecheck(
  free: Map<string, Set<string>>,
): { file: string; line: number; message: string }[] {
  for (const e of examples) {
    const names = [...(free.get(e.file) ?? [])]
    writeFileSync(e.file, e.text(names.map((n) => ` const ${n}: any = undefined;`).join('')))
  }
  let output = ''
  try {
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(out, 'tsconfig.json'),
        '--pretty',
        'false',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    )
  } catch (error) {
    output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`
  }
  return output
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const m = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(l)
      return m
        ? { file: resolve(m[1] ?? ''), line: Number(m[2]), message: m[4] ?? '' }
        : { file: '', line: 0, message: l }
    })
}

const FREE =
  /^error TS(?:2304|18004|2552): (?:Cannot find name|No value exists in scope for the shorthand property) '([^']+)'/
let errors = typecheck(new Map())
const free = new Map<string, Set<string>>()
if (!strict) {
  for (const e of errors) {
    const name = FREE.exec(e.message)?.[1]
    if (name && e.file) free.set(e.file, new Set([...(free.get(e.file) ?? []), name]))
  }
  if (free.size > 0) errors = typecheck(free)
}

const byFile = new Map(examples.map((e) => [e.file, e]))
const problems = errors.map((e) => {
  const example = byFile.get(e.file)
  return example ? `${example.source}:${example.line + e.line - 2}: ${e.message}` : e.message
})
const packages = new Set(examples.map((e) => e.pkg))
const freeCount = [...free.values()].reduce((n, s) => n + s.size, 0)
if (free.size > 0)
  console.log(
    `${freeCount} free names in ${free.size} examples taken as given (\`any\`); --strict lists them:\n` +
      [...free]
        .map(([file, names]) => {
          const e = byFile.get(file)
          return `  ${e ? `${e.source}:${e.line}` : file}: ${[...names].join(', ')}`
        })
        .join('\n'),
  )
if (problems.length > 0) {
  console.error(
    `${problems.length} problem(s) in ${examples.length} examples:\n${problems.join('\n')}`,
  )
  process.exitCode = 1
} else {
  console.log(
    `✓ ${examples.length} @example blocks in ${packages.size} packages typecheck (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  )
}
