export { AccessTokenVerifier, type AccessTokenVerifierShape } from './access-token-verifier.js'
export { AcrRegistry } from './acr-registry.js'
export {
  type AssuranceDenied,
  type DecisionFields,
  type DeniedFields,
  InsufficientAuthorizationDetails,
  InsufficientScope,
  InsufficientUserAuthentication,
  InvalidAuthorizationDetails,
  type InvalidAuthorizationDetailsFields,
  InvalidToken,
  type InvalidTokenFields,
  toHttpServerResponse,
} from './assurance-errors.js'
export {
  AuthorizationDetailsRegistry,
  parseAuthorizationDetails,
} from './authorization-details-registry.js'
export {
  StepUpFailed,
  type StepUpFailedCode,
  type StepUpFailedFields,
  WwwAuthenticateParseError,
  type WwwAuthenticateParseErrorFields,
} from './client-errors.js'
export { ConsumedGrantStore, type ConsumedGrantStoreShape } from './consumed-grant-store.js'
export { fromAssuranceFailure, StepUpAuthError, type StepUpAuthErrorReason } from './errors.js'
export { evaluate } from './evaluate.js'
export {
  protectedResourceMetadata,
  type Resolvable,
  requireAssurance,
  type StepUpOptions,
  stepUpMiddleware,
  VerifiedClaims,
} from './middleware.js'
export { assess, RiskPolicy } from './risk-policy.js'
export {
  DEFAULT_RETRY,
  type InvalidTokenContext,
  makeStepUpClient,
  type StepUpClientOptions,
} from './step-up-client.js'
export { parseWwwAuthenticate, readStepUpChallenge } from './www-authenticate.js'
