import { describe, expect, it } from 'vitest'
import { readAuthorizationDetailsClaim, readIntrospectionAuthorizationDetails } from './claims.js'
import { AuthorizationDetailsError } from './errors.js'
import { createAuthorizationDetailsRegistry } from './registry.js'

const registry = createAuthorizationDetailsRegistry([], { allowUnknownTypes: true })

describe('readAuthorizationDetailsClaim', () => {
  it('returns undefined when the token has no claim', () => {
    expect(readAuthorizationDetailsClaim({ sub: 'x' }, registry)).toBeUndefined()
  })

  it('validates the claim', () => {
    expect(
      readAuthorizationDetailsClaim({ authorization_details: [{ type: 'a' }] }, registry),
    ).toEqual([{ type: 'a' }])
    for (const claim of [{ type: 'a' }, '[{"type":"a"}]', null, [{ type: 1 }]]) {
      expect(() =>
        readAuthorizationDetailsClaim({ authorization_details: claim }, registry),
      ).toThrow(AuthorizationDetailsError)
    }
  })

  it('ignores an inherited claim', () => {
    const payload = Object.create({ authorization_details: [{ type: 'a' }] }) as Record<
      string,
      unknown
    >
    expect(readAuthorizationDetailsClaim(payload, registry)).toBeUndefined()
  })

  it('rejects a payload that is not an object', () => {
    expect(() => readAuthorizationDetailsClaim(null as never, registry)).toThrow(TypeError)
  })
})

describe('readIntrospectionAuthorizationDetails', () => {
  it('reads the member of an active response', () => {
    const response = { active: true, authorization_details: [{ type: 'a' }] }
    expect(readIntrospectionAuthorizationDetails(response, registry)).toEqual([{ type: 'a' }])
    expect(readIntrospectionAuthorizationDetails({ active: true }, registry)).toBeUndefined()
  })

  it('refuses an inactive response', () => {
    for (const response of [
      { active: false, authorization_details: [] },
      { active: 'true' },
      null,
    ]) {
      expect(() => readIntrospectionAuthorizationDetails(response as never, registry)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      )
    }
  })
})
