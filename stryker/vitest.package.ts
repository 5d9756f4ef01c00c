import { fileURLToPath } from 'node:url'
import { project } from '../vitest.shared.ts'

/**
 * The vitest config of one mutation group: the test files of one package that exercise the
 * group's modules, rooted at the package, resolving workspace packages to their source like the
 * main configs do. Every mutant that runs in module scope (or in a test file's top level) runs
 * all of these files, so the list stays to the tests that reach the mutated modules.
 */
export function packageProject(
  pkg: string,
  include: readonly string[],
): ReturnType<typeof project> {
  return project(`mutation:${pkg}`, {
    root: fileURLToPath(new URL(`../packages/${pkg}`, import.meta.url)),
    include,
  })
}
