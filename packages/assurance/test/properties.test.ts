import { createAcrRegistry } from '@stepup/acr'
import { checkProperty } from '@stepup/internal/property'
import { parseOAuthChallenge, parseWwwAuthenticate } from '@stepup/www-authenticate'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { extractAccessToken } from '../src/extract.ts'
import { evaluateAssurance, toErrorResponse } from '../src/index.ts'
import { mergeRequirements } from '../src/merge.ts'

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
  it('allows exactly when acr satisfies acr_values and auth_time is neither stale nor in the future', () => {
    checkProperty(
      fc.property(
        fc.option(acrValue, { nil: undefined }),
        fc.option(acrSet, { nil: undefined }),
        // The age of auth_time: anywhere, or within two seconds of either boundary (stale,
        // and in the future), where an off-by-one would show.
        fc
          .tuple(fc.option(fc.nat(600), { nil: undefined }), fc.nat(10))
          .chain(([max_age, clockTolerance]) =>
            fc.tuple(
              fc.option(
                fc.oneof(
                  fc.integer({ min: -100, max: 1000 }),
                  fc.integer({ min: -2, max: 2 }).map((d) => (max_age ?? 0) + clockTolerance + d),
                  fc.integer({ min: -2, max: 2 }).map((d) => d - clockTolerance),
                ),
                { nil: undefined },
              ),
              fc.constant(max_age),
              fc.constant(clockTolerance),
            ),
          ),
        (acr, acr_values, [age, max_age, clockTolerance]) => {
          const claims = { acr, auth_time: age === undefined ? undefined : NOW - age }
          const requirement = {
            ...(acr_values && { acr_values }),
            ...(max_age !== undefined && { max_age }),
          }
          const result = evaluateAssurance(claims, requirement, {
            now: NOW,
            acrRegistry: registry,
            clockTolerance,
          })
          const acrSatisfied = acr_values === undefined || registry.satisfies(acr, acr_values)
          const fresh =
            max_age === undefined || (age !== undefined && age <= max_age + clockTolerance)
          const notInFuture = age === undefined || age >= -clockTolerance
          expect(result.ok).toBe(acrSatisfied && fresh && notInFuture)
        },
      ),
    )
  })

  // Granted scope-tokens and missing ones come from disjoint alphabets, so a token the
  // requirement adds from `missing` is never granted.
  const grantedToken = fc.stringMatching(/^[a-m]{1,5}$/)
  const missingToken = fc.stringMatching(/^[n-z]{1,5}$/)
  // The requirement: some granted tokens (one at least when any is granted) and some missing
  // ones (one at least when none is granted), so it is never empty.
  const scopes = fc
    .uniqueArray(grantedToken, { maxLength: 4 })
    .chain((granted) =>
      fc.tuple(
        fc.constant(granted),
        fc.subarray(granted, { minLength: granted.length > 0 ? 1 : 0 }),
        fc.uniqueArray(missingToken, { minLength: granted.length > 0 ? 0 : 1, maxLength: 2 }),
      ),
    )
    .map(([granted, picked, missing]) => ({ granted, scope: [...picked, ...missing] }))

  it('allows exactly when every required scope is granted and acr satisfies acr_values', () => {
    checkProperty(
      fc.property(
        scopes,
        fc.option(acrSet, { nil: undefined }),
        ({ granted, scope }, acr_values) => {
          const result = evaluateAssurance(
            { scope: granted.join(' '), acr: 'phr' },
            { scope, ...(acr_values && { acr_values }) },
            { now: NOW, acrRegistry: registry },
          )
          expect(result.ok).toBe(
            scope.every((s) => granted.includes(s)) &&
              (acr_values === undefined || registry.satisfies('phr', acr_values)),
          )
        },
      ),
    )
  })

  /** The typed values the WWW-Authenticate header of a denial parses back to. */
  const challengeOf = (result: ReturnType<typeof evaluateAssurance>) => {
    const [challenge] = parseWwwAuthenticate(
      toErrorResponse(result as never).headers['www-authenticate'] ?? '',
    )
    const { error, invalid, scope, acr_values } = parseOAuthChallenge(challenge!)
    return { error, invalid, scope, acr_values }
  }

  it('a missing scope is refused with insufficient_scope, its challenge naming the scope', () => {
    checkProperty(
      fc.property(
        fc.tuple(scopes, missingToken).map(([{ granted, scope }, extra]) => ({
          granted,
          scope: scope.includes(extra) ? scope : [...scope, extra],
        })),
        ({ granted, scope }) => {
          const result = evaluateAssurance(
            { scope: granted.join(' '), acr: 'phr' },
            { scope },
            { now: NOW, acrRegistry: registry },
          )
          expect(challengeOf(result)).toEqual({
            error: 'insufficient_scope',
            invalid: [],
            scope,
            acr_values: undefined,
          })
        },
      ),
    )
  })

  it('an unsatisfied acr is refused with insufficient_user_authentication, naming acr_values', () => {
    // `phr` is unknown to this registry: it satisfies only itself.
    const unsatisfied = fc.uniqueArray(
      acrValue.filter((v) => v !== 'phr'),
      { minLength: 1, maxLength: 4 },
    )
    checkProperty(
      fc.property(scopes, unsatisfied, ({ granted, scope }, acr_values) => {
        const result = evaluateAssurance(
          { scope: granted.join(' '), acr: 'phr' },
          { acr_values, scope },
          { now: NOW, acrRegistry: registry },
        )
        expect(challengeOf(result)).toMatchObject({
          error: 'insufficient_user_authentication',
          invalid: [],
          acr_values,
        })
      }),
    )
  })
})

