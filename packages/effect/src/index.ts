export { AccessTokenVerifier } from './access-token-verifier.js'
export { AcrRegistry } from './acr-registry.js'
export {
  AuthorizationDetailsRegistry,
  parseAuthorizationDetails,
} from './authorization-details-registry.js'
export type { StepUpFailedCode } from './client-errors.js'
export { ConsumedGrantStore, type ConsumedGrantStoreShape } from './consumed-grant-store.js'
export { StepUpAuthError, type StepUpAuthErrorReason } from './errors.js'
export { evaluate } from './evaluate.js'
export {
  protectedResourceMetadata,
  type Resolvable,
  requireAssurance,
  type StepUpOptions,
  stepUpMiddleware,
  VerifiedClaims,
} from './middleware.js'
export { RiskPolicy } from './risk-policy.js'
export {
  type InvalidTokenContext,
  makeStepUpClient,
  type StepUpClientOptions,
} from './step-up-client.js'
export { parseWwwAuthenticate, readStepUpChallenge } from './www-authenticate.js'
