/**
 * A portable stand-in for the `vitest` module, aliased in when test files are bundled for Bun,
 * Deno, workerd and Node. It covers what the unit tests use: the suite API (with `.each`), hooks,
 * `expect` (vitest's own `@vitest/expect` on chai, set up as vitest sets it up) and the parts of
 * `vi` that need no module mocking. Anything else is missing on purpose, so a test that needs it
 * fails loudly instead of passing vacuously.
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  addCustomEqualityTesters,
  ChaiStyleAssertions,
  chai,
  customMatchers,
  getState,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
} from '@vitest/expect'
import {
  clearAllMocks,
  fn,
  isMockFunction,
  type MockInstance,
  resetAllMocks,
  restoreAllMocks,
  spyOn,
} from '@vitest/spy'
import { type Callback, REGISTRY, type Registry, type SuiteNode, suite } from '../protocol.ts'

chai.use(JestExtend)
chai.use(JestChaiExpect)
chai.use(ChaiStyleAssertions)
chai.use(JestAsymmetricMatchers)

type AnyExpect = ((value: unknown, message?: string) => unknown) & Record<string, unknown>

function createExpect(): AnyExpect {
  const expect = ((value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect as never)
    setState({ assertionCalls: assertionCalls + 1 }, expect as never)
    return chai.expect(value, message)
  }) as AnyExpect
  Object.assign(expect, chai.expect)
  Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT])
  setState(
    {
      assertionCalls: 0,
      isExpectingAssertions: false,
      isExpectingAssertionsError: null,
      expectedAssertionsNumber: null,
      expectedAssertionsNumberErrorGen: null,
      currentTestName: '',
    },
    expect as never,
  )
  expect['getState'] = () => getState(expect as never)
  expect['setState'] = (state: object) => setState(state, expect as never)
  expect['assert'] = chai.assert
  expect['extend'] = (matchers: object) =>
    (chai.expect as unknown as { extend: (e: unknown, m: object) => void }).extend(expect, matchers)
  expect['addEqualityTesters'] = addCustomEqualityTesters
  expect['unreachable'] = (message?: string) => {
    chai.assert.fail(`expected${message ? ` "${message}" ` : ' '}not to be reached`)
  }
  ;(expect['extend'] as (m: object) => void)(customMatchers)
  return expect
}

// biome-ignore lint/suspicious/noExplicitAny: the shim stands in for vitest's fully typed `expect`
export const expect: any = createExpect()

function registry(): Registry {
  const found = (globalThis as Record<symbol, Registry | undefined>)[REGISTRY]
  if (!found) throw new Error('vitest shim: test registered outside the runtime runner')
  return found
}

type Options = number | { timeout?: number } | undefined

const timeoutOf = (options: Options): number | undefined =>
  typeof options === 'number' ? options : options?.timeout

function display(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'function') return value.name || '[Function]'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** Titles of `.each` cases: `$path.to.key` from object cases, printf-style `%s`-like slots. */
function title(template: string, item: unknown, index: number): string {
  if (template.includes('$') && item !== null && typeof item === 'object' && !Array.isArray(item)) {
    return template.replace(/\$([\w.]+)/g, (whole, path: string) => {
      let value: unknown = item
      for (const key of path.split('.')) {
        if (value === null || typeof value !== 'object' || !(key in value)) return whole
        value = (value as Record<string, unknown>)[key]
      }
      return display(value)
    })
  }
  const args = Array.isArray(item) ? [...item] : [item]
  return template.replace(/%[sdifjoO#%]/g, (slot) => {
    if (slot === '%%') return '%'
    if (slot === '%#') return String(index)
    return args.length > 0 ? display(args.shift()) : slot
  })
}

function each(
  register: (name: string, fn: Callback, options?: Options) => void,
): (
  cases: readonly unknown[],
) => (name: string, fn: (...args: never[]) => unknown, options?: Options) => void {
  return (cases) => (name, body, options) => {
    cases.forEach((item, index) => {
      const args = Array.isArray(item) ? item : [item]
      register(
        title(name, item, index),
        () => (body as (...a: unknown[]) => unknown)(...args),
        options,
      )
    })
  }
}

