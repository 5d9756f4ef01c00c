import { mergeConfig, type UserWorkspaceConfig } from 'vitest/config'
import { project } from '../../vitest.shared.ts'

// The tests declare controllers with Nest's (legacy) decorators; nothing relies on emitted
// design-type metadata: every injection names its token with @Inject().
export default mergeConfig(project('@stepup/nestjs') as UserWorkspaceConfig, {
  oxc: { decorator: { legacy: true } },
})
