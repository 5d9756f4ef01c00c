import { Effect, Exit, Match } from 'effect'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { evaluate, StepUpAuthError, type StepUpAuthErrorReason } from '../src/index.ts'

const NOW = 1_700_000_000

/** The one reason an Effect of `evaluate` failed with. */
const reasonOf = <A, T extends StepUpAuthErrorReason['_tag']>(
  exit: Exit.Exit<A, StepUpAuthError<T>>,
): StepUpAuthError<T>['reason'] => {
  const failure = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
  if (failure?._tag !== 'Fail') throw new Error('expected a typed failure')
  expect(failure.error).toBeInstanceOf(StepUpAuthError)
  return failure.error.reason
}

describe('reasons are matched by _tag, each typed with its own fields', () => {
  it('RFC 9470 §3: Match.tag on the reason reads the challenge of InsufficientUserAuthentication', async () => {
    const exit = await Effect.runPromiseExit(
      evaluate({ acr: 'phr', auth_time: NOW - 10 }, { acr_values: ['phrh'] }, { now: NOW }),
    )
    const reason = reasonOf(exit)
    const asked = Match.value(reason).pipe(
      Match.tag('InsufficientUserAuthentication', (r) => r.challenge.acr_values),
      Match.orElse(() => undefined),
    )
    expect(asked).toEqual(['phrh'])
    expect(reason.status).toBe(401)
  })

  it('evaluate fails only with the decision reasons, and a switch on _tag narrows each', async () => {
    const exit = await Effect.runPromiseExit(
      evaluate({ scope: 'accounts:read' }, { scope: ['payments:write'] }, { now: NOW }),
    )
    const reason = reasonOf(exit)
    expectTypeOf(reason._tag).toEqualTypeOf<
      | 'InvalidToken'
      | 'InsufficientUserAuthentication'
      | 'InsufficientScope'
      | 'InsufficientAuthorizationDetails'
    >()
    const seen = ((): string => {
      switch (reason._tag) {
        case 'InvalidToken':
          return `${reason.code} ${reason.temporary}`
        case 'InsufficientUserAuthentication':
          return `${reason.challenge.max_age}`
        case 'InsufficientScope':
          return `${reason.status} ${reason.challenge.scope?.join(' ')}`
        case 'InsufficientAuthorizationDetails':
          return `${reason.challenge.authorization_details?.length}`
        default:
          return reason satisfies never
      }
    })()
    expect(seen).toBe('403 payments:write')
  })

  it('catchReason hands over the reason whose _tag it names', async () => {
    const status = await Effect.runPromise(
      evaluate({ scope: 'a' }, { scope: ['b'] }, { now: NOW }).pipe(
        Effect.as(0),
        Effect.catchReason('StepUpAuthError', 'InsufficientScope', (reason) => {
          expectTypeOf(reason.error).toEqualTypeOf<'insufficient_scope'>()
          return Effect.succeed(reason.status)
        }),
        Effect.catchTag('StepUpAuthError', () => Effect.succeed(-1)),
      ),
    )
    expect(status).toBe(403)
  })
})
