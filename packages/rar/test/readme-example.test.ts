// A copy of the README example, so it is typechecked and run.
import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { expect, it } from 'vitest'

it('README example', () => {
  const payload = {
    sub: '24400320',
    authorization_details: [
      {
        type: 'urn:bank:params:oauth:request:transaction',
        transaction: {
          amount: '500.00',
          currency: 'EUR',
          destination_account: 'DE02100100109307118603',
        },
      },
    ],
  }
  // --- README example ---
  const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])

  // The details granted in the access token: the claim of a verified JWT payload (RFC 9396 §9.1) …
  const granted = registry.parse(payload.authorization_details ?? [])

  // … against the transfer requested now, as JSON text from a form parameter.
  const requested = registry.parse(
    '[{"type":"urn:bank:params:oauth:request:transaction","transaction":{"amount":"10000","currency":"EUR","destination_account":"DE02100100109307118603"}}]',
  )
  const { covered, uncovered } = registry.covers(granted, requested)
  // covered === false: step up and ask the AS for authorization_details = requested
  // --- end of README example ---

  expect(covered).toBe(false)
  expect(uncovered).toEqual(requested)
  expect(
    registry.covers(granted, registry.parse(JSON.stringify(payload.authorization_details))).covered,
  ).toBe(true)
})
