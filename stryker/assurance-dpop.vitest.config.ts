import { packageProject } from './vitest.package.ts'

export default packageProject('assurance', [
  'test/dpop.test.ts',
  'test/dpop-nonce.test.ts',
  'test/dpop.mutation.test.ts',
])
