export { compareDecimalStrings } from './decimal.js'
export { type CodedTypeError, type InvalidArgumentCode, invalidArgument } from './errors.js'
export { checkOptions, unknownOptionError } from './options.js'
