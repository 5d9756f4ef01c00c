export {
  ACR_MOD_MF,
  ACR_MOD_PR,
  ACR_PHR,
  ACR_PHRH,
  BUILT_IN_ACR_DEFINITIONS,
} from './acr-values.js'
export type { AcrDefinition, AmrRule } from './definition.js'
export type { AcrRegistryErrorCode, AcrRegistryTypeError } from './errors.js'
export { intersectAcceptable } from './intersect.js'
export { type AcrRegistry, type AcrRegistryOptions, createAcrRegistry } from './registry.js'