describe('mergeRequirements properties', () => {
  const part = (acr: fc.Arbitrary<string[]>) =>
    fc.record(
      {
        acr_values: acr,
        max_age: fc.nat(3600),
        scope: fc.uniqueArray(scopeToken, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    )
  const anyAcr = fc.uniqueArray(fc.constantFrom(...KNOWN), { minLength: 1, maxLength: 3 })
  const merged = (a: object, b: object) => {
    try {
      return mergeRequirements([a, b], { acrRegistry: registry })
    } catch (e) {
      return (e as { code: string }).code
    }
  }

  it('conflicts, either way round, exactly when no acr value satisfies both parts', () => {
    checkProperty(
      fc.property(part(anyAcr), part(anyAcr), (a, b) => {
        const conflict =
          a.acr_values !== undefined &&
          b.acr_values !== undefined &&
          registry.intersect([a.acr_values, b.acr_values]).length === 0
        const outcome = (r: ReturnType<typeof merged>) => (typeof r === 'string' ? r : 'merged')
        expect([outcome(merged(a, b)), outcome(merged(b, a))]).toEqual(
          conflict ? ['ERR_ACR_CONFLICT', 'ERR_ACR_CONFLICT'] : ['merged', 'merged'],
        )
      }),
    )
  })

  it('without a conflict, is commutative (as sets) and the strictest of its parts', () => {
    // Both acr lists hold one shared value, so some value satisfies both.
    const compatible = fc.constantFrom(...KNOWN).chain((shared) => {
      const withShared = anyAcr.map((list) => [...new Set([shared, ...list])])
      return fc.tuple(part(withShared), part(withShared))
    })
    checkProperty(
      fc.property(compatible, ([a, b]) => {
        const ab = mergeRequirements([a, b], { acrRegistry: registry })
        const ba = mergeRequirements([b, a], { acrRegistry: registry })
        const asSets = (r: typeof ab) => ({
          acr_values: r.acr_values && new Set(r.acr_values),
          scope: r.scope && new Set(r.scope),
          max_age: r.max_age,
        })
        const acrSets = [a.acr_values, b.acr_values].filter((v) => v !== undefined)
        const scope = new Set([...(a.scope ?? []), ...(b.scope ?? [])])
        const ages = [a.max_age, b.max_age].filter((v) => v !== undefined)
        const strictest = {
          acr_values:
            acrSets.length === 0
              ? undefined
              : new Set(acrSets.length === 1 ? acrSets[0] : registry.intersect(acrSets)),
          scope: scope.size > 0 ? scope : undefined,
          max_age: ages.length > 0 ? Math.min(...ages) : undefined,
        }
        // No known value satisfies the merge without satisfying each part.
        const weaker = KNOWN.filter(
          (v) =>
            registry.satisfies(v, ab.acr_values ?? []) &&
            [a, b].some((p) => p.acr_values && !registry.satisfies(v, p.acr_values)),
        )
        expect({ ab: asSets(ab), ba: asSets(ba), weaker }).toEqual({
          ab: strictest,
          ba: strictest,
          weaker: [],
        })
      }),
    )
  })
})

describe('extractAccessToken properties', () => {
  it('returns any b64token sent with Bearer', () => {
    const b64token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,64}={0,2}$/)
    checkProperty(
      fc.property(b64token, (token) => {
        expect(extractAccessToken({ authorization: `Bearer ${token}` })).toEqual({
          ok: true,
          token,
          scheme: 'Bearer',
        })
      }),
    )
  })

  it('never throws on arbitrary input: a b64token, or a 400 or 401 refusal', () => {
    const outcome = (result: ReturnType<typeof extractAccessToken>): string =>
      result.ok
        ? /^[A-Za-z0-9._~+/-]+=*$/.test(result.token)
          ? 'b64token'
          : `token ${result.token}`
        : [400, 401].includes(result.status)
          ? 'refused'
          : `status ${result.status}`
    checkProperty(
      fc.property(
        fc.string(),
        fc.boolean(),
        fc.option(fc.string(), { nil: undefined }),
        (authorization, query, body) => {
          const result = extractAccessToken(
            { authorization, query, body },
            { schemes: ['Bearer', 'DPoP'] },
          )
          expect(['b64token', 'refused']).toContain(outcome(result))
        },
      ),
    )
  })
})
