import { fileURLToPath } from 'node:url'
import type { Vitest } from 'vitest/node'
import type { Reporter } from 'vitest/reporters'
import { project } from '../vitest.shared.ts'

type File = ReturnType<Vitest['state']['getFiles']>[number]
type Test = Extract<File['tasks'][number], { type: 'test' }>

/**
 * Makes a test file that fails to load count as a failed test. StrykerJS 9's vitest runner reads
 * only the tests of each file, so a mutant that breaks a test file's imports or its top-level
 * fixtures (a guard built at module scope that now throws) leaves no failed test behind and is
 * reported as survived. StrykerJS 10 counts such files as failures, but needs Node 22; this adds,
 * to every file that failed with errors of its own, one failed test carrying those errors.
 */
class LoadFailures implements Reporter {
  #vitest: Vitest | undefined

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  onTestRunEnd(): void {
    for (const file of this.#vitest?.state.getFiles() ?? []) {
      const errors = file.result?.errors ?? []
      if (file.result?.state !== 'fail' || errors.length === 0) continue
      const failed = {
        type: 'test',
        id: `${file.id}_load`,
        name: 'the test file loads',
        fullName: `${file.name} the test file loads`,
        mode: 'run',
        file,
        suite: file,
        result: { state: 'fail', errors },
        meta: {},
        annotations: [],
        artifacts: [],
        timeout: 0,
        context: {},
      } as unknown as Test
      file.tasks.push(failed)
    }
  }
}

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
    // Stryker's workers need no output: by hand, run `vitest run --config <file> --reporter=default`.
    reporters: [new LoadFailures()],
  })
}
