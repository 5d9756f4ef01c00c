export {
  type ConsumedGrantStore,
  createMemoryConsumedGrantStore,
  type MemoryConsumedGrantStoreOptions,
} from './consumed-grant-store.js'
export { mergeRequirements } from './merge.js'
export { InvalidRequestError, normalizePath } from './request-input.js'
export {
  createRiskPolicy,
  grantKey,
  type RiskAssessment,
  type RiskContext,
  type RiskDecision,
  type RiskPolicy,
  type RiskPolicyOptions,
  type RiskRequirement,
  type RiskRule,
} from './risk-policy.js'
export {
  type AmountThreshold,
  type AmountThresholdOptions,
  amountThreshold,
  type DestructiveMethodOptions,
  destructiveMethod,
  newDevice,
  sessionOlderThan,
  transactionBinding,
} from './risk-rules.js'
