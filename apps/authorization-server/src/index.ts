export {
  ACR_MFA,
  ACR_PASSWORD,
  ACR_PHR,
  ACR_PHRH,
  createStepUpAcrRegistry,
  SUPPORTED_ACR_VALUES,
} from './acr.ts'
export { BANK_TRANSACTION_TYPE, createBankAuthorizationDetailsRegistry } from './bank-details.ts'
export type { EnrolmentCode } from './enrolment.ts'
export type { SignInLockoutOptions } from './lockout.ts'
export type { AuthorizationDetailsValidator } from './rar.ts'
export {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  createAuthorizationServer,
  DEFAULT_CLIENTS,
  DEFAULT_RESOURCE_SCOPES,
} from './server.ts'
export {
  DEMO_USERS,
  type SeedUser,
  type StoredCredential,
  type StoredUser,
  type UserStore,
} from './store.ts'
