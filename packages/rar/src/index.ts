export { coversAuthorizationDetails } from './covers.js'
export {
  type AuthorizationDetail,
  type AuthorizationDetailType,
  defineAuthorizationDetailType,
  type InferAuthorizationDetail,
} from './detail-type.js'
export { authorizationDetailsDigest } from './digest.js'
export { encodeAuthorizationDetails } from './encode.js'
export { AuthorizationDetailsError, type AuthorizationDetailsErrorCode } from './errors.js'
export {
  type AuthorizationDetailsRegistry,
  type AuthorizationDetailsRegistryOptions,
  createAuthorizationDetailsRegistry,
} from './registry.js'
