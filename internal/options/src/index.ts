export { checkOptions, unknownOptionError } from './options.js'
