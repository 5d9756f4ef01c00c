// A copy of the README example, so it is typechecked and run.
import { AuthorizationDetailsError, createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { expect, it } from 'vitest'

/** The README example, with the verified JWT payload it starts from as a parameter. */
function readmeExample(payload: Readonly<Record<string, unknown>>) {
  // --- README example ---
  const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])

  // The details granted in the access token: the claim of a verified JWT payload (RFC 9396 §9.1),
  // a JSON array. No claim grants nothing; a string (even one holding JSON), null or an object is a
  // broken token, never "nothing granted".
  const claim = payload.authorization_details
  if (claim !== undefined && !Array.isArray(claim)) {
    throw new TypeError('the authorization_details claim is not an array') // answer invalid_token
  }
  const granted = claim === undefined ? [] : registry.parse(claim)

  // … against the transfer requested now, as JSON text from a form parameter.
  const requested = registry.parse(
    '[{"type":"urn:bank:params:oauth:request:transaction","transaction":{"amount":"10000","currency":"EUR","destination_account":"DE02100100109307118603"}}]',
  )
  const { covered, uncovered } = registry.covers(granted, requested)
  // covered === false: step up and ask the AS for authorization_details = requested
  // --- end of README example ---
  return { registry, granted, requested, covered, uncovered }
}

const transfer = (amount: string) => ({
  type: 'urn:bank:params:oauth:request:transaction',
  transaction: { amount, currency: 'EUR', destination_account: 'DE02100100109307118603' },
})

it('README example', () => {
  const payload = { sub: '24400320', authorization_details: [transfer('500.00')] }
  const { registry, granted, requested, covered, uncovered } = readmeExample(payload)

  expect(covered).toBe(false)
  expect(uncovered).toEqual(requested)
  expect(
    registry.covers(granted, registry.parse(JSON.stringify(payload.authorization_details))).covered,
  ).toBe(true)
  expect(
    readmeExample({ sub: '24400320', authorization_details: [transfer('10000.00')] }).covered,
  ).toBe(true)
})

it('README example: no claim grants nothing', () => {
  const { granted, covered } = readmeExample({ sub: '24400320' })
  expect(granted).toEqual([])
  expect(covered).toBe(false)
})

it('README example: a claim that is not an array is refused, not read as nothing granted', () => {
  for (const claim of [JSON.stringify([transfer('10000.00')]), null, transfer('10000.00')]) {
    expect(() => readmeExample({ sub: '24400320', authorization_details: claim })).toThrow(
      TypeError,
    )
  }
  expect(() =>
    readmeExample({ sub: '24400320', authorization_details: [{ type: 'urn:unknown' }] }),
  ).toThrow(AuthorizationDetailsError)
})
