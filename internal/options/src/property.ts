/**
 * Test-only: run a fast-check property, fail when it fails or when too few of its runs reached
 * the assertion (the rest were thrown away by `fc.pre`), and record how many did.
 *
 * Every property test goes through {@link checkProperty} instead of `fc.assert`, so a generator
 * that mostly produces cases the property skips cannot pass in silence. Under vitest on Node each
 * property adds one line to `reports/properties.txt` at the repository root:
 *
 * ```text
 * packages/acr/test/properties.test.ts › satisfies › is reflexive: 100/100 runs reached the assertion
 * ```
 */
import * as fc from 'fast-check'
import { expect } from 'vitest'

/** The share of generated runs that must reach the assertion unless a property says otherwise. */
export const DEFAULT_MIN_REACHED = 0.9

/** A lower bound on the share of runs that reach the assertion, and why this property needs it. */
export interface MinReached {
  /** Between 0 and 1. */
  readonly share: number
  /** Why the property cannot build its inputs valid more often; shown in the failure message. */
  readonly reason: string
}

/** fast-check's own run parameters, plus the share of runs that must reach the assertion. */
export type CheckPropertyOptions<Ts> = fc.Parameters<Ts> & {
  /** Defaults to {@link DEFAULT_MIN_REACHED} of the runs. */
  readonly minReached?: MinReached
}

/** How many runs of a passing property reached the assertion. */
export interface PropertyReach {
  /** Runs that passed every `fc.pre` and so reached the assertion. */
  readonly reached: number
  /** Every run generated: `reached` plus the runs `fc.pre` skipped. */
  readonly runs: number
}

/** reports/ at the repository root, read from this file's place in it (called under vitest only). */
const reports = (): URL => new URL('../../../reports/', import.meta.url)

/**
 * Runs `property` with `fc.check`. Throws fast-check's own report (with the property's error as
 * `cause`) when it fails, and an error when fewer than `minReached.share` of the generated runs
 * reached the assertion. Returns (a promise of, for an async property) the reach counts.
 */
export function checkProperty<Ts>(
  property: fc.IAsyncProperty<Ts>,
  options?: CheckPropertyOptions<Ts>,
): Promise<PropertyReach>
export function checkProperty<Ts>(
  property: fc.IProperty<Ts>,
  options?: CheckPropertyOptions<Ts>,
): PropertyReach
export function checkProperty<Ts>(
  property: fc.IRawProperty<Ts>,
  options: CheckPropertyOptions<Ts> = {},
): PropertyReach | Promise<PropertyReach> {
  const { minReached, ...parameters } = options
  const min = minReached ?? { share: DEFAULT_MIN_REACHED, reason: '' }
  if (!(min.share >= 0 && min.share <= 1))
    throw new RangeError(`checkProperty: minReached.share must be between 0 and 1`)
  if (minReached !== undefined && minReached.reason.trim() === '')
    throw new TypeError('checkProperty: minReached needs a reason')
  const where = testName()
  const details = fc.check(property, parameters)
  if (details instanceof Promise)
    return details.then(async (out) => {
      if (out.failed) throw failure(await fc.asyncDefaultReportMessage(out), out)
      return judge(out, min, where)
    })
  if (details.failed) throw failure(fc.defaultReportMessage(details), details)
  return judge(details, min, where)
}

function failure<Ts>(message: string | undefined, details: fc.RunDetails<Ts>): Error {
  return new Error(message ?? 'the property failed', { cause: details.errorInstance })
}

function judge<Ts>(
  details: fc.RunDetails<Ts>,
  min: MinReached,
  where: string | undefined,
): PropertyReach {
  const reached = details.numRuns
  const runs = details.numRuns + details.numSkips
  const enough = reached >= min.share * runs
  record(
    where,
    `${reached}/${runs} runs reached the assertion${enough ? '' : ` (below ${percent(min.share)})`}`,
  )
  if (!enough)
    throw new Error(
      `only ${reached} of ${runs} runs reached the assertion (${percent(reached / runs)}); ` +
        `at least ${percent(min.share)} must${min.reason ? ` (${min.reason})` : ''}. Build the ` +
        `inputs valid by construction instead of skipping them with fc.pre\n{ seed: ${details.seed} }`,
    )
  return { reached, runs }
}

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`

/** `<file relative to the repository root> › <describe> › <test>`, under vitest. */
function testName(): string | undefined {
  const { testPath, currentTestName } = expect.getState()
  if (!testPath || !currentTestName) return undefined
  const root = decodeURIComponent(new URL('..', reports()).pathname)
  const file = testPath.startsWith(root) ? testPath.slice(root.length) : testPath
  return `${file} › ${currentTestName.split(' > ').join(' › ')}`
}

interface NodeFs {
  mkdirSync(path: URL, options: { recursive: true }): unknown
  appendFileSync(path: URL, data: string): void
}

/** Appends one line to reports/properties.txt, where a Node file system is at hand. */
function record(where: string | undefined, line: string): void {
  if (where === undefined) return
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process
  const fs = process?.getBuiltinModule?.('node:fs') as NodeFs | undefined
  if (fs === undefined) return
  fs.mkdirSync(reports(), { recursive: true })
  fs.appendFileSync(new URL('properties.txt', reports()), `${where}: ${line}\n`)
}

/**
 * A non-negative decimal string with up to 3 leading and trailing zeros, and its exact value
 * `digits × 10^-scale`: generated from the value, so a test can compare with BigInt arithmetic.
 */
export const decimal: fc.Arbitrary<{
  readonly text: string
  readonly digits: bigint
  readonly scale: number
}> = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 10n ** 20n }),
    fc.integer({ min: 0, max: 6 }),
    fc.nat(3),
    fc.nat(3),
  )
  .map(([digits, scale, leadingZeros, trailingZeros]) => {
    const text = digits.toString().padStart(scale + 1, '0')
    const integer = text.slice(0, text.length - scale)
    const fraction = text.slice(text.length - scale) + '0'.repeat(scale ? trailingZeros : 0)
    return {
      text: '0'.repeat(leadingZeros) + integer + (fraction ? `.${fraction}` : ''),
      digits,
      scale,
    }
  })
