import { project } from '../../vitest.shared.ts'

export default project('bank-web', {
  include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
  testTimeout: 180000,
  hookTimeout: 180000,
})
