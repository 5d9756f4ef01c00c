export type { StepUpAuth } from '@stepup/assurance'
export { Auth } from './auth.js'
export { RequireAssurance } from './decorators.js'
export { StepUpException } from './exception.js'
export { StepUpGuard } from './guard.js'
export { StepUpModule } from './module.js'
export type {
  RequireAssuranceInput,
  StepUpModuleAsyncOptions,
  StepUpModuleOptions,
} from './options.js'
