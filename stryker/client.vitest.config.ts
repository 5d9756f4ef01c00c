import { packageProject } from './vitest.package.ts'

export default packageProject('client')
