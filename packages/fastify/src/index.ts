import { stepUp } from './plugin.js'

export type { StepUpOptions } from './plugin.js'
export { stepUp }
export default stepUp
