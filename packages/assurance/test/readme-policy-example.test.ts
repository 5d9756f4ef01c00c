import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { describe, expect, it } from 'vitest'
import {
  amountThreshold,
  createMemoryConsumedGrantStore,
  createRiskPolicy,
  newDevice,
  parseAccessTokenClaims,
} from '../src/index.ts'

describe('README policy example', () => {
  it('asks for phrh within 60 s for a $10,000 transfer on a new device, once', async () => {
    const now = Math.floor(Date.now() / 1000)
    const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
    const details = registry.parse([
      {
        type: 'urn:bank:params:oauth:request:transaction',
        transaction: {
          amount: '10000',
          currency: 'EUR',
          destination_account: 'DE02100100109307118603',
        },
      },
    ])
    const claims = parseAccessTokenClaims({
      jti: 'a',
      exp: now + 60,
      acr: 'phrh',
      auth_time: now - 5,
      authorization_details: details,
    })
    const [method, url] = ['POST', '/transfers']

    // README snippet, with the in-memory store instead of Redis.
    const policy = createRiskPolicy(
      [
        amountThreshold({
          type: 'urn:bank:params:oauth:request:transaction',
          thresholds: [
            { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
            { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
          ],
        }),
        newDevice(),
      ],
      { grants: createMemoryConsumedGrantStore() },
    )

    const { result, fired, requirement } = await policy.decide(
      { claims, request: { method, url }, details, signals: { newDevice: false } },
      { authorizationDetailsRegistry: registry },
    )
    expect(result.ok).toBe(true)
    expect(fired).toEqual(['amount:urn:bank:params:oauth:request:transaction'])
    expect(requirement).toMatchObject({ acr_values: ['phrh'], max_age: 60 })
    const replay = await policy.decide(
      { claims, request: { method, url }, details, signals: { newDevice: false } },
      { authorizationDetailsRegistry: registry },
    )
    expect(replay.result).toMatchObject({
      ok: false,
      status: 403,
      error: 'insufficient_authorization_details',
    })
  })
})
