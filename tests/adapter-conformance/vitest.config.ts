import { project } from '../../vitest.shared.ts'

export default project('adapter-conformance', { testTimeout: 30000 })
