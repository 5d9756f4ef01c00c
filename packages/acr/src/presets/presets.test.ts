import { describe, expect, it } from 'vitest'
import { createAcrRegistry } from '../registry.js'
import { EIDAS_LOA_HIGH, EIDAS_LOA_LOW, EIDAS_LOA_SUBSTANTIAL, eidas } from './eidas.js'
import { entra, fromEntraAuthenticationContexts } from './entra.js'
import { fromKeycloakLoaMap } from './keycloak.js'
import {
  OKTA_LOA_1FA_ANY,
  OKTA_LOA_1FA_PWD,
  OKTA_LOA_2FA_ANY,
  OKTA_LOA_2FA_ANY_IFPOSSIBLE,
  okta,
} from './okta.js'
import {
  PAPE_MULTI_FACTOR,
  PAPE_MULTI_FACTOR_PHYSICAL,
  PAPE_PHISHING_RESISTANT,
  pape,
} from './pape.js'

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError)
    return (error as { code?: unknown }).code
  }
  throw new Error('expected a TypeError')
}

describe('eidas', () => {
  const registry = createAcrRegistry([...eidas])

  it('uses the IANA LoA profile URIs, ordered low < substantial < high', () => {
    expect([EIDAS_LOA_LOW, EIDAS_LOA_SUBSTANTIAL, EIDAS_LOA_HIGH]).toEqual([
      'http://eidas.europa.eu/LoA/low',
      'http://eidas.europa.eu/LoA/substantial',
      'http://eidas.europa.eu/LoA/high',
    ])
    expect(registry.satisfies(EIDAS_LOA_HIGH, [EIDAS_LOA_LOW])).toBe(true)
    expect(registry.satisfies(EIDAS_LOA_SUBSTANTIAL, [EIDAS_LOA_HIGH])).toBe(false)
    expect(registry.expand([EIDAS_LOA_SUBSTANTIAL])).toEqual([
      EIDAS_LOA_SUBSTANTIAL,
      EIDAS_LOA_HIGH,
    ])
    expect(registry.satisfies(EIDAS_LOA_HIGH, ['phr'])).toBe(false)
  })
})

describe('pape', () => {
  const registry = createAcrRegistry([...pape])

  it('orders multi-factor-physical above multi-factor, with no relation to phishing-resistance', () => {
    expect(registry.satisfies(PAPE_MULTI_FACTOR_PHYSICAL, [PAPE_MULTI_FACTOR])).toBe(true)
    expect(registry.satisfies(PAPE_MULTI_FACTOR, [PAPE_MULTI_FACTOR_PHYSICAL])).toBe(false)
    expect(registry.satisfies(PAPE_MULTI_FACTOR_PHYSICAL, ['phr'])).toBe(false)
    expect(registry.satisfies(PAPE_PHISHING_RESISTANT, [PAPE_MULTI_FACTOR])).toBe(false)
  })

  it('lets the PAPE phishing-resistant URI meet phr, one way only', () => {
    expect(registry.satisfies(PAPE_PHISHING_RESISTANT, ['phr'])).toBe(true)
    expect(registry.satisfies('phr', [PAPE_PHISHING_RESISTANT])).toBe(false)
    expect(registry.expand(['phr'])).toEqual(['phr', 'phrh', PAPE_PHISHING_RESISTANT])
  })

  it('needs the built-ins', () => {
    expect(codeOf(() => createAcrRegistry([...pape], { defaults: false }))).toBe(
      'ERR_ACR_UNKNOWN_REFERENCE',
    )
  })
})

describe('okta', () => {
  const registry = createAcrRegistry([...okta])

  it('orders the urn:okta:loa values as their descriptions imply', () => {
    expect(registry.satisfies(OKTA_LOA_1FA_PWD, [OKTA_LOA_1FA_ANY])).toBe(true)
    expect(registry.satisfies(OKTA_LOA_2FA_ANY, [OKTA_LOA_1FA_ANY])).toBe(true)
    expect(registry.satisfies(OKTA_LOA_2FA_ANY, [OKTA_LOA_2FA_ANY_IFPOSSIBLE])).toBe(true)
    expect(registry.satisfies(OKTA_LOA_2FA_ANY_IFPOSSIBLE, [OKTA_LOA_2FA_ANY])).toBe(false)
    expect(registry.satisfies(OKTA_LOA_1FA_ANY, [OKTA_LOA_1FA_PWD])).toBe(false)
    expect(registry.satisfies(OKTA_LOA_1FA_PWD, [OKTA_LOA_2FA_ANY_IFPOSSIBLE])).toBe(false)
  })

  it('asserts no relation to phr or phrh', () => {
    for (const value of registry.values().filter((v) => v.startsWith('urn:okta'))) {
      expect(registry.satisfies(value, ['phr'])).toBe(false)
      expect(registry.satisfies('phrh', [value])).toBe(false)
    }
  })
})

