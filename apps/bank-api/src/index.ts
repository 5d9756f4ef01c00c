export { type BankApi, type BankApiOptions, createBankApi } from './bank-api.ts'
export { freePort } from './free-port.ts'
export { type Account, EXTERNAL_PAYEES, type Payee, type Transfer } from './ledger.ts'
export {
  type BankLimits,
  BankLimitsError,
  type BankLimitsIssue,
  DEFAULT_LIMITS,
  LIMIT_VARIABLES,
  parseLimitsEnv,
} from './limits.ts'
export {
  ACR_VALUES_SUPPORTED,
  type BankPolicy,
  type BankPolicyOptions,
  createBankPolicy,
  PASSWORD_CHANGE_REQUIREMENT,
  READ_REQUIREMENT,
  SCOPES_SUPPORTED,
  TRANSACTION_BINDING_FROM,
  TRANSACTION_BINDING_RULE,
  TRANSFER_SCOPE_REQUIREMENT,
  TRANSFER_THRESHOLDS,
  TRANSFER_TYPE,
} from './policy.ts'
export type { ChangePassword } from './service.ts'
