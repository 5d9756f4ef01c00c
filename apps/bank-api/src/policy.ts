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
import { checkOptions } from '@stepup/internal'
import { type AuthorizationDetailsRegistry, createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { type BankLimits, DEFAULT_LIMITS, resolveLimits } from './limits.ts'

/** The RAR type of a transfer (RFC 9396 §2), as the authorization server registers it. */
export const TRANSFER_TYPE = 'urn:bank:params:oauth:request:transaction'

/** Reading accounts and balances: the scope only, no step-up. */
export const READ_REQUIREMENT: AssuranceRequirement = Object.freeze({ scope: ['accounts:read'] })

/** Any transfer needs the scope; the amount decides the rest (see {@link TRANSFER_THRESHOLDS}). */
export const TRANSFER_SCOPE_REQUIREMENT: AssuranceRequirement = Object.freeze({
  scope: ['transfers:write'],
})

/**
 * Changing the password needs a sign-in no older than five minutes by default (RFC 9470
 * `max_age`; `passwordMaxAge`, `PASSWORD_CHANGE_MAX_AGE`).
 */
export const PASSWORD_CHANGE_REQUIREMENT: AssuranceRequirement = passwordChange(DEFAULT_LIMITS)

/**
 * The default risk policy on transfer amounts: from 1,000 a phishing-resistant sign-in (`phr`)
 * within 300 s; from 10,000 a hardware-bound one (`phrh`) within 60 s (see `BankLimits`).
 */
export const TRANSFER_THRESHOLDS: readonly AmountThreshold[] = thresholds(DEFAULT_LIMITS)

/**
 * From this amount by default the token must carry the transfer's details, confirmed with a
 * security key (`authorization_details_digest`), and serves one transfer.
 */
export const TRANSACTION_BINDING_FROM: string = DEFAULT_LIMITS.bindingFrom

/** The name of the rule binding a transfer to its token; a decision that fired it is bound. */
export const TRANSACTION_BINDING_RULE = 'transaction-binding'

function passwordChange(limits: BankLimits): AssuranceRequirement {
  return Object.freeze({ scope: ['password:write'], max_age: limits.passwordMaxAge })
}

function thresholds(limits: BankLimits): readonly AmountThreshold[] {
  return Object.freeze([
    { atLeast: limits.phrFrom, acr_values: ['phr'], max_age: limits.phrMaxAge },
    { atLeast: limits.phrhFrom, acr_values: ['phrh'], max_age: limits.phrhMaxAge },
  ])
}

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
  /** The transfer decision: the amount's sign-in, and from `bindingFrom` a single-use binding. */
  readonly transfers: RiskPolicy
  /** The limits this policy enforces (the defaults completed with the options). */
  readonly limits: BankLimits
}

/**
 * Options of {@link createBankPolicy}: the limits (each omitted one takes its default, see
 * `DEFAULT_LIMITS`) and where single-use grants are marked.
 */
export interface BankPolicyOptions extends Partial<BankLimits> {
  /** Where single-use grants are marked (default: in memory, this process). */
  readonly grants?: ConsumedGrantStore | undefined
}

const POLICY_OPTIONS: ReadonlySet<string> = new Set([
  'grants',
  'phrFrom',
  'phrMaxAge',
  'phrhFrom',
  'phrhMaxAge',
  'bindingFrom',
  'passwordMaxAge',
])

/**
 * Build the bank's policy: a plain list of rules. The guard answers one challenge that fixes
 * everything at once — a token too weak or too old gets `401 insufficient_user_authentication`
 * with `acr_values`, `max_age` and the transfer's `authorization_details` to request; a strong,
 * fresh token whose details do not cover the transfer, or whose single-use grant was already
 * spent, gets `403 insufficient_authorization_details`.
 */
export function createBankPolicy(options: BankPolicyOptions = {}): BankPolicy {
  checkOptions(options, POLICY_OPTIONS, 'createBankPolicy')
  const { grants: store, ...given } = options
  // Malformed or contradictory limits throw here, naming the option (BankLimitsError).
  const limits = resolveLimits(given)
  const acr = createAcrRegistry()
  const grants = store ?? createMemoryConsumedGrantStore()
  // Coverage is decided by the bank transfer type (amounts compared as decimals), not by
  // RFC 9396's default member-by-member equality.
  const authorizationDetails = createAuthorizationDetailsRegistry([bankTransactionDetailType])
  const transfers = createRiskPolicy(
    [
      amountThreshold({
        type: TRANSFER_TYPE,
        thresholds: thresholds(limits),
        bind: false,
        name: 'transfer-amount',
      }),
      amountThreshold({
        type: TRANSFER_TYPE,
        thresholds: [{ atLeast: limits.bindingFrom, singleUse: true }],
        name: TRANSACTION_BINDING_RULE,
      }),
    ],
    { acrRegistry: acr, authorizationDetailsRegistry: authorizationDetails, grants },
  )
  return {
    acr,
    authorizationDetails,
    grants,
    read: READ_REQUIREMENT,
    transferScope: TRANSFER_SCOPE_REQUIREMENT,
    passwordChange: passwordChange(limits),
    transfers,
    limits,
  }
}
