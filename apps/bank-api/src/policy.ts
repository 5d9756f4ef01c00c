import { type AcrRegistry, createAcrRegistry } from '@stepup/acr'
import type { AssuranceRequirement } from '@stepup/assurance'
import {
  type AmountThreshold,
  amountThreshold,
  type ConsumedGrantStore,
  createMemoryConsumedGrantStore,
  createRiskPolicy,
  type RiskPolicy,
} from '@stepup/assurance'
import { type AuthorizationDetailsRegistry, createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'

/** The RAR type of a transfer (RFC 9396 §2), as the authorization server registers it. */
export const TRANSFER_TYPE = 'urn:bank:params:oauth:request:transaction'

/** Reading accounts and balances: the scope only, no step-up. */
export const READ_REQUIREMENT: AssuranceRequirement = Object.freeze({ scope: ['accounts:read'] })

/** Any transfer needs the scope; the amount decides the rest (see {@link TRANSFER_THRESHOLDS}). */
export const TRANSFER_SCOPE_REQUIREMENT: AssuranceRequirement = Object.freeze({
  scope: ['transfers:write'],
})

/** Changing the password needs a sign-in no older than five minutes (RFC 9470 `max_age`). */
export const PASSWORD_CHANGE_REQUIREMENT: AssuranceRequirement = Object.freeze({
  scope: ['password:write'],
  max_age: 300,
})

/**
 * The risk policy on transfer amounts: from 1,000 a phishing-resistant sign-in (`phr`) within
 * 300 s; from 10,000 a hardware-bound one (`phrh`) within 60 s, with a token whose
 * `authorization_details` cover this transfer, usable once.
 */
export const TRANSFER_THRESHOLDS: readonly AmountThreshold[] = Object.freeze([
  { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
  { atLeast: '10000', acr_values: ['phrh'], max_age: 60 },
])

/** From this amount the token must carry the transfer's details, and serves one transfer. */
export const TRANSACTION_BINDING_FROM = '10000'

/** The acr values this API may ask for, advertised in its RFC 9728 metadata. */
export const ACR_VALUES_SUPPORTED: readonly string[] = Object.freeze(['phr', 'phrh'])

/** Scopes of the bank API resource. */
export const SCOPES_SUPPORTED: readonly string[] = Object.freeze([
  'accounts:read',
  'transfers:write',
  'password:write',
])

/** Everything both frameworks enforce, built once per API instance. */
export interface BankPolicy {
  readonly acr: AcrRegistry
  readonly authorizationDetails: AuthorizationDetailsRegistry
  readonly grants: ConsumedGrantStore
  readonly read: AssuranceRequirement
  readonly transferScope: AssuranceRequirement
  readonly passwordChange: AssuranceRequirement
  /** The transfer decision: the amount's sign-in, and from 10,000 a single-use binding. */
  readonly transfers: RiskPolicy
}

/** Options of {@link createBankPolicy}. */
export interface BankPolicyOptions {
  /** Where single-use grants are marked (default: in memory, this process). */
  readonly grants?: ConsumedGrantStore
}

/**
 * Build the bank's policy: a plain list of rules. The guard answers one challenge that fixes
 * everything at once — a token too weak or too old gets `401 insufficient_user_authentication`
 * with `acr_values`, `max_age` and the transfer's `authorization_details` to request; a strong,
 * fresh token whose details do not cover the transfer, or whose single-use grant was already
 * spent, gets `403 insufficient_authorization_details`.
 */
export function createBankPolicy(options: BankPolicyOptions = {}): BankPolicy {
  const acr = createAcrRegistry()
  const grants = options.grants ?? createMemoryConsumedGrantStore()
  // Coverage is decided by the bank transfer type (amounts compared as decimals), not by
  // RFC 9396's default member-by-member equality.
  const authorizationDetails = createAuthorizationDetailsRegistry([bankTransactionDetailType])
  const transfers = createRiskPolicy(
    [
      amountThreshold({
        type: TRANSFER_TYPE,
        thresholds: TRANSFER_THRESHOLDS,
        bind: false,
        name: 'transfer-amount',
      }),
      amountThreshold({
        type: TRANSFER_TYPE,
        thresholds: [{ atLeast: TRANSACTION_BINDING_FROM, singleUse: true }],
        name: 'transaction-binding',
      }),
    ],
    { acr, authorizationDetails, grants },
  )
  return {
    acr,
    authorizationDetails,
    grants,
    read: READ_REQUIREMENT,
    transferScope: TRANSFER_SCOPE_REQUIREMENT,
    passwordChange: PASSWORD_CHANGE_REQUIREMENT,
    transfers,
  }
}
