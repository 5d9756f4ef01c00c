/**
 * What the vitest shim (bundled into every test file) and the engine (bundled into the runner)
 * share. Each test file is its own bundle with its own module instances, as under vitest; they
 * meet only through this registry on `globalThis`.
 */
export const REGISTRY = Symbol.for('stepup.runtimes.registry')

export type Callback = (context: TestContext) => unknown

export interface TestContext {
  readonly task: { readonly name: string }
  readonly signal: AbortSignal
  onTestFinished(fn: () => unknown): void
}

export interface TestNode {
  readonly kind: 'test'
  readonly name: string
  readonly fn: Callback
  readonly timeout: number | undefined
}

export interface SuiteNode {
  readonly kind: 'suite'
  readonly name: string
  readonly children: (TestNode | SuiteNode)[]
  readonly beforeAll: Callback[]
  readonly afterAll: Callback[]
  readonly beforeEach: Callback[]
  readonly afterEach: Callback[]
}

export interface Registry {
  current: SuiteNode
}

export function suite(name: string): SuiteNode {
  return {
    kind: 'suite',
    name,
    children: [],
    beforeAll: [],
    afterAll: [],
    beforeEach: [],
    afterEach: [],
  }
}

export interface Failure {
  readonly test: string
  readonly error: string
}

export interface FileResult {
  readonly file: string
  readonly passed: number
  readonly failed: number
  readonly failures: Failure[]
  readonly ms: number
}

export interface RunResult {
  readonly runtime: string
  readonly files: FileResult[]
}
