import { type AuthorizationDetailsRegistry, createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'

/** The RAR type of the banking scenario's transfers. */
export const BANK_TRANSACTION_TYPE = 'urn:bank:params:oauth:request:transaction'

/**
 * The `authorization_details` registry the server validates against by default: the bank
 * transfer type `urn:bank:params:oauth:request:transaction` from @stepup/rar (unknown types and
 * unknown members rejected, amounts as decimal strings).
 *
 * @example
 * ```ts
 * const registry = createBankAuthorizationDetailsRegistry()
 * registry.typesSupported() // ['urn:bank:params:oauth:request:transaction']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-5
 */
export function createBankAuthorizationDetailsRegistry(): AuthorizationDetailsRegistry {
  return createAuthorizationDetailsRegistry([bankTransactionDetailType])
}

/**
 * The payees the sample bank knows by name, by account: what the sign-in server shows next to an
 * account number on the page where a transfer is confirmed. The bank API's ledger holds the same.
 */
export const BANK_PAYEES: ReadonlyMap<string, string> = new Map([
  ['ACC-987654', 'Mad Hatter Tea Co.'],
  ['ACC-555123', 'White Rabbit Watches'],
])
