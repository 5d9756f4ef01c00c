import { packageProject } from './vitest.package.ts'

export default packageProject('assurance', [
  'test/redis.integration.test.ts',
  'test/size-budget.test.ts',
])
