import { expect, test } from 'vitest'
import { stepUpFailureCode } from './failure-code.js'

test.each([
  [{ error: 'unmet_authentication_requirements' }, 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS'],
  [
    { cause: { error: 'unmet_authentication_requirements' } },
    'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS',
  ],
  [new DOMException('closed the popup', 'AbortError'), 'ERR_STEP_UP_CANCELLED'],
  [new Error('network down'), 'ERR_STEP_UP_FAILED'],
  [undefined, 'ERR_STEP_UP_FAILED'],
])('stepUpFailureCode(%o) → %s', (error, code) => {
  expect(stepUpFailureCode(error)).toBe(code)
})
