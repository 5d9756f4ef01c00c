export type { AuthorizationCodeOptions } from './authorization-code.js'
export type { StepUpPopup, StepUpWindow } from './browser-window.js'
export {
  type ResumeAfterRedirectOptions,
  type ResumedStepUp,
  resumeAfterRedirect,
} from './pending-step-up.js'
export {
  type CompleteStepUpInPopupOptions,
  completeStepUpInPopup,
  createPopupStepUp,
  type PopupStepUp,
  type PopupStepUpOptions,
} from './popup-step-up.js'
