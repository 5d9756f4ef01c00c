/**
 * Runs the tests that bundled test files register through the vitest shim, with vitest's
 * semantics for the parts the suites use: hooks per suite (`beforeAll`/`afterAll` once,
 * `beforeEach` parent first, `afterEach` child first, cleanup functions returned from hooks),
 * a failed `beforeAll` failing every test below it, a timeout per test, and a fresh registry
 * per file. Web-standard only: it runs unchanged on Node, Bun, Deno and workerd.
 */
import {
  type Callback,
  type Failure,
  type FileResult,
  REGISTRY,
  type Registry,
  type SuiteNode,
  suite,
  type TestContext,
} from './protocol.ts'

const DEFAULT_TIMEOUT = 15_000

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const lines = (error.stack ?? `${error.name}: ${error.message}`).split('\n')
    const head = lines.findIndex((line) => /^\s+at /.test(line))
    const message = head === -1 ? lines : lines.slice(0, head)
    const frames = head === -1 ? [] : lines.slice(head, head + 3)
    const cause = error.cause === undefined ? '' : `\ncause: ${describeError(error.cause)}`
    return [...message, ...frames].join('\n') + cause
  }
  return String(error)
}

async function withTimeout(work: () => unknown, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
  })
  try {
    await Promise.race([Promise.resolve().then(work), timeout])
  } finally {
    clearTimeout(timer)
  }
}

function context(name: string, finished: (() => unknown)[]): TestContext {
  return {
    task: { name },
    signal: new AbortController().signal,
    onTestFinished: (fn) => {
      finished.push(fn)
    },
  }
}

async function runHook(
  hook: Callback,
  ctx: TestContext,
  cleanups: unknown[],
  what: string,
): Promise<void> {
  await withTimeout(
    async () => {
      const returned = await hook(ctx)
      if (typeof returned === 'function') cleanups.push(returned)
    },
    DEFAULT_TIMEOUT,
    what,
  )
}

async function runCleanups(cleanups: unknown[]): Promise<void> {
  for (const cleanup of cleanups.reverse()) await (cleanup as () => unknown)()
}

function countTests(node: SuiteNode): string[] {
  return node.children.flatMap((child) =>
    child.kind === 'test' ? [child.name] : countTests(child).map((n) => `${child.name} > ${n}`),
  )
}

async function runSuite(
  node: SuiteNode,
  path: string[],
  ancestors: SuiteNode[],
  failures: Failure[],
  tally: { passed: number },
): Promise<void> {
  const chain = [...ancestors, node]
  const prefix = (name: string) => [...path, name].filter(Boolean).join(' > ')
  const suiteCleanups: unknown[] = []
  const suiteCtx = context(path.join(' > '), [])
  try {
    for (const hook of node.beforeAll) await runHook(hook, suiteCtx, suiteCleanups, 'beforeAll')
  } catch (error) {
    for (const name of countTests(node))
      failures.push({ test: prefix(name), error: `beforeAll failed: ${describeError(error)}` })
    await runCleanups(suiteCleanups).catch(() => undefined)
    return
  }
  for (const child of node.children) {
    if (child.kind === 'suite') {
      await runSuite(child, [...path, child.name], chain, failures, tally)
      continue
    }
    const finished: (() => unknown)[] = []
    const ctx = context(child.name, finished)
    const cleanups: unknown[] = []
    let failure: unknown
    let failed = false
    try {
      for (const suiteNode of chain)
        for (const hook of suiteNode.beforeEach) await runHook(hook, ctx, cleanups, 'beforeEach')
      await withTimeout(() => child.fn(ctx), child.timeout ?? DEFAULT_TIMEOUT, 'test')
    } catch (error) {
      failed = true
      failure = error
    }
    try {
      await runCleanups(cleanups)
      for (const suiteNode of [...chain].reverse())
        for (const hook of [...suiteNode.afterEach].reverse()) await hook(ctx)
      for (const fn of finished.reverse()) await fn()
    } catch (error) {
      if (!failed) failure = error
      failed = true
    }
    if (failed) failures.push({ test: prefix(child.name), error: describeError(failure) })
    else tally.passed++
  }
  try {
    for (const hook of [...node.afterAll].reverse()) await hook(suiteCtx)
    await runCleanups(suiteCleanups)
  } catch (error) {
    failures.push({ test: prefix('afterAll'), error: describeError(error) })
  }
}

/** Loads one bundled test file (registering its tests) and runs what it registered. */
export async function runFile(file: string, load: () => Promise<unknown>): Promise<FileResult> {
  const started = Date.now()
  const root = suite('')
  const registry: Registry = { current: root }
  ;(globalThis as Record<symbol, unknown>)[REGISTRY] = registry
  const failures: Failure[] = []
  const tally = { passed: 0 }
  try {
    await load()
  } catch (error) {
    failures.push({ test: '(loading the file)', error: describeError(error) })
  }
  if (failures.length === 0) {
    if (root.children.length === 0)
      failures.push({ test: '(file)', error: 'the file registered no tests' })
    else await runSuite(root, [], [], failures, tally)
  }
  delete (globalThis as Record<symbol, unknown>)[REGISTRY]
  return {
    file,
    passed: tally.passed,
    failed: failures.length,
    failures,
    ms: Date.now() - started,
  }
}
