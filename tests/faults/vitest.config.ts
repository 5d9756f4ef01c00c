import { project } from '../../vitest.shared.ts'

// Real child processes and sockets: each test bounds its own waits well below this.
export default project('faults', { testTimeout: 60000, hookTimeout: 60000 })
