export { compareDecimalStrings } from './decimal.js'
export { type CodedTypeError, type InvalidArgumentCode, invalidArgument } from './errors.js'
export {
  OAUTH_ERROR_STATUS,
  type OAuthErrorStatusCode,
  type RefusalCode,
  refusalCode,
} from './oauth-status.js'
export { checkOptions, unknownOptionError } from './options.js'
