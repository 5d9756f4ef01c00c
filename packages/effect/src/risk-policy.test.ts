import { amountThreshold } from '@stepup/assurance'
import { Effect, Exit, Layer } from 'effect'
import { describe, expect, it } from 'vitest'
import {
  AuthorizationDetailsRegistry,
  parseAuthorizationDetails,
} from './authorization-details-registry.js'
import { ConsumedGrantStore } from './consumed-grant-store.js'
import { RiskPolicy } from './risk-policy.js'

const NOW = 1_700_000_000
const claims = (acr: string, age: number) => ({ acr, auth_time: NOW - age, scopes: [], raw: {} })
const details = (amount: string) => [
  { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount } },
]
const Policy = RiskPolicy.layer([
  amountThreshold({
    type: 'payment_initiation',
    bind: false,
    thresholds: [
      { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
      { atLeast: '10000', acr_values: ['phrh'], max_age: 60 },
    ],
  }),
])
const run = <A, E>(effect: Effect.Effect<A, E, RiskPolicy>) =>
  Effect.runPromiseExit(Effect.provide(effect, Policy))

describe('RiskPolicy.decide (risk policy as an Effect)', () => {
  it('explains which rules fired and allows a strong enough token', async () => {
    const exit = await run(
      RiskPolicy.decide({
        claims: claims('phrh', 10),
        request: { method: 'POST', url: '/t' },
        details: details('20000'),
        now: NOW,
      }),
    )
    expect(Exit.isSuccess(exit) && exit.value.fired).toHaveLength(1)
  })

  it('fails with InsufficientUserAuthentication carrying acr_values and max_age', async () => {
    const exit = await run(
      RiskPolicy.decide({
        claims: claims('phr', 10),
        request: { method: 'POST', url: '/t' },
        details: details('20000'),
        now: NOW,
      }),
    )
    const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    const error = reason?._tag === 'Fail' ? reason.error.reason : undefined
    expect(error?._tag).toBe('InsufficientUserAuthentication')
    expect(error?.challenge).toMatchObject({ acr_values: ['phrh'], max_age: 60 })
  })

  it('checks its rules when RiskPolicy.layer is called', () => {
    expect(() => RiskPolicy.layer([{ name: '', evaluate: () => undefined }])).toThrow(TypeError)
  })
})

describe('ConsumedGrantStore', () => {
  it('marks a key once until it expires', async () => {
    let t = NOW
    const exit = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* ConsumedGrantStore
        const first = yield* store.add('g', 10)
        const again = yield* store.add('g', 10)
        t += 11
        return [first, again, yield* store.has('g')]
      }).pipe(Effect.provide(ConsumedGrantStore.memory({ now: () => t }))),
    )
    expect(exit).toEqual([true, false, false])
  })
})

describe('parseAuthorizationDetails', () => {
  const Registry = AuthorizationDetailsRegistry.layer([], { allowUnknownTypes: true })
  it('RFC 9396 §2: parses details, fails with InvalidAuthorizationDetails on bad input', async () => {
    const ok = await Effect.runPromiseExit(
      Effect.provide(parseAuthorizationDetails(details('1')), Registry),
    )
    expect(Exit.isSuccess(ok) && ok.value).toEqual(details('1'))
    const bad = await Effect.runPromiseExit(
      Effect.provide(parseAuthorizationDetails([{ type: '' }]), Layer.merge(Registry, Layer.empty)),
    )
    const reason = Exit.isFailure(bad) ? bad.cause.reasons[0] : undefined
    const error = reason?._tag === 'Fail' ? reason.error.reason : undefined
    expect(error?._tag).toBe('InvalidAuthorizationDetails')
    expect(error?.issues[0]?.path).toEqual([0, 'type'])
  })
})
