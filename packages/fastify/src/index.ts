import { stepUp } from './plugin.js'

export type { StepUpPluginOptions } from './plugin.js'
export { stepUp }
export default stepUp
