import { packageProject } from './vitest.package.ts'

export default packageProject('assurance', [
  'src/introspection-verifier.test.ts',
  'src/token-cache.test.ts',
  'test/dpop.test.ts',
  'test/dpop-nonce.test.ts',
  'test/jwt-verifier*.test.ts',
  'test/jws.test.ts',
  'test/guard.test.ts',
  'src/http.test.ts',
  '{src,test}/{jwt-verifier,claims,introspection-verifier,dpop}.mutation.test.ts',
])
