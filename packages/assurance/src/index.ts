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
export { AccessTokenError, type AccessTokenErrorCode } from './errors.js'
export {
  type AssuranceClaimsInput,
  type AssuranceError,
  type AssuranceFailure,
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
export { createJwtAccessTokenVerifier, type JwtAccessTokenVerifierOptions } from './jwt-verifier.js'
export {
  createMultiIssuerVerifier,
  type IntrospectionIssuerOptions,
  type IssuerOptions,
  type JwtIssuerOptions,
  type MultiIssuerVerifier,
  type MultiIssuerVerifierOptions,
} from './multi-issuer-verifier.js'
export { InvalidRequestError } from './request-input.js'
export { OAUTH_ERROR_STATUS, type OAuthErrorCode } from './status.js'
export type { AccessTokenVerifier, VerifierCacheOptions, VerifyOptions } from './verifier.js'
