import { checkProperty } from '@stepup/internal/property'
import { createStepUpChallenge } from '@stepup/www-authenticate'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildStepUpAuthorizationParams,
  readStepUpChallenge,
  type StepUpChallenge,
} from '../src/index.js'

type StepUpAuthenticationChallenge = Extract<StepUpChallenge, { kind: 'step_up' }>

/** RFC 6749 §3.3 scope-token (also the syntax of one ACR value on the wire). */
const token = fc.stringMatching(/^[\x21\x23-\x5B\x5D-\x7E]{1,12}$/)
const tokens = fc.uniqueArray(token, { minLength: 1, maxLength: 6 })
const raw = { scheme: 'bearer', params: {} }

const stepUp = fc
  .record(
    { acr_values: tokens, max_age: fc.nat({ max: 10 ** 9 }), scope: tokens },
    { requiredKeys: [] },
  )
  .map((c): StepUpAuthenticationChallenge => ({ kind: 'step_up', scheme: 'bearer', raw, ...c }))

const dedupe = (list: readonly string[]) => [...new Set(list)]

describe('buildStepUpAuthorizationParams properties', () => {
  it('acr_values is the challenge list, space-joined in order, and never sent with claims', () => {
    checkProperty(
      fc.property(stepUp, (challenge) => {
        const params = buildStepUpAuthorizationParams(challenge)
        expect(params.claims).toBeUndefined()
        expect(params.acr_values?.split(' ')).toStrictEqual(challenge.acr_values)
      }),
    )
  })

  it('claims mode carries the same values as an essential acr and no acr_values', () => {
    checkProperty(
      fc.property(stepUp, (challenge) => {
        const params = buildStepUpAuthorizationParams(challenge, { mode: 'claims' })
        expect(params.acr_values).toBeUndefined()
        const claims = params.claims === undefined ? undefined : JSON.parse(params.claims)
        expect(claims).toStrictEqual(
          challenge.acr_values && {
            id_token: { acr: { essential: true, values: challenge.acr_values } },
          },
        )
      }),
    )
  })

  it('max_age is the decimal string, and prompt=login appears exactly when it is 0', () => {
    checkProperty(
      fc.property(
        stepUp,
        fc.constantFrom<'acr_values' | 'claims'>('acr_values', 'claims'),
        (challenge, mode) => {
          const params = buildStepUpAuthorizationParams(challenge, { mode })
          expect(params.max_age).toBe(
            challenge.max_age === undefined ? undefined : `${challenge.max_age}`,
          )
          expect(params.prompt).toBe(challenge.max_age === 0 ? 'login' : undefined)
        },
      ),
    )
  })

  it('scope is the ordered union: what the client holds first, then the new tokens, once each', () => {
    checkProperty(
      fc.property(
        stepUp,
        fc.array(token, { maxLength: 6 }),
        fc.boolean(),
        (challenge, held, asString) => {
          const currentScope = asString ? held.join(' ') : held
          const params = buildStepUpAuthorizationParams(challenge, { currentScope })
          const expected = dedupe([...held, ...(challenge.scope ?? [])])
          expect(params.scope?.split(' ') ?? []).toStrictEqual(expected)
        },
      ),
    )
  })

  it('the result survives form encoding unchanged', () => {
    checkProperty(
      fc.property(stepUp, fc.array(token, { maxLength: 4 }), (challenge, held) => {
        const params = buildStepUpAuthorizationParams(challenge, { currentScope: held })
        const decoded = new URLSearchParams(new URLSearchParams(params).toString())
        expect(Object.fromEntries(decoded)).toStrictEqual(params)
      }),
    )
  })

  it('header → readStepUpChallenge → parameters keeps acr_values and max_age exactly', () => {
    checkProperty(
      fc.property(
        fc.record({ acr_values: tokens, max_age: fc.nat() }, { requiredKeys: ['acr_values'] }),
        fc.constantFrom<'Bearer' | 'DPoP'>('Bearer', 'DPoP'),
        fc.constantFrom(401, 403),
        (requirements, scheme, status) => {
          const header = createStepUpChallenge({ ...requirements, scheme })
          const challenge = readStepUpChallenge(
            new Response(null, { status, headers: { 'www-authenticate': header } }),
          )
          expect(challenge?.kind).toBe('step_up')
          const params = buildStepUpAuthorizationParams(challenge!)
          expect(params.acr_values).toBe(requirements.acr_values.join(' '))
          expect(params.max_age).toBe(
            requirements.max_age === undefined ? undefined : `${requirements.max_age}`,
          )
        },
      ),
    )
  })
})
