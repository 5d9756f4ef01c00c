import { fileURLToPath } from 'node:url'
import { project } from '../vitest.shared.ts'

/**
 * The vitest config of one package's mutation run: its unit and behaviour tests, rooted at the
 * package, resolving workspace packages to their source like the main configs do. `exclude` names
 * test files that spawn processes or read build output and never reach the mutated modules.
 */
export function packageProject(
  pkg: string,
  exclude: readonly string[] = [],
): ReturnType<typeof project> {
  return project(`mutation:${pkg}`, {
    root: fileURLToPath(new URL(`../packages/${pkg}`, import.meta.url)),
    exclude: ['**/node_modules/**', ...exclude],
  })
}
