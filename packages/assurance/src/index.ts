export {
  type AssuranceChallenge,
  type ChallengeOptions,
  type ErrorResponse,
  toErrorResponse,
} from './challenge.js'
export {
  type AccessTokenClaims,
  type AuthorizationDetailsRegistryLike,
  checkConfirmation,
  parseAccessTokenClaims,
} from './claims.js'
export {
  type ConsumedGrantStore,
  createMemoryConsumedGrantStore,
  type MemoryConsumedGrantStoreOptions,
} from './consumed-grant-store.js'
export {
  createDpopProofVerifier,
  type DpopProofCheck,
  DpopProofError,
  type DpopProofVerifier,
  type DpopProofVerifierOptions,
} from './dpop.js'
export {
  createDpopNonceSource,
  type DpopNonceSource,
  type DpopNonceSourceOptions,
} from './dpop-nonce.js'
export { AccessTokenError, AssuranceError, type AssuranceErrorCode } from './errors.js'
export {
  type AssuranceClaimsInput,
  type AssuranceFailure,
  type AssuranceReason,
  type AssuranceRequirement,
  type AssuranceResult,
  type EvaluateAssuranceOptions,
  evaluateAssurance,
  type ResourceServerErrorCode,
} from './evaluate.js'
export {
  checkStepUpOptions,
  createStepUpGuard,
  type HttpRequestView,
  type RequirementSource,
  readRequestBody,
  type StepUpAuth,
  type StepUpEvent,
  type StepUpGuard,
  type StepUpGuardOptions,
  type StepUpOutcome,
} from './http.js'
export {
  createIntrospectionVerifier,
  type IntrospectionVerifierOptions,
} from './introspection-verifier.js'
export { createJwtAccessTokenVerifier, type JwtAccessTokenVerifierOptions } from './jwt-verifier.js'
export {
  createMultiIssuerVerifier,
  type IssuerOptions,
  type MultiIssuerVerifier,
  type MultiIssuerVerifierOptions,
} from './multi-issuer-verifier.js'
export { InvalidRequestError } from './request-input.js'
export {
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
} from './resource-metadata.js'
export {
  createRiskPolicy,
  type RiskAssessment,
  type RiskContext,
  type RiskPolicy,
  type RiskRequirement,
  type RiskRule,
} from './risk-policy.js'
export {
  type AmountThreshold,
  amountThreshold,
  destructiveMethod,
  newDevice,
  sessionOlderThan,
  transactionBinding,
} from './risk-rules.js'
export type { AccessTokenVerifier, VerifyOptions } from './verifier.js'
