import { packageProject } from './vitest.package.ts'

export default packageProject('assurance', [
  'src/merge.test.ts',
  'src/risk-policy.test.ts',
  'src/risk-rules.test.ts',
  'test/decision-vectors.test.ts',
  'test/properties.test.ts',
  'test/readme-policy-example.test.ts',
  'test/guard.test.ts',
  '{src,test}/{evaluate,merge,risk-policy,risk-rules}.mutation.test.ts',
])
