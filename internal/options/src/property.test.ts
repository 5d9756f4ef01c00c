import { readFileSync } from 'node:fs'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkProperty } from './property.ts'

const REPORT = new URL('../../../reports/properties.txt', import.meta.url)

describe('checkProperty', () => {
  it('passes a property that holds and counts every run as reaching the assertion', () => {
    const reach = checkProperty(
      fc.property(fc.integer(), (n) => {
        expect(n + 0).toBe(n)
      }),
      { numRuns: 50 },
    )
    expect(reach).toEqual({ reached: 50, runs: 50 })
  })

  it('records one line per property in reports/properties.txt', () => {
    checkProperty(
      fc.property(fc.boolean(), (b) => {
        expect(typeof b).toBe('boolean')
      }),
    )
    expect(readFileSync(REPORT, 'utf8')).toContain(
      'internal/options/src/property.test.ts › checkProperty › records one line per property ' +
        'in reports/properties.txt: 100/100 runs reached the assertion\n',
    )
  })

  it("throws fast-check's report, with the counterexample, when the property fails", () => {
    const thrown = (() => {
      try {
        checkProperty(
          fc.property(fc.nat(), (n) => {
            expect(n).toBeLessThan(10)
          }),
          { seed: 1 },
        )
      } catch (error) {
        return error
      }
      return undefined
    })()
    expect(thrown).toBeInstanceOf(Error)
    expect((thrown as Error).message).toMatch(/^Property failed after \d+ tests\n\{ seed: 1,/)
    expect((thrown as Error).message).toContain('Counterexample: [10]')
    expect((thrown as Error).cause).toBeInstanceOf(Error)
  })

  it('rejects with the report when an async property fails', async () => {
    await expect(
      checkProperty(
        fc.asyncProperty(fc.nat(), async (n) => {
          expect(n).toBeLessThan(10)
        }),
      ),
    ).rejects.toThrow(/Counterexample: \[10\]/)
  })

  it('resolves to the reach counts when an async property holds', async () => {
    await expect(
      checkProperty(
        fc.asyncProperty(fc.nat(), async (n) => {
          expect(n).toBeGreaterThanOrEqual(0)
        }),
        { numRuns: 20 },
      ),
    ).resolves.toEqual({ reached: 20, runs: 20 })
  })

  it('fails when fewer than 90% of the runs reach the assertion', () => {
    // About one run in two is odd and skipped: 100 reach the assertion out of about 200.
    const half = fc.property(fc.nat(), (n) => {
      fc.pre(n % 2 === 0)
      expect(n % 2).toBe(0)
    })
    expect(() => checkProperty(half, { seed: 7 })).toThrow(
      /^only 100 of \d+ runs reached the assertion \([\d.]+%\); at least 90% must\. /,
    )
  })

  it('counts fc.pre skips against the runs, and passes when enough reach the assertion', () => {
    // One value in 21 is skipped: well above 90% reach the assertion.
    const reach = checkProperty(
      fc.property(fc.integer({ min: 0, max: 20 }), (n) => {
        fc.pre(n !== 3)
        expect(n).not.toBe(3)
      }),
      { seed: 3 },
    )
    expect(reach.reached).toBe(100)
    expect(reach.runs).toBeGreaterThan(100)
  })

  it('takes a lower share with a reason, and says the reason when even that is not met', () => {
    const half = fc.property(fc.nat(), (n) => {
      fc.pre(n % 2 === 0)
      expect(n % 2).toBe(0)
    })
    const reach = checkProperty(half, {
      seed: 7,
      minReached: { share: 0.3, reason: 'odd numbers are skipped' },
    })
    expect(reach.reached).toBe(100)
    const tenth = fc.property(fc.nat(), (n) => {
      fc.pre(n % 10 === 0)
    })
    expect(() =>
      checkProperty(tenth, { seed: 7, minReached: { share: 0.3, reason: 'odd numbers' } }),
    ).toThrow(/at least 30% must \(odd numbers\)/)
  })

  it('refuses a lowered share without a reason, or one outside 0..1', () => {
    const p = fc.property(fc.nat(), () => {})
    expect(() => checkProperty(p, { minReached: { share: 0.5, reason: ' ' } })).toThrow(
      'minReached needs a reason',
    )
    expect(() => checkProperty(p, { minReached: { share: 1.5, reason: 'x' } })).toThrow(RangeError)
  })

  it("fails with fast-check's report when fc.pre skips past maxSkipsPerRun", () => {
    const never = fc.property(fc.nat(), () => {
      fc.pre(false)
    })
    expect(() => checkProperty(never, { numRuns: 5, maxSkipsPerRun: 2 })).toThrow(
      /^Failed to run property, too many pre-condition failures encountered/,
    )
  })
})