describe('fromKeycloakLoaMap', () => {
  it('turns levels into an order, higher satisfying lower', () => {
    const registry = createAcrRegistry(fromKeycloakLoaMap({ silver: 1, gold: 2 }))
    expect(registry.satisfies('gold', ['silver'])).toBe(true)
    expect(registry.satisfies('silver', ['gold'])).toBe(false)
    expect(registry.expand(['silver'])).toEqual(['silver', 'gold'])
  })

  it('accepts the JSON text of the attribute, sorts levels and makes equal levels aliases', () => {
    const definitions = fromKeycloakLoaMap('{"gold":3,"copper":0,"silver":2,"argent":2}')
    expect(definitions.map((d) => [d.value, d.aliases ?? [], d.satisfies ?? []])).toEqual([
      ['copper', [], []],
      ['silver', ['argent'], ['copper']],
      ['gold', [], ['silver']],
    ])
    const registry = createAcrRegistry(definitions, { defaults: false })
    expect(registry.satisfies('argent', ['silver'])).toBe(true)
    expect(registry.satisfies('gold', ['copper'])).toBe(true)
  })

  it('rejects malformed maps', () => {
    expect(codeOf(() => fromKeycloakLoaMap('{silver:1}'))).toBe('ERR_INVALID_ARG_TYPE')
    expect(() => fromKeycloakLoaMap('{silver:1}')).toThrow(
      expect.objectContaining({ cause: expect.any(SyntaxError) }),
    )
    expect(codeOf(() => fromKeycloakLoaMap('[1]'))).toBe('ERR_INVALID_ARG_TYPE')
    expect(codeOf(() => fromKeycloakLoaMap({ silver: 1.5 }))).toBe('ERR_INVALID_ARG_VALUE')
    expect(codeOf(() => fromKeycloakLoaMap({ silver: '1' as unknown as number }))).toBe(
      'ERR_INVALID_ARG_VALUE',
    )
    expect(codeOf(() => createAcrRegistry(fromKeycloakLoaMap({ 'sil ver': 1 })))).toBe(
      'ERR_INVALID_ARG_VALUE',
    )
  })
})

describe('entra', () => {
  it('defines c1 to c99, unordered', () => {
    const registry = createAcrRegistry([...entra], { defaults: false })
    expect(registry.values()).toHaveLength(99)
    expect(registry.values()[0]).toBe('c1')
    expect(registry.values()[98]).toBe('c99')
    expect(registry.satisfies('c2', ['c1'])).toBe(false)
    expect(registry.satisfies('c1', ['c2'])).toBe(false)
    expect(registry.expand(['c1'])).toEqual(['c1'])
  })

  it('labels chosen contexts and rejects ids outside c1–c99', () => {
    const definitions = fromEntraAuthenticationContexts({ c1: 'Require MFA' })
    expect(definitions).toEqual([
      expect.objectContaining({
        value: 'c1',
        description: 'Entra authentication context: Require MFA',
      }),
    ])
    for (const id of ['c0', 'c100', 'C1', 'c01', 'x']) {
      expect(codeOf(() => fromEntraAuthenticationContexts({ [id]: 'x' }))).toBe(
        'ERR_INVALID_ARG_VALUE',
      )
    }
    expect(codeOf(() => fromEntraAuthenticationContexts({ c1: 1 as unknown as string }))).toBe(
      'ERR_INVALID_ARG_VALUE',
    )
    expect(
      codeOf(() => fromEntraAuthenticationContexts(null as unknown as Record<string, string>)),
    ).toBe('ERR_INVALID_ARG_TYPE')
  })
})
