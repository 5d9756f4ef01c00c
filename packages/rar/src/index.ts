export {
  readAuthorizationDetailsClaim,
  readIntrospectionAuthorizationDetails,
} from './claims.js'
export { coversAuthorizationDetails } from './covers.js'
export { compareDecimalStrings } from './decimal.js'
export {
  type AuthorizationDetail,
  type AuthorizationDetailCommonFields,
  type AuthorizationDetailType,
  defineAuthorizationDetailType,
  type InferAuthorizationDetail,
  type TypedAuthorizationDetail,
} from './detail-type.js'
export { authorizationDetailsDigest } from './digest.js'
export { encodeAuthorizationDetails } from './encode.js'
export {
  AuthorizationDetailsError,
  type AuthorizationDetailsErrorCode,
  type AuthorizationDetailsIssue,
} from './errors.js'
export type { AuthorizationDetailsLimits } from './json.js'
export {
  type AuthorizationDetailsCoverage,
  type AuthorizationDetailsRegistry,
  type AuthorizationDetailsRegistryOptions,
  createAuthorizationDetailsRegistry,
  type JsonSchema,
  type SafeParseAuthorizationDetailsResult,
} from './registry.js'
