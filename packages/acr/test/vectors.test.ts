// ACR/AMR vectors copied from the specs digest (12-test-vectors.md, section J, and the acr
// parts of section B), so the tests never read files outside this package.
import { describe, expect, it } from 'vitest'
import { isRegisteredAmr } from '../src/amr.js'
import { createAcrRegistry } from '../src/index.js'

const registry = createAcrRegistry()
const plain = createAcrRegistry([], { defaults: false })

describe('RFC 8176 §2 and OpenID Connect EAP ACR Values 1.0: amr registry', () => {
  it.each([
    { id: 'AM-01', amr: ['pwd', 'otp', 'mfa'], registered: true },
    { id: 'AM-02', amr: ['pop'], registered: true },
    { id: 'AM-03', amr: ['pwx'], registered: false },
  ])('$id: $amr registered = $registered', ({ amr, registered }) => {
    expect(amr.every(isRegisteredAmr)).toBe(registered)
  })

  it('AM-03: an unregistered value is opaque, not an error', () => {
    expect(() => registry.fromAmr(['pwx'])).not.toThrow()
    expect(registry.fromAmr(['pwx'])).toEqual([])
  })
})

describe('OpenID Connect EAP ACR Values 1.0 / MODRNA: acr comparison', () => {
  it('AM-04: phrh vs acr_values=["phr"] is a string mismatch unless the policy lists phrh', () => {
    // Plain RFC 9470 matching: challenge.
    expect(['phr'].includes('phrh')).toBe(false)
    expect(plain.satisfies('phrh', ['phr'])).toBe(false)
    // The registry's expansion lists phrh, and satisfies() accepts what the expansion lists.
    expect(registry.expand(['phr'])).toEqual(['phr', 'phrh'])
    expect(registry.expand(['phr']).includes('phrh')).toBe(true)
    expect(registry.satisfies('phrh', ['phr'])).toBe(true)
  })

  it('AM-05: mod-pr vs its URI form is decided by string equality (challenge)', () => {
    const uri = 'http://schemas.openid.net/policies/modrna/phishing-resistant'
    expect(registry.satisfies('mod-pr', [uri])).toBe(false)
    expect(plain.satisfies('mod-pr', [uri])).toBe(false)
  })
})

describe('RFC 9470 §3 / OpenID Connect Core §2: acr in step-up decisions', () => {
  it.each([
    { id: 'SD-01', acr: 'myACR', acr_values: ['myACR'], allow: true },
    { id: 'SD-02', acr: 'myACR', acr_values: ['urn:example:gold'], allow: false },
    { id: 'SD-06', acr: undefined, acr_values: ['myACR'], allow: false },
    { id: 'SD-07', acr: 'MYACR', acr_values: ['myACR'], allow: false },
    { id: 'SD-08', acr: 'urn:example:silver', acr_values: ['urn:example:gold'], allow: false },
  ])('$id: acr $acr against $acr_values → allow = $allow', ({ acr, acr_values, allow }) => {
    expect(registry.satisfies(acr, acr_values)).toBe(allow)
    expect(plain.satisfies(acr, acr_values)).toBe(allow)
  })

  it('MD-07 (OpenID Connect Discovery §4.2): unregistered acr_values_supported match only themselves', () => {
    const acr_values_supported = ['urn:mace:incommon:iap:silver', 'urn:mace:incommon:iap:bronze']
    expect(registry.satisfies('urn:mace:incommon:iap:silver', acr_values_supported)).toBe(true)
    expect(registry.satisfies('urn:mace:incommon:iap:gold', acr_values_supported)).toBe(false)
    expect(registry.expand(acr_values_supported)).toEqual(acr_values_supported)
  })
})
