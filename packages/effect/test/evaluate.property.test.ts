import { createAcrRegistry } from '@stepup/acr'
import { type AssuranceRequirement, evaluateAssurance } from '@stepup/assurance'
import { checkProperty } from '@stepup/internal/property'
import { Effect, Exit } from 'effect'
import * as TestClock from 'effect/testing/TestClock'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AcrRegistry, evaluate } from '../src/index.ts'

const NOW = 1_700_000_000
const KNOWN = ['phr', 'phrh', 'mod-pr', 'mod-mf', 'low', 'high']
const acrValue = fc.oneof(fc.constantFrom(...KNOWN), fc.stringMatching(/^[a-z:]{1,6}$/))
const scopeToken = fc.stringMatching(/^[a-z]{1,4}$/)
const detail = fc.record({
  type: fc.constantFrom('payment_initiation', 'account_information'),
  actions: fc.option(fc.uniqueArray(fc.constantFrom('read', 'write'), { minLength: 1 }), {
    nil: undefined,
  }),
})
const clean = (o: object): object =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

/** Claims, well-formed or not: wrong types and future auth_time must fail closed the same way. */
const claims = fc.record(
  {
    acr: fc.oneof(acrValue, fc.constant(42)),
    auth_time: fc.oneof(fc.integer({ min: NOW - 4000, max: NOW + 100 }), fc.constant('soon')),
    scope: fc.oneof(
      fc.uniqueArray(scopeToken, { maxLength: 4 }).map((s) => s.join(' ')),
      fc.constant(7),
    ),
    authorization_details: fc.oneof(fc.array(detail, { maxLength: 2 }), fc.constant({})),
  },
  { requiredKeys: [] },
)
const requirement: fc.Arbitrary<AssuranceRequirement> = fc
  .record({
    // Half the time without a user-authentication part, so the scope and details errors (which
    // come only once the user authentication suffices) are reached too.
    acr_values: fc.option(fc.uniqueArray(acrValue, { minLength: 1, maxLength: 3 }), {
      nil: undefined,
      freq: 2,
    }),
    max_age: fc.option(fc.nat(3600), { nil: undefined, freq: 2 }),
    scope: fc.option(fc.uniqueArray(scopeToken, { maxLength: 3 }), { nil: undefined }),
    authorization_details: fc.option(fc.array(detail, { maxLength: 2 }), { nil: undefined }),
  })
  .map((r) => clean(r) as AssuranceRequirement)

const DEFINITIONS = [{ value: 'low' }, { value: 'high', satisfies: ['low', 'phrh'] }]
const registry = createAcrRegistry(DEFINITIONS)

/** The decision as data: what evaluateAssurance returns, read back from the Effect's exit. */
function decisionOf(exit: Exit.Exit<unknown, unknown>) {
  if (Exit.isSuccess(exit)) return { ok: true, claims: exit.value }
  const error = exit.cause.reasons[0]
  if (error?._tag !== 'Fail') throw new Error('expected a typed failure')
  const {
    status,
    error: code,
    challenge,
    wwwAuthenticate,
    reasons,
  } = (error.error as { reason: never }).reason
  return { ok: false, status, error: code, challenge, wwwAuthenticate, reasons }
}

describe('evaluate equals evaluateAssurance (property)', () => {
  it('decides the same for any claims, requirement, clock tolerance and acr registry', () => {
    checkProperty(
      fc.property(claims, requirement, fc.nat(30), fc.boolean(), (c, r, clockTolerance, custom) => {
        const expected = evaluateAssurance(c, r, {
          now: NOW,
          clockTolerance,
          ...(custom && { acrRegistry: registry }),
        })
        const program = evaluate(c, r, { now: NOW, clockTolerance })
        const exit = Effect.runSyncExit(
          custom ? Effect.provide(program, AcrRegistry.layer(DEFINITIONS)) : program,
        )
        expect(decisionOf(exit)).toEqual(expected)
      }),
      { numRuns: 500 },
    )
  })

  it('reads the time from Effect’s Clock (TestClock) when no now is given', async () => {
    await checkProperty(
      fc.asyncProperty(claims, requirement, async (c, r) => {
        const expected = evaluateAssurance(c, r, { now: NOW })
        const exit = await Effect.runPromise(
          Effect.gen(function* () {
            yield* TestClock.setTime(NOW * 1000)
            return yield* evaluate(c, r)
          }).pipe(Effect.provide(TestClock.layer()), Effect.exit),
        )
        expect(decisionOf(exit)).toEqual(expected)
      }),
      { numRuns: 200 },
    )
  })

  it('maps each error code to its tagged error, and an allowed request to a success', () => {
    const TAGS: Record<string, string> = {
      invalid_token: 'InvalidToken',
      insufficient_scope: 'InsufficientScope',
      insufficient_authorization_details: 'InsufficientAuthorizationDetails',
      insufficient_user_authentication: 'InsufficientUserAuthentication',
    }
    const seen = new Set<string>()
    // Random pairs reach insufficient_authorization_details only rarely (everything else must
    // pass first), so some runs build that case: good claims, details the token lacks.
    const detailsDenied = fc.tuple(
      fc.record({
        acr: acrValue,
        auth_time: fc.constant(NOW - 10),
        authorization_details: fc.constant([]),
      }),
      fc.array(detail, { minLength: 1, maxLength: 2 }).map((d) => ({ authorization_details: d })),
    )
    // A token that meets the user authentication but lacks a scope the requirement asks for.
    const scopeDenied = acrValue.map((acr): [Record<string, unknown>, AssuranceRequirement] => [
      { acr, auth_time: NOW - 10, scope: 'read' },
      { acr_values: [acr], scope: ['read', 'write'] },
    ])
    // And some are allowed by construction: a fresh sign-in that meets its own acr value.
    const allowed = acrValue.chain((acr) =>
      fc.tuple(
        fc.constant({ acr, auth_time: NOW - 10 }),
        fc.constantFrom<AssuranceRequirement>({}, { acr_values: [acr], max_age: 60 }),
      ),
    )
    checkProperty(
      fc.property(
        fc.oneof(fc.tuple(claims, requirement), detailsDenied, scopeDenied, allowed),
        ([c, r]) => {
          const expected = evaluateAssurance(c, r, { now: NOW })
          const exit = Effect.runSyncExit(evaluate(c, r, { now: NOW }))
          const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
          const tag = Exit.isSuccess(exit)
            ? 'success'
            : reason?._tag === 'Fail'
              ? (reason.error as { reason: { _tag: string } }).reason._tag
              : `${reason?._tag}`
          seen.add(tag)
          expect(tag).toBe(expected.ok ? 'success' : TAGS[expected.error])
        },
      ),
      { numRuns: 500 },
    )
    // The generators reach every outcome, so the property above checked each mapping.
    expect(seen).toEqual(new Set(['success', ...Object.values(TAGS)]))
  })

  it('a malformed requirement is a defect, as evaluateAssurance throws', () => {
    const exit = Effect.runSyncExit(evaluate({}, { max_age: -1 }, { now: NOW }))
    expect(Exit.isFailure(exit) && exit.cause.reasons[0]?._tag).toBe('Die')
    expect(() => evaluateAssurance({}, { max_age: -1 })).toThrow(TypeError)
  })
})
