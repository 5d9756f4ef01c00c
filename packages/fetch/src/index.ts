export { protectedResourceMetadata } from './metadata.js'
export type { StepUpOptions } from './with-step-up.js'
export { evaluateRequest, withStepUp } from './with-step-up.js'
