export {
  type AuthorizationDetail,
  buildStepUpAuthorizationParams,
  type StepUpAuthorizationParams,
  type StepUpAuthorizationParamsOptions,
} from './authorization-params.js'
export {
  challengeKey,
  type InsufficientClaimsChallenge,
  type InsufficientScopeChallenge,
  type ReadStepUpChallengeOptions,
  readStepUpChallenge,
  type StepUpAuthenticationChallenge,
  type StepUpChallenge,
  type StepUpChallengeBase,
  type UseDpopNonceChallenge,
} from './challenge.js'
export { StepUpError, type StepUpErrorCode, type StepUpErrorOptions } from './errors.js'
export {
  createStepUpFetch,
  type InvalidTokenContext,
  type StepUpFetch,
  type StepUpFetchOptions,
  type StepUpRequestContext,
  stepUpFailureCode,
} from './step-up-fetch.js'
