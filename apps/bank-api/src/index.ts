export { type BankApi, type BankApiOptions, createBankApi } from './bank-api.ts'
export { freePort } from './free-port.ts'
export { type Account, EXTERNAL_PAYEES, type Transfer } from './ledger.ts'
export {
  ACR_VALUES_SUPPORTED,
  type BankPolicy,
  createBankPolicy,
  PASSWORD_CHANGE_REQUIREMENT,
  READ_REQUIREMENT,
  SCOPES_SUPPORTED,
  TRANSACTION_BINDING_FROM,
  TRANSFER_SCOPE_REQUIREMENT,
  TRANSFER_THRESHOLDS,
  TRANSFER_TYPE,
} from './policy.ts'
export type { ChangePassword } from './service.ts'
