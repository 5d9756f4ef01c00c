import { createAcrRegistry } from '@stepup/acr'
import { describe, expect, it } from 'vitest'
import { mergeRequirements } from './merge.js'

describe('mergeRequirements', () => {
  it('takes the minimum max_age, the union of scope and the concatenation of details', () => {
    expect(
      mergeRequirements([
        { max_age: 300, scope: ['a', 'b'], authorization_details: [{ type: 'x' }] },
        { max_age: 60, scope: ['b', 'c'], authorization_details: [{ type: 'y' }] },
        {},
      ]),
    ).toEqual({
      max_age: 60,
      scope: ['a', 'b', 'c'],
      authorization_details: [{ type: 'x' }, { type: 'y' }],
    })
  })

  it('keeps the values that satisfy every acr set, in registry order', () => {
    expect(mergeRequirements([{ acr_values: ['phr'] }, { acr_values: ['phrh'] }])).toEqual({
      acr_values: ['phrh'],
    })
    expect(
      mergeRequirements([{ acr_values: ['phr', 'mod-mf'] }, { acr_values: ['phrh'] }]),
    ).toEqual({ acr_values: ['phrh'] })
    expect(mergeRequirements([{ acr_values: ['myACR'] }])).toEqual({ acr_values: ['myACR'] })
  })

  it('uses a custom registry order', () => {
    const acr = createAcrRegistry([{ value: 'silver' }, { value: 'gold', satisfies: ['silver'] }])
    expect(
      mergeRequirements([{ acr_values: ['silver'] }, { acr_values: ['gold'] }], {
        acrRegistry: acr,
      }),
    ).toEqual({ acr_values: ['gold'] })
  })

  it('reports an impossible combination as a configuration error naming the sets and rules', () => {
    expect(() =>
      mergeRequirements([{ acr_values: ['phr'] }, { acr_values: ['mod-pr'] }], {
        names: ['big', 'device'],
      }),
    ).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_ACR_CONFLICT',
        message: 'no acr value satisfies all of [phr] [mod-pr] (big,device)',
      }),
    )
  })

  it('returns an empty requirement for no parts', () => {
    expect(mergeRequirements([])).toEqual({})
  })
})
