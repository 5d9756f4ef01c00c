export { normalizeAllowedOrigins } from './allowed-origins.js'
export type { AuthorizationDetail } from './authorization-details.js'
export {
  buildStepUpAuthorizationParams,
  type StepUpAuthorizationParams,
  type StepUpAuthorizationParamsOptions,
} from './authorization-params.js'
export {
  challengeKey,
  type InsufficientAuthorizationDetailsChallenge,
  type InsufficientClaimsChallenge,
  type InsufficientScopeChallenge,
  parseChallengeBody,
  type ReadStepUpChallengeOptions,
  readStepUpChallenge,
  type StepUpAuthenticationChallenge,
  type StepUpChallenge,
  type StepUpChallengeBase,
  type UseDpopNonceChallenge,
} from './challenge.js'
export type { DpopOptions } from './dpop.js'
export { StepUpError, type StepUpErrorCode, type StepUpErrorOptions } from './errors.js'
export { nextRedirectHop, type RedirectHop } from './redirect.js'
export {
  type FetchProtectedResourceMetadataOptions,
  fetchProtectedResourceMetadata,
  type ProtectedResourceMetadata,
} from './resource-metadata.js'
export {
  type AccessToken,
  createStepUpFetch,
  type InvalidTokenContext,
  type StepUpContext,
  type StepUpFetch,
  type StepUpFetchOptions,
  type StepUpRequestContext,
  stepUpFailureCode,
  type TypedAccessToken,
} from './step-up-fetch.js'
