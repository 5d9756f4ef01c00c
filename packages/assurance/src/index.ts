export {
  type AssuranceChallenge,
  type ChallengeOptions,
  type ErrorResponse,
  type ErrorResponseBody,
  type ErrorSource,
  toErrorResponse,
} from './challenge.js'
export {
  type AccessTokenClaims,
  type AuthorizationDetailsRegistryLike,
  type ConfirmationChecks,
  checkConfirmation,
  parseAccessTokenClaims,
  type RequiredClaim,
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
  type DpopProofErrorCode,
  type DpopProofVerifier,
  type DpopProofVerifierOptions,
} from './dpop.js'
export {
  createDpopNonceSource,
  type DpopNonceSource,
  type DpopNonceSourceOptions,
} from './dpop-nonce.js'
export {
  AccessTokenError,
  type AccessTokenErrorCode,
  AssuranceError,
  type AssuranceErrorCode,
  type GrantStoreErrorCode,
} from './errors.js'
export {
  type AssuranceClaimsInput,
  type AssuranceFailure,
  type AssuranceOAuthErrorCode,
  type AssuranceReason,
  type AssuranceRequirement,
  type AssuranceResult,
  type EvaluateAssuranceOptions,
  evaluateAssurance,
} from './evaluate.js'
export {
  type AccessTokenSources,
  type ExtractAccessTokenOptions,
  type ExtractAccessTokenResult,
  extractAccessToken,
} from './extract.js'
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
export { mergeRequirements } from './merge.js'
export {
  createMultiIssuerVerifier,
  type IntrospectionIssuerOptions,
  type IssuerOptions,
  type JwtIssuerOptions,
  type MultiIssuerVerifier,
  type MultiIssuerVerifierOptions,
} from './multi-issuer-verifier.js'
export { InvalidRequestError, normalizePath } from './request-input.js'
export {
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
} from './resource-metadata.js'
export {
  createRiskPolicy,
  grantKey,
  isRiskPolicy,
  type RiskAssessment,
  type RiskContext,
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
export {
  OAUTH_ERROR_STATUS,
  type RefusalCode,
  type ResourceServerErrorCode,
  refusalCode,
} from './status.js'
export type { AccessTokenVerifier, VerifierCacheOptions, VerifyOptions } from './verifier.js'
