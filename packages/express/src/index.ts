export { StepUpHttpError } from './error.js'
export { protectedResourceMetadata } from './metadata.js'
export type { StepUpOptions } from './step-up.js'
export { stepUp } from './step-up.js'
