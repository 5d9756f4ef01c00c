import { packageProject } from './vitest.package.ts'

export default packageProject('assurance', [
  'test/jwt-verifier*.test.ts',
  'test/jws.test.ts',
  'test/claims.mutation.test.ts',
  'test/guard.test.ts',
  'src/http.test.ts',
])
