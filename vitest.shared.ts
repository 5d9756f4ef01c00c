import { defineProject } from 'vitest/config'

/** Resolve workspace packages to their TypeScript source, so tests need no build. */
const conditions = ['@stepup/source', 'module', 'node', 'development|production']

export function project(
  name: string,
  test: Record<string, unknown> = {},
): ReturnType<typeof defineProject> {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@stepup/source'] } },
    test: { name, include: ['src/**/*.test.ts', 'test/**/*.test.ts'], ...test },
  })
}
