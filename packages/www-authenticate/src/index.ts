export type {
  ParseOptions,
  SafeParseResult,
  WwwAuthenticateChallenge,
  WwwAuthenticateChallengeInit,
} from './challenge.js'
export { decodeClaimsChallenge } from './claims.js'
export type { OAuthErrorCode } from './constants.js'
export type { OAuthChallengeOptions, StepUpChallengeOptions } from './create-challenge.js'
export { createOAuthChallenge, createStepUpChallenge } from './create-challenge.js'
export type { WwwAuthenticateErrorCode } from './errors.js'
export { WwwAuthenticateError, WwwAuthenticateParseError } from './errors.js'
export {
  isErrorDescription,
  isScopeToken,
  isToken,
  isToken68,
} from './grammar.js'
export type { OAuthChallenge } from './oauth-challenge.js'
export { parseOAuthChallenge } from './oauth-challenge.js'
export {
  parseAuthorization,
  parseWwwAuthenticate,
  safeParseAuthorization,
  safeParseWwwAuthenticate,
} from './parse.js'
export { serializeAuthorization, serializeWwwAuthenticate } from './serialize.js'
