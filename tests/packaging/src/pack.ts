/**
 * Packs every published `@stepup/*` package exactly as `pnpm publish` would (workspace ranges
 * rewritten, `files` applied), installs the tarballs with npm into an empty project, and then,
 * from that project:
 *   - checks that every path the `exports` maps point at (all conditions) is in the tarball and
 *     that no `workspace:` range leaked into the published manifest;
 *   - imports every export subpath in Node (no source condition: the built `dist` files);
 *   - typechecks an import of every subpath with tsc (NodeNext), so the `types` entries resolve.
 * A broken `exports` map, a missing file or a missing build fails. Run after `turbo run build`:
 *
 *   pnpm test:pack            (builds first)
 *   node --import tsx tests/packaging/src/pack.ts [--keep]
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const keep = process.argv.includes('--keep')
const started = Date.now()

interface Manifest {
  name: string
  version: string
  private?: boolean
  exports?: Record<string, unknown>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

const read = (path: string): Manifest => JSON.parse(readFileSync(path, 'utf8')) as Manifest

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    })
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string }
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) failed\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    )
  }
}

/** pnpm at the pinned version: the running one when started by pnpm, else through npx. */
function pnpm(args: string[], cwd: string): string {
  const execPath = process.env['npm_execpath']
  if (execPath && /pnpm/.test(execPath)) return run(process.execPath, [execPath, ...args], cwd)
  const { packageManager } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    packageManager: string
  }
  return run('npx', ['-y', packageManager, ...args], cwd)
}

/** Every string leaf of an exports map, with the condition path that leads to it. */
function targets(value: unknown, path: string[] = []): { path: string[]; target: string }[] {
  if (typeof value === 'string') return [{ path, target: value }]
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, v]) => targets(v, [...path, key]))
  return []
}

const packages = readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(ROOT, 'packages', e.name, 'package.json')))
  .map((e) => ({
    dir: join(ROOT, 'packages', e.name),
    manifest: read(join(ROOT, 'packages', e.name, 'package.json')),
  }))
  .filter((p) => !p.manifest.private && p.manifest.name.startsWith('@stepup/'))

const work = mkdtempSync(join(tmpdir(), 'stepup-pack-'))
const problems: string[] = []
const tarballs: string[] = []

try {
  console.log(`Packing ${packages.length} packages into ${work}`)
  for (const { dir, manifest } of packages) {
    if (!existsSync(join(dir, 'dist'))) {
      problems.push(`${manifest.name}: no dist/ (run \`turbo run build\` first)`)
      continue
    }
    const out = pnpm(['pack', '--pack-destination', work, '--json'], dir)
    const info = JSON.parse(out.slice(out.indexOf('{'))) as {
      filename: string
      files: { path: string }[]
    }
    tarballs.push(info.filename)
    console.log(
      `  ${manifest.name}: ${info.files.length} files → ${info.filename.split('/').pop()}`,
    )
  }

  const project = join(work, 'project')
  execFileSync('mkdir', ['-p', project])
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'pack-consumer', private: true, type: 'module' }, null, 2),
  )
  console.log('Installing the tarballs with npm into an empty project')
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs],
    project,
  )

  const imports: { spec: string; name: string }[] = []
  for (const { manifest } of packages) {
    const installedDir = join(project, 'node_modules', ...manifest.name.split('/'))
    if (!existsSync(installedDir)) {
      problems.push(`${manifest.name}: not installed`)
      continue
    }
    const installed = read(join(installedDir, 'package.json'))
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const)
      for (const [dep, range] of Object.entries(installed[field] ?? {}))
        if (range.startsWith('workspace:'))
          problems.push(`${manifest.name}: ${field}.${dep} is "${range}" in the published manifest`)
    if (!installed.exports) {
      problems.push(`${manifest.name}: no exports map`)
      continue
    }
    for (const [subpath, conditions] of Object.entries(installed.exports)) {
      for (const { path, target } of targets(conditions))
        if (!existsSync(join(installedDir, target)))
          problems.push(
            `${manifest.name}: exports["${subpath}"]${path.map((p) => `["${p}"]`).join('')} → ${target} is not in the tarball`,
          )
      if (subpath === './package.json' || subpath.includes('*')) continue
      imports.push({ spec: `${manifest.name}${subpath.slice(1)}`, name: subpath })
    }
  }

  // Import every subpath in a fresh Node process from the consumer project.
  const check = `const specs = ${JSON.stringify(imports.map((i) => i.spec))}
const failed = []
for (const spec of specs) {
  try {
    const mod = await import(spec)
    const names = Object.keys(mod)
    if (names.length === 0) failed.push(spec + ': no exports')
    else console.log('  import ' + spec + ' → ' + names.length + ' exports')
  } catch (error) {
    failed.push(spec + ': ' + (error && error.message))
  }
}
if (failed.length) { console.error(failed.join('\\n')); process.exit(1) }
`
  writeFileSync(join(project, 'check.mjs'), check)
  console.log(`Importing ${imports.length} export subpaths in Node ${process.version}`)
  try {
    process.stdout.write(run(process.execPath, ['check.mjs'], project))
  } catch (error) {
    problems.push(`import failed:\n${(error as Error).message}`)
  }

  // Typecheck the same imports against the published declarations.
  writeFileSync(
    join(project, 'types.ts'),
    imports.map((i, n) => `import * as m${n} from '${i.spec}'\nvoid m${n}\n`).join(''),
  )
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2023', 'DOM'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      files: ['types.ts'],
    }),
  )
  console.log('Typechecking the imports against the published .d.ts files')
  try {
    run(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
      project,
    )
  } catch (error) {
    problems.push(`tsc failed:\n${(error as Error).message}`)
  }
} finally {
  if (keep) console.log(`Kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}

if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  ✗ ${p}`).join('\n')}`)
  process.exitCode = 1
} else {
  console.log(
    `\n✓ ${packages.length} packages packed, installed and imported (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  )
}
