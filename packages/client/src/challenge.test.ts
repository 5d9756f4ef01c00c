import { describe, expect, it } from 'vitest'
import { challengeKey, readStepUpChallenge } from './challenge.js'

const read = (value: string, status = 401) =>
  readStepUpChallenge(new Response(null, { status, headers: { 'www-authenticate': value } }))!

describe('challengeKey', () => {
  it('ignores error_description and realm, which do not change the requirement', () => {
    const a = read(
      'Bearer realm="a", error="insufficient_user_authentication", error_description="x", acr_values="gold"',
    )
    const b = read(
      'Bearer error="insufficient_user_authentication", error_description="y", acr_values="gold"',
    )
    expect(challengeKey(a)).toBe(challengeKey(b))
  })

  it('does not depend on parameter order', () => {
    const a = read('Bearer error="insufficient_user_authentication", max_age=5, acr_values="gold"')
    const b = read('Bearer acr_values="gold", max_age=5, error="insufficient_user_authentication"')
    expect(challengeKey(a)).toBe(challengeKey(b))
  })

  it.each([
    ['acr_values', 'acr_values="gold"', 'acr_values="platinum"'],
    ['acr_values order', 'acr_values="gold silver"', 'acr_values="silver gold"'],
    ['max_age', 'max_age=5', 'max_age=6'],
    ['scope', 'acr_values="gold", scope="a"', 'acr_values="gold", scope="b"'],
    [
      'resource_metadata',
      'max_age=5, resource_metadata="https://a.example/m"',
      'max_age=5, resource_metadata="https://b.example/m"',
    ],
  ])('tells challenges apart by %s', (_, x, y) => {
    const a = read(`Bearer error="insufficient_user_authentication", ${x}`)
    const b = read(`Bearer error="insufficient_user_authentication", ${y}`)
    expect(challengeKey(a)).not.toBe(challengeKey(b))
  })

  it('tells kinds and schemes apart', () => {
    const keys = [
      read('Bearer error="insufficient_scope", scope="a"', 403),
      read('Bearer error="insufficient_user_authentication", scope="a"'),
      read('DPoP error="insufficient_user_authentication", scope="a"'),
    ].map(challengeKey)
    expect(new Set(keys).size).toBe(3)
  })
})

describe('readStepUpChallenge: typed fields', () => {
  it('leaves out fields the challenge does not carry', () => {
    const challenge = read('Bearer error="insufficient_user_authentication"')
    expect(Object.keys(challenge).sort()).toEqual(['kind', 'raw', 'scheme'])
  })

  it('leaves out parameters that break their syntax (RFC 9728 §5.1 https URL)', () => {
    const challenge = read(
      'Bearer error="insufficient_user_authentication", acr_values="gold", resource_metadata="http://rs.example/m"',
    )
    expect(challenge).not.toHaveProperty('resource_metadata')
    expect(challenge.raw.params.resource_metadata).toBe('http://rs.example/m')
  })
})
