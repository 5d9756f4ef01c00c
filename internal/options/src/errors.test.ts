import { describe, expect, it } from 'vitest'
import { invalidArgument } from './errors.ts'

describe('invalidArgument', () => {
  it('is a TypeError coded ERR_INVALID_ARG_VALUE by default, with no cause', () => {
    const error = invalidArgument('f: x must be a positive integer')
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe('f: x must be a positive integer')
    expect(error.code).toBe('ERR_INVALID_ARG_VALUE')
    expect('cause' in error).toBe(false)
  })

  it('carries the code and the cause it is given', () => {
    const cause = new SyntaxError('Unexpected token')
    const error = invalidArgument('f: not JSON', { code: 'ERR_INVALID_ARG_TYPE', cause })
    expect(error.code).toBe('ERR_INVALID_ARG_TYPE')
    expect(error.cause).toBe(cause)
  })

  it('keeps a cause that is undefined when one is given', () => {
    expect(Object.hasOwn(invalidArgument('f', { cause: undefined }), 'cause')).toBe(true)
  })
})
