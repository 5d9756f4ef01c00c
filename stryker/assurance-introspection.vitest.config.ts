import { packageProject } from './vitest.package.ts'

export default packageProject('assurance', [
  'src/introspection-verifier.test.ts',
  'src/introspection-verifier.mutation.test.ts',
])
