import { describe, expect, it } from 'vitest'
import { coversAuthorizationDetails } from './covers.js'
import { createAuthorizationDetailsRegistry } from './registry.js'

const untyped = createAuthorizationDetailsRegistry([], { allowUnknownTypes: true })

// The registry without types and the zod-free function must give the same answers.
describe.each([
  { name: 'a registry of no types', covers: untyped.covers.bind(untyped) },
  { name: 'coversAuthorizationDetails', covers: coversAuthorizationDetails },
])('default comparison (conservative), $name', ({ covers }) => {
  const registry = { covers }
  const covered = (granted: object, requested: object) =>
    registry.covers([granted as never], [requested as never]).covered

  it('needs the same type', () => {
    expect(covered({ type: 'a' }, { type: 'b' })).toBe(false)
  })

  it('needs every requested common-array entry in the granted detail', () => {
    const granted = {
      type: 'a',
      locations: ['l1', 'l2'],
      actions: ['r', 'w'],
      datatypes: ['d'],
      privileges: ['p'],
    }
    expect(covered(granted, { ...granted, locations: ['l2'], actions: ['r'] })).toBe(true)
    expect(covered(granted, { ...granted, actions: ['x'] })).toBe(false)
    expect(covered(granted, { ...granted, datatypes: ['d', 'e'] })).toBe(false)
    expect(covered(granted, { ...granted, privileges: [] })).toBe(true)
  })

  it('treats a field present on only one side as not covered', () => {
    expect(covered({ type: 'a', locations: ['l'] }, { type: 'a' })).toBe(false)
    expect(covered({ type: 'a' }, { type: 'a', locations: ['l'] })).toBe(false)
  })

  it('needs an equal identifier', () => {
    expect(covered({ type: 'a', identifier: 'x' }, { type: 'a', identifier: 'x' })).toBe(true)
    expect(covered({ type: 'a', identifier: 'x' }, { type: 'a', identifier: 'y' })).toBe(false)
    expect(covered({ type: 'a', identifier: 'x' }, { type: 'a' })).toBe(false)
  })

  it('needs every other member deeply equal, so a different amount is not covered', () => {
    const granted = {
      type: 'p',
      instructedAmount: { currency: 'EUR', amount: '123.50' },
      tags: [1, 2],
    }
    expect(
      covered(granted, {
        type: 'p',
        tags: [1, 2],
        instructedAmount: { amount: '123.50', currency: 'EUR' },
      }),
    ).toBe(true)
    expect(
      covered(granted, { ...granted, instructedAmount: { currency: 'EUR', amount: '10000' } }),
    ).toBe(false)
    expect(covered(granted, { ...granted, tags: [2, 1] })).toBe(false)
    expect(covered(granted, { ...granted, extra: null })).toBe(false)
    expect(covered({ ...granted, extra: null }, granted)).toBe(false)
    expect(covered({ type: 'a', m: [] }, { type: 'a', m: {} })).toBe(false)
  })

  it('covers each requested detail by one granted detail and lists the rest', () => {
    const result = registry.covers(
      [{ type: 'a', actions: ['r'] }, { type: 'b' }],
      [{ type: 'b' }, { type: 'a', actions: ['r', 'w'] }, { type: 'a', actions: ['r'] }],
    )
    expect(result).toEqual({ covered: false, uncovered: [{ type: 'a', actions: ['r', 'w'] }] })
    expect(registry.covers([], [])).toEqual({ covered: true, uncovered: [] })
    expect(registry.covers([], [{ type: 'a' }]).covered).toBe(false)
  })

  it('fails closed on malformed granted data and refuses non-arrays', () => {
    expect(registry.covers([null, 1, {}] as never, [{ type: 'a' }]).covered).toBe(false)
    expect(covered({ type: 'a', actions: 'r' }, { type: 'a', actions: ['r'] })).toBe(false)
    expect(() => registry.covers({} as never, [])).toThrow(TypeError)
    expect(() => registry.covers([], {} as never)).toThrow('covers: expected arrays of details')
  })

  it('reads each detail within the default limits: deeper than 16 levels covers nothing', () => {
    let deep: unknown = 'x'
    for (let i = 0; i < 16; i++) deep = [deep]
    const detail = { type: 'a', deep }
    expect(covered(detail, detail)).toBe(false)
    const shallow = { type: 'a', deep: [[['x']]] }
    expect(covered(shallow, shallow)).toBe(true)
  })

  it('returns the requested details themselves as uncovered', () => {
    const wanted = { type: 'a', actions: ['w'] }
    expect(registry.covers([{ type: 'a', actions: ['r'] }], [wanted]).uncovered[0]).toBe(wanted)
  })
})
