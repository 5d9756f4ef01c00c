import { describe, expect, it } from 'vitest'
import { StepUpError } from './errors.js'

describe('StepUpError', () => {
  it('is an Error with a name, a code, the challenge, the response and the cause', () => {
    const challenge = {
      kind: 'step_up',
      scheme: 'bearer',
      raw: { scheme: 'bearer', params: {} },
    } as const
    const response = new Response(null, { status: 401 })
    const cause = new Error('inner')
    const error = new StepUpError('ERR_STEP_UP_LOOP', 'loop', { challenge, response, cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('StepUpError')
    expect(error.code).toBe('ERR_STEP_UP_LOOP')
    expect(error.challenge).toBe(challenge)
    expect(error.response).toBe(response)
    expect(error.cause).toBe(cause)
    expect(error.message).toBe('loop')
  })

  it('refuses an unknown option key', () => {
    expect(() => new StepUpError('ERR_STEP_UP_FAILED', 'x', { casue: 1 } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'StepUpError: unknown option "casue" (did you mean "cause"?)',
      }),
    )
  })

  it('has no cause unless one is given', () => {
    const error = new StepUpError('ERR_BODY_NOT_REPLAYABLE', 'stream')
    expect('cause' in error).toBe(false)
    expect(error.challenge).toBeUndefined()
  })
})
