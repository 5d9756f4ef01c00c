import { createAcrRegistry } from '@stepup/acr'
import { parseOAuthChallenge, parseWwwAuthenticate } from '@stepup/www-authenticate'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  evaluateAssurance,
  extractAccessToken,
  mergeRequirements,
  toErrorResponse,
} from '../src/index.ts'

const registry = createAcrRegistry([
  { value: 'low' },
  { value: 'substantial', satisfies: ['low'] },
  { value: 'high', satisfies: ['substantial'] },
])
const KNOWN = ['phr', 'phrh', 'mod-pr', 'mod-mf', 'low', 'substantial', 'high']
const acrValue = fc.oneof(fc.constantFrom(...KNOWN), fc.stringMatching(/^[a-z:]{1,8}$/))
const acrSet = fc.uniqueArray(acrValue, { minLength: 1, maxLength: 4 })
const scopeToken = fc.stringMatching(/^[a-z]{1,5}$/)
const NOW = 1_700_000_000

describe('evaluateAssurance properties', () => {
  it('never allows when acr is not satisfied or auth_time is stale', () => {
    fc.assert(
      fc.property(
        fc.option(acrValue, { nil: undefined }),
        fc.option(acrSet, { nil: undefined }),
        fc.option(fc.integer({ min: -100, max: 1000 }), { nil: undefined }),
        fc.option(fc.nat(600), { nil: undefined }),
        fc.nat(10),
        (acr, acr_values, age, max_age, clockTolerance) => {
          const claims = { acr, auth_time: age === undefined ? undefined : NOW - age }
          const requirement = {
            ...(acr_values && { acr_values }),
            ...(max_age !== undefined && { max_age }),
          }
          const result = evaluateAssurance(claims, requirement, {
            now: NOW,
            acr: registry,
            clockTolerance,
          })
          if (!result.ok) return
          if (acr_values) expect(registry.satisfies(acr, acr_values)).toBe(true)
          if (max_age !== undefined) {
            expect(age).toBeDefined()
            expect(age!).toBeLessThanOrEqual(max_age + clockTolerance)
          }
          expect(age === undefined || age >= -clockTolerance).toBe(true)
        },
      ),
    )
  })

  it('never allows without every required scope, and its challenge parses back to the typed values', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(scopeToken, { maxLength: 4 }),
        fc.uniqueArray(scopeToken, { minLength: 1, maxLength: 4 }),
        fc.option(acrSet, { nil: undefined }),
        (granted, scope, acr_values) => {
          const result = evaluateAssurance(
            { scope: granted.join(' '), acr: 'phr' },
            { scope, ...(acr_values && { acr_values }) },
            { now: NOW, acr: registry },
          )
          if (result.ok) {
            expect(scope.every((s) => granted.includes(s))).toBe(true)
            return
          }
          const [challenge] = parseWwwAuthenticate(
            toErrorResponse(result).headers['www-authenticate'] ?? '',
          )
          const parsed = parseOAuthChallenge(challenge!)
          expect(parsed.error).toBe(result.error)
          expect(parsed.invalid).toEqual([])
          if (result.challenge.scope) expect(parsed.scope).toEqual(scope)
          if (result.challenge.acr_values) expect(parsed.acr_values).toEqual(acr_values)
        },
      ),
    )
  })
})

describe('mergeRequirements properties', () => {
  const part = fc.record(
    {
      acr_values: fc.uniqueArray(fc.constantFrom(...KNOWN), { minLength: 1, maxLength: 3 }),
      max_age: fc.nat(3600),
      scope: fc.uniqueArray(scopeToken, { maxLength: 3 }),
    },
    { requiredKeys: [] },
  )
  const merged = (a: object, b: object) => {
    try {
      return mergeRequirements([a, b], { acr: registry })
    } catch (e) {
      return (e as { code: string }).code
    }
  }

  it('is commutative (as sets) and the strictest of its parts', () => {
    fc.assert(
      fc.property(part, part, (a, b) => {
        const ab = merged(a, b)
        const ba = merged(b, a)
        if (typeof ab === 'string' || typeof ba === 'string') {
          expect(ab).toBe('ERR_ACR_CONFLICT')
          expect(ba).toBe('ERR_ACR_CONFLICT')
          return
        }
        expect(new Set(ab.acr_values)).toEqual(new Set(ba.acr_values))
        expect(new Set(ab.scope)).toEqual(new Set(ba.scope))
        expect(ab.max_age).toBe(ba.max_age)
        for (const p of [a, b]) {
          if (p.max_age !== undefined) expect(ab.max_age).toBeLessThanOrEqual(p.max_age)
          for (const s of p.scope ?? []) expect(ab.scope).toContain(s)
        }
        for (const v of KNOWN) {
          if (ab.acr_values && registry.satisfies(v, ab.acr_values)) {
            for (const p of [a, b])
              if (p.acr_values) expect(registry.satisfies(v, p.acr_values)).toBe(true)
          }
        }
      }),
    )
  })
})

describe('extractAccessToken properties', () => {
  it('returns any b64token sent with Bearer, and never throws on arbitrary input', () => {
    const b64token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,64}={0,2}$/)
    fc.assert(
      fc.property(b64token, (token) => {
        expect(extractAccessToken({ authorization: `Bearer ${token}` })).toEqual({
          ok: true,
          token,
          scheme: 'Bearer',
        })
      }),
    )
    fc.assert(
      fc.property(
        fc.string(),
        fc.boolean(),
        fc.option(fc.string(), { nil: undefined }),
        (authorization, query, body) => {
          const result = extractAccessToken(
            { authorization, query, body },
            { schemes: ['Bearer', 'DPoP'] },
          )
          if (result.ok) expect(result.token).toMatch(/^[A-Za-z0-9._~+/-]+=*$/)
          else expect([400, 401]).toContain(result.status)
        },
      ),
    )
  })
})
