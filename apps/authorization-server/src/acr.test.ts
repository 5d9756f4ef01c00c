import { describe, expect, it } from 'vitest'
import { ACR_MFA, ACR_PASSWORD, acrFor, amrFor, createStepUpAcrRegistry, methodFor } from './acr.ts'

const registry = createStepUpAcrRegistry()

describe('the step-up acr registry', () => {
  it('orders phrh ⊇ phr ⊇ mfa ⊇ pwd', () => {
    expect(registry.satisfies('phrh', [ACR_PASSWORD])).toBe(true)
    expect(registry.satisfies('phr', [ACR_MFA])).toBe(true)
    expect(registry.satisfies(ACR_MFA, ['phr'])).toBe(false)
    expect(registry.satisfies('phr', ['phrh'])).toBe(false)
  })

  it.each([
    [amrFor('password'), [ACR_PASSWORD]],
    [
      [...amrFor('password'), ...amrFor('totp')],
      [ACR_PASSWORD, ACR_MFA],
    ],
    [amrFor('webauthn'), [ACR_PASSWORD, ACR_MFA, 'phr']],
    [amrFor('webauthn-hardware'), [ACR_PASSWORD, ACR_MFA, 'phr', 'phrh']],
  ])('fromAmr(%j) → %j', (amr, classes) => {
    expect(registry.fromAmr(amr)).toEqual(classes)
  })

  it('claims the first requested value reached, else the strongest class', () => {
    const hardware = amrFor('webauthn-hardware')
    expect(acrFor(registry, hardware, ['phr'])).toBe('phr')
    expect(acrFor(registry, hardware, ['urn:example:x', 'phrh'])).toBe('phrh')
    expect(acrFor(registry, hardware, undefined)).toBe('phrh')
    expect(acrFor(registry, amrFor('webauthn'), ['phrh'])).toBeUndefined()
  })

  it('picks the cheapest method for a request', () => {
    expect(methodFor(registry, [ACR_PASSWORD])).toBe('password')
    expect(methodFor(registry, [ACR_MFA])).toBe('totp')
    expect(methodFor(registry, ['phr'])).toBe('webauthn')
    expect(methodFor(registry, ['phrh'])).toBe('webauthn-hardware')
    expect(methodFor(registry, ['mod-mf'])).toBeUndefined()
  })
})
