import { packageProject } from './vitest.package.ts'

export default packageProject('client', ['src/**/*.test.ts', 'test/**/*.test.ts'])
