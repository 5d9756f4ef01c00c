import { packageProject } from './vitest.package.ts'

export default packageProject('assurance', [
  'src/http.test.ts',
  'src/extract.test.ts',
  'test/guard.test.ts',
  'test/guard-option-checks.test.ts',
  'test/dpop.test.ts',
  'test/dpop-nonce.test.ts',
  'test/otel.test.ts',
  'test/otel-audit-log.test.ts',
  'test/properties.test.ts',
  'test/readme-example.test.ts',
  'test/readme-policy-example.test.ts',
  'src/risk-rules.test.ts',
  'src/risk-rules.mutation.test.ts',
  '{src,test}/{http,request-input,extract}.mutation.test.ts',
])
