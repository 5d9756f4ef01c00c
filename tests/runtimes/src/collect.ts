/**
 * Finds the unit test files of the published packages, decides which are portable, and bundles
 * each portable file on its own (so every file gets fresh module instances, as under vitest).
 *
 * The rule, applied per file and printed with every run:
 *   1. `*.integration.test.ts` files are excluded: they start servers and run under vitest on Node;
 *      so are files that replace a module with `vi.mock`, which needs vitest's module loader.
 *   2. A file whose bundle still imports a Node built-in (`node:*`) after TypeScript's type-only
 *      imports are erased is node-only and excluded — it runs under vitest on Node — unless the
 *      built-in is imported by a package's own source, which is a portability bug and FAILS.
 *   3. Everything else runs on every runtime; a file that does not bundle FAILS.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Metafile } from 'esbuild'

export const ROOT: string = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const SHIM = join(dirname(fileURLToPath(import.meta.url)), 'shim', 'vitest.ts')

/**
 * Packages whose tests are not run here, and why. Every other package under packages/ is picked
 * up as soon as it has a package.json and test files.
 */
export const EXCLUDED_PACKAGES: Readonly<Record<string, string>> = {
  '@stepup/express': 'an Express adapter: Express runs on Node only',
  '@stepup/fastify': 'a Fastify adapter: Fastify runs on Node only',
  '@stepup/nestjs': 'a NestJS adapter: Nest runs on Node only (on Express or Fastify)',
  '@stepup/effect': 'outside the runtime claim of the core packages (tested under vitest)',
}

export interface Excluded {
  readonly file: string
  readonly reason: string
}

export interface Planned {
  readonly file: string
  readonly pkg: string
  /** Bundle path relative to the output directory, or undefined when the file failed to build. */
  readonly bundle: string | undefined
  /** Why the file fails before it runs (bundling error, package source importing `node:*`). */
  readonly error: string | undefined
}

export interface Plan {
  readonly packages: { name: string; dir: string }[]
  readonly skippedPackages: Excluded[]
  readonly planned: Planned[]
  readonly excluded: Excluded[]
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return []
    const path = join(dir, entry.name)
    return entry.isDirectory() ? walk(path) : [path]
  })
}

const rel = (path: string): string => relative(ROOT, path).split(sep).join('/')

const NODE_BUILTINS = ['node:*', ...builtinModules.flatMap((name) => [name, `${name}/*`])]

/** Which inputs import a Node built-in, from esbuild's metafile. */
function builtinImports(meta: Metafile): { importer: string; builtin: string }[] {
  return Object.entries(meta.inputs).flatMap(([importer, input]) =>
    input.imports
      .filter((i) => i.external && (i.path.startsWith('node:') || builtinModules.includes(i.path)))
      .map((i) => ({ importer: importer.split(sep).join('/'), builtin: i.path })),
  )
}

const isPackageSource = (path: string): boolean =>
  /(^|\/)packages\/[^/]+\/src\//.test(path) && !/\.test\.ts$/.test(path)

export function discover(only: readonly string[]): Omit<Plan, 'planned' | 'excluded'> & {
  files: { file: string; pkg: string }[]
} {
  const packages: { name: string; dir: string }[] = []
  const skippedPackages: Excluded[] = []
  const files: { file: string; pkg: string }[] = []
  const root = join(ROOT, 'packages')
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const manifest = join(root, entry.name, 'package.json')
    if (!entry.isDirectory() || !existsSync(manifest)) continue
    const { name, private: isPrivate } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name: string
      private?: boolean
    }
    const dir = join(root, entry.name)
    if (only.length > 0 && !only.includes(entry.name) && !only.includes(name)) continue
    const reason = isPrivate ? 'private package' : EXCLUDED_PACKAGES[name]
    if (reason) {
      skippedPackages.push({ file: name, reason })
      continue
    }
    packages.push({ name, dir })
    for (const path of [...walk(join(dir, 'src')), ...walk(join(dir, 'test'))].sort())
      if (path.endsWith('.test.ts')) files.push({ file: rel(path), pkg: name })
  }
  // @stepup/internal is bundled into every package, so its shipped code runs wherever they do;
  // its test-only helpers (src/testing) are not shipped.
  const internal = join(ROOT, 'internal', 'options')
  if (only.length === 0 || only.includes('@stepup/internal')) {
    packages.push({ name: '@stepup/internal', dir: internal })
    for (const path of walk(join(internal, 'src')).sort())
      if (path.endsWith('.test.ts') && !path.includes('/src/testing/'))
        files.push({ file: rel(path), pkg: '@stepup/internal' })
  }
  return { packages, skippedPackages, files }
}

/** A test that swaps a module (`vi.mock`): the loader hook it needs is vitest's own. */
const MODULE_MOCK = /\bvi\.(?:mock|doMock)\(/

export async function plan(outDir: string, only: readonly string[]): Promise<Plan> {
  const { packages, skippedPackages, files } = discover(only)
  const excluded: Excluded[] = []
  const candidates = files.filter(({ file }) => {
    if (file.endsWith('.integration.test.ts')) {
      excluded.push({
        file,
        reason: 'integration test (needs a server; runs under vitest on Node)',
      })
      return false
    }
    if (MODULE_MOCK.test(readFileSync(join(ROOT, file), 'utf8'))) {
      excluded.push({ file, reason: 'replaces a module with vi.mock, which only vitest can do' })
      return false
    }
    return true
  })
  const built = await Promise.all(
    candidates.map(async ({ file, pkg }, index): Promise<Planned | Excluded> => {
      const bundle = `files/${index}.js`
      try {
        const result = await build({
          absWorkingDir: ROOT,
          entryPoints: [join(ROOT, file)],
          outfile: join(outDir, bundle),
          bundle: true,
          format: 'esm',
          platform: 'neutral',
          target: 'es2022',
          mainFields: ['module', 'main'],
          conditions: ['@stepup/source'],
          alias: { vitest: SHIM },
          external: NODE_BUILTINS,
          metafile: true,
          sourcemap: false,
          logLevel: 'silent',
          legalComments: 'none',
        })
        const builtins = builtinImports(result.metafile)
        const fromSource = builtins.filter((b) => isPackageSource(b.importer))
        if (fromSource.length > 0) {
          const list = fromSource.map((b) => `${b.importer} imports ${b.builtin}`).join('; ')
          return { file, pkg, bundle: undefined, error: `package source imports Node: ${list}` }
        }
        if (builtins.length > 0) {
          const list = [...new Set(builtins.map((b) => `${b.builtin} (${b.importer})`))].join(', ')
          return { file, reason: `node-only: imports ${list}; runs under vitest on Node` }
        }
        return { file, pkg, bundle, error: undefined }
      } catch (error) {
        const message =
          (
            error as { errors?: { text: string; location?: { file: string; line: number } }[] }
          ).errors
            ?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`)
            .join('\n') ?? String(error)
        return { file, pkg, bundle: undefined, error: `does not bundle: ${message}` }
      }
    }),
  )
  const planned: Planned[] = []
  for (const item of built) {
    if ('reason' in item) excluded.push(item)
    else planned.push(item)
  }
  return { packages, skippedPackages, planned, excluded }
}
