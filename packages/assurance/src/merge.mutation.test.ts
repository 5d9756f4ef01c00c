import { describe, expect, it, vi } from 'vitest'
import { canonicalJson, mergeRequirements } from './merge.js'

describe('canonicalJson', () => {
  it('writes JSON with every object key sorted, at any depth', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x' })).toBe(
      '{"a":"x","b":[2,{"c":null,"d":1}]}',
    )
  })

  it('writes undefined as null, as JSON does in arrays', () => {
    expect(canonicalJson(undefined)).toBe('null')
    expect(canonicalJson({ a: undefined })).toBe('{"a":null}')
  })
})

describe('mergeRequirements: authorization_details', () => {
  it('keeps one detail for details that differ only in member order', () => {
    const merged = mergeRequirements([
      { authorization_details: [{ type: 'x', a: 1, b: { c: 1, d: 2 } }] },
      { authorization_details: [{ b: { d: 2, c: 1 }, a: 1, type: 'x' }] },
    ])
    expect(merged.authorization_details).toEqual([{ type: 'x', a: 1, b: { c: 1, d: 2 } }])
  })

  it('keeps details apart whose arrays hold the same digits split differently', () => {
    const merged = mergeRequirements([
      { authorization_details: [{ type: 'x', ids: [1, 2] }] },
      { authorization_details: [{ type: 'x', ids: [12] }] },
    ])
    expect(merged.authorization_details).toEqual([
      { type: 'x', ids: [1, 2] },
      { type: 'x', ids: [12] },
    ])
  })

  it('merges details holding null members', () => {
    const detail = { type: 'x', limit: null }
    expect(
      mergeRequirements([{ authorization_details: [detail] }, { authorization_details: [detail] }]),
    ).toEqual({ authorization_details: [detail] })
  })
})

describe('mergeRequirements: acr_values', () => {
  it('keeps a single acr set as given, without asking the registry', () => {
    const intersect = vi.fn(() => [])
    expect(
      mergeRequirements([{ acr_values: ['phr', 'phrh'] }], { acrRegistry: { intersect } }),
    ).toEqual({
      acr_values: ['phr', 'phrh'],
    })
    expect(intersect).not.toHaveBeenCalled()
  })

  it('names every value of each conflicting set, and no rules when none are given', () => {
    expect(() =>
      mergeRequirements([{ acr_values: ['phr', 'phrh'] }, { acr_values: ['mod-pr'] }]),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_ACR_CONFLICT',
        message: 'no acr value satisfies all of [phr phrh] [mod-pr] ()',
      }),
    )
  })
})

describe('mergeRequirements: the merged requirement', () => {
  it('has only the members some part asked for', () => {
    expect(Object.keys(mergeRequirements([{ scope: ['a'] }, {}]))).toEqual(['scope'])
  })

  it('refuses an unknown key of a part as a risk requirement, naming the nearest key', () => {
    expect(() => mergeRequirements([{ acr_value: ['phr'] } as never])).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'risk requirement: unknown option "acr_value" (did you mean "acr_values"?)',
      }),
    )
  })
})
