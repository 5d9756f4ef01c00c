import { describe, expect, it } from 'vitest'
import { createAuthorizationDetailsRegistry } from '../registry.js'
import { accountInformationDetailType } from './account-information.js'

const registry = createAuthorizationDetailsRegistry([accountInformationDetailType])
// RFC 9396 §2, the account_information example.
const granted = {
  type: 'account_information',
  actions: ['list_accounts', 'read_balances', 'read_transactions'],
  locations: ['https://example.com/accounts'],
}

describe('account_information covers (default comparison)', () => {
  it('covers the RFC 9396 §2 example by itself and a request for fewer actions', () => {
    expect(registry.covers([granted], [granted]).covered).toBe(true)
    expect(registry.covers([granted], [{ ...granted, actions: ['read_balances'] }]).covered).toBe(
      true,
    )
  })

  it.each<[string, Record<string, unknown>]>([
    ['an action the type does not define', { actions: ['delete_accounts'] }],
    ['a non-boolean recurringIndicator', { recurringIndicator: 'yes' }],
    ['an unknown member', { frequencyPerDay: 4 }],
    ['a malformed account reference', { access: { accounts: [{ iban: 1 }] } }],
  ])('never covers a request with %s, even when granted as is', (_, members) => {
    const detail = { ...granted, ...members }
    expect(registry.covers([detail], [detail])).toEqual({ covered: false, uncovered: [detail] })
  })
})
