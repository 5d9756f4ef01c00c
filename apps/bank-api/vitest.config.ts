import { project } from '../../vitest.shared.ts'

export default project('bank-api', { testTimeout: 60000 })