function registerTest(name: string, body: Callback | undefined, options?: Options): void {
  if (typeof body !== 'function') throw new Error(`vitest shim: test "${name}" has no function`)
  registry().current.children.push({ kind: 'test', name, fn: body, timeout: timeoutOf(options) })
}

function registerSuite(name: string, body: () => unknown): void {
  const reg = registry()
  const parent = reg.current
  const child: SuiteNode = suite(name)
  parent.children.push(child)
  reg.current = child
  try {
    const returned = body()
    if (returned instanceof Promise) throw new Error(`describe("${name}") must be synchronous`)
  } finally {
    reg.current = parent
  }
}

/**
 * `expectTypeOf` asserts types, which the typecheck verifies; at run time vitest's own is a chain
 * that accepts any call, and so is this one.
 */
// biome-ignore lint/suspicious/noExplicitAny: a chain of any length, as vitest's run-time `expectTypeOf`
const typeChain: any = new Proxy(() => typeChain, { get: () => typeChain, apply: () => typeChain })
// biome-ignore lint/suspicious/noExplicitAny: the shim stands in for vitest's fully typed `expectTypeOf`
export const expectTypeOf: any = () => typeChain

export const it = Object.assign(registerTest, { each: each(registerTest) })
export const test = it
export const describe = Object.assign(registerSuite, {
  each: each((name, body) => registerSuite(name, body as () => unknown)),
})

const hook =
  (key: 'beforeAll' | 'afterAll' | 'beforeEach' | 'afterEach') =>
  (body: Callback): void => {
    registry().current[key].push(body)
  }
export const beforeAll: (body: Callback) => void = hook('beforeAll')
export const afterAll: (body: Callback) => void = hook('afterAll')
export const beforeEach: (body: Callback) => void = hook('beforeEach')
export const afterEach: (body: Callback) => void = hook('afterEach')

const RealDate = Date
let frozen: number | undefined

/** A `Date` that reads the frozen system time, like vitest's fake `Date`. */
class FrozenDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(frozen ?? RealDate.now())
    else super(...(args as [number]))
  }
  static override now(): number {
    return frozen ?? RealDate.now()
  }
}

const stubbed = new Map<PropertyKey, PropertyDescriptor | undefined>()

// biome-ignore lint/suspicious/noExplicitAny: the shim stands in for vitest's fully typed `vi`
export const vi: any = {
  fn,
  spyOn,
  isMockFunction,
  clearAllMocks,
  resetAllMocks,
  restoreAllMocks,
  mocked: <T>(value: T): T => value,
  /** Fakes `Date` only, from `now` when given; timer functions stay real (no test here advances timers). */
  useFakeTimers(config?: { now?: number | Date }): unknown {
    if (config?.now !== undefined) frozen = new RealDate(config.now).getTime()
    globalThis.Date = FrozenDate as DateConstructor
    return vi
  },
  useRealTimers(): unknown {
    frozen = undefined
    globalThis.Date = RealDate
    return vi
  },
  setSystemTime(time: number | string | Date): unknown {
    frozen = new RealDate(time).getTime()
    globalThis.Date = FrozenDate as DateConstructor
    return vi
  },
  getMockedSystemTime(): Date | null {
    return frozen === undefined ? null : new RealDate(frozen)
  },
  stubGlobal(name: PropertyKey, value: unknown): unknown {
    if (!stubbed.has(name)) stubbed.set(name, Object.getOwnPropertyDescriptor(globalThis, name))
    Object.defineProperty(globalThis, name, {
      value,
      writable: true,
      configurable: true,
      enumerable: true,
    })
    return vi
  },
  unstubAllGlobals(): unknown {
    for (const [name, descriptor] of stubbed) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor)
      else delete (globalThis as Record<PropertyKey, unknown>)[name]
    }
    stubbed.clear()
    return vi
  },
  async waitFor<T>(
    callback: () => T | Promise<T>,
    options: number | { timeout?: number; interval?: number } = {},
  ): Promise<T> {
    const { timeout = 1000, interval = 50 } =
      typeof options === 'number' ? { timeout: options } : options
    const deadline = RealDate.now() + timeout
    for (;;) {
      try {
        return await callback()
      } catch (error) {
        if (RealDate.now() >= deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, interval))
      }
    }
  },
}

export type { MockInstance }
export type Mock = ReturnType<typeof fn>
