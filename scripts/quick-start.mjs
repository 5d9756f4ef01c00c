// Prints one of the two commands of the README's quick start: `demo` (the first) or `test` (the second).
import { readFileSync } from 'node:fs'

const which = process.argv[2]
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const section = readme.split(/^## Quick start\s*$/m)[1]
const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1]
const commands = (block ?? '')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
if (commands.length !== 2) {
  console.error(`README quick start must hold exactly two commands, found ${commands.length}`)
  process.exit(1)
}
const index = { demo: 0, test: 1 }[which]
if (index === undefined) {
  console.error('usage: node scripts/quick-start.mjs demo|test')
  process.exit(2)
}
console.log(commands[index])
