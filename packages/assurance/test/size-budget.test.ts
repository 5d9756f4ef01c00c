import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import * as main from '../src/index.js'

// The bundle budget of the main entry is measured by importing its runtime exports by name; a new
// export must be added to that list, or it would escape the budget.
test('the size budget of the main entry covers every runtime export', () => {
  const budgets = JSON.parse(
    readFileSync(new URL('../.size-limit.json', import.meta.url), 'utf8'),
  ) as { name: string; import: string }[]
  const budget = budgets.find((b) => b.name === '@stepup/assurance')
  const measured = budget?.import
    .replace(/[{}\s]/g, '')
    .split(',')
    .sort()
  expect(measured).toEqual(Object.keys(main).sort())
})
