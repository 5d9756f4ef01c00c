// Plays the step-up story headlessly: `pnpm demo` (Express) or `pnpm demo -- --framework fastify`.
import { runStory, StoryError } from './story.ts'

const args = process.argv.slice(2).filter((arg) => arg !== '--')
let framework: 'express' | 'fastify' = 'express'
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!
  const value = arg.startsWith('--framework=')
    ? arg.slice(12)
    : arg === '--framework'
      ? args[++i]
      : undefined
  if (value === undefined) {
    console.error(`unknown argument ${arg}\nusage: demo [--framework express|fastify]`)
    process.exit(2)
  }
  if (value !== 'express' && value !== 'fastify') {
    console.error('--framework must be express or fastify')
    process.exit(2)
  }
  framework = value
}

try {
  await runStory({ framework })
  process.exitCode = 0
} catch (error) {
  if (error instanceof StoryError) console.error(`\nThe story broke at: ${error.message}`)
  else console.error('\nThe demo failed:', error)
  process.exitCode = 1
}
