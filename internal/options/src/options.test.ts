import { describe, expect, it } from 'vitest'
import { checkOptions, nearest, unknownOptionError } from './options.ts'

const KNOWN = new Set(['acr_values', 'max_age', 'scope', 'authorization_details', 'realm'])

describe('checkOptions', () => {
  it('accepts undefined and objects whose keys are all known', () => {
    expect(() => checkOptions(undefined, KNOWN, 'f')).not.toThrow()
    expect(() =>
      checkOptions({ acr_values: ['phr'], max_age: undefined }, KNOWN, 'f'),
    ).not.toThrow()
  })

  it('names the stray key and the nearest known one', () => {
    expect(() => checkOptions({ acr_value: ['phr'] }, KNOWN, 'requirement')).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_UNKNOWN_OPTION',
        message: 'requirement: unknown option "acr_value" (did you mean "acr_values"?)',
      }),
    )
    expect(() => checkOptions({ maxAge: 300 }, KNOWN, 'requirement')).toThrow(
      'unknown option "maxAge" (did you mean "max_age"?)',
    )
    expect(() => checkOptions({ relam: 'x' }, KNOWN, 'stepUp')).toThrow(
      'stepUp: unknown option "relam" (did you mean "realm"?)',
    )
  })

  it('checks keys whose value is undefined, and says nothing when nothing is near', () => {
    expect(() => checkOptions({ zzzzzzzz: undefined }, KNOWN, 'f')).toThrow(
      /^f: unknown option "zzzzzzzz"$/,
    )
  })

  it('refuses what is not an options object', () => {
    for (const bad of [null, 'realm', 3, ['realm']]) {
      expect(() => checkOptions(bad, KNOWN, 'f')).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
      )
    }
  })

  it('ignores inherited keys', () => {
    const options = Object.create({ inherited: true }) as object
    expect(() => checkOptions(options, KNOWN, 'f')).not.toThrow()
  })
})

describe('nearest', () => {
  it('matches case and separator variants before edit distance', () => {
    expect(nearest('ACR-values', KNOWN)).toBe('acr_values')
    expect(nearest('scop', KNOWN)).toBe('scope')
    expect(nearest('completely-unrelated', KNOWN)).toBeUndefined()
  })

  it('points a renamed option at the known key that extends it', () => {
    const known = ['acrRegistry', 'authorizationDetailsRegistry', 'now', 'clockTolerance']
    expect(nearest('acr', known)).toBe('acrRegistry')
    expect(nearest('authorizationDetails', known)).toBe('authorizationDetailsRegistry')
    expect(nearest('authorization_details', known)).toBe('authorizationDetailsRegistry')
    // Two letters extend too many names to be a hint; an exact fold still wins over a prefix.
    expect(nearest('no', ['nonce', 'notBefore'])).toBeUndefined()
    expect(nearest('scope', ['scopes', 'SCOPE'])).toBe('SCOPE')
  })

  it('builds the same error checkOptions throws', () => {
    expect(unknownOptionError('g', 'relm', KNOWN).message).toBe(
      'g: unknown option "relm" (did you mean "realm"?)',
    )
  })
})
