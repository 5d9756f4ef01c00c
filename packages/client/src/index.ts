export {
  buildStepUpAuthorizationParams,
  type StepUpAuthorizationParams,
} from './authorization-params.js'
export { readStepUpChallenge, type StepUpChallenge } from './challenge.js'
export type { DpopOptions } from './dpop.js'
export { StepUpError, type StepUpErrorCode } from './errors.js'
export {
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
  type TypedAccessToken,
} from './step-up-fetch.js'
