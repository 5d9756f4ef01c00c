import { packageProject } from './vitest.package.ts'

export default packageProject('www-authenticate')
