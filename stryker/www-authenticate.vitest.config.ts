import { packageProject } from './vitest.package.ts'

export default packageProject('www-authenticate', ['src/**/*.test.ts', 'test/**/*.test.ts'])
