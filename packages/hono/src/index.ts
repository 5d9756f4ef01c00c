export { protectedResourceMetadata } from './metadata.js'
export type { RequireAssurance, StepUpEnv, StepUpOptions } from './step-up.js'
export { stepUp } from './step-up.js'
