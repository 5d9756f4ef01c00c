export type { ResumeAfterRedirectOptions } from './authorization-code.js'
export { type ResumedStepUp, resumeAfterRedirect } from './pending-step-up.js'
export {
  type CompleteStepUpInPopupOptions,
  completeStepUpInPopup,
  createPopupStepUp,
  type PopupStepUp,
  type PopupStepUpOptions,
} from './popup-step-up.js'
