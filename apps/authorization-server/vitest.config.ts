import { project } from '../../vitest.shared.ts'

export default project('authorization-server', { testTimeout: 30000 })
