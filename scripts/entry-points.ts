/**
 * The published entry points: for every export subpath of every non-private package under
 * packages/, its import specifier (`@stepup/acr/amr`), its package folder and the TypeScript
 * source behind it (the `@stepup/source` condition of its `exports` map).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface EntryPoint {
  readonly dir: string
  readonly specifier: string
  readonly file: string
}

export function entryPoints(root: string): EntryPoint[] {
  const entries: EntryPoint[] = []
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const manifestPath = join(root, 'packages', dir, 'package.json')
    if (!existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string
      private?: boolean
      exports?: Record<string, string | Record<string, string>>
    }
    if (manifest.private) continue
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const source = typeof target === 'object' ? target['@stepup/source'] : undefined
      if (source)
        entries.push({
          dir,
          specifier: manifest.name + subpath.slice(1),
          file: join(root, 'packages', dir, source),
        })
    }
  }
  return entries
}
