import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import * as zm from 'zod/mini'
import { defineAuthorizationDetailType } from './detail-type.js'

describe('defineAuthorizationDetailType', () => {
  it('returns the definition, accepting classic and mini object schemas', () => {
    const covers = () => true
    const a = defineAuthorizationDetailType({ type: 'a', schema: z.object({}), covers })
    expect(a).toEqual({ type: 'a', schema: expect.anything(), covers })
    const b = defineAuthorizationDetailType({ type: 'b', schema: zm.object({}), description: 'B' })
    expect(b.description).toBe('B')
  })

  it.each([
    ['an empty type', { type: '', schema: z.object({}) }],
    ['a non-string type', { type: 1, schema: z.object({}) }],
    ['a non-object schema', { type: 'a', schema: z.string() }],
    ['no schema', { type: 'a' }],
    ['a schema declaring type', { type: 'a', schema: z.object({ type: z.string() }) }],
    ['a non-function covers', { type: 'a', schema: z.object({}), covers: true }],
    ['a non-string description', { type: 'a', schema: z.object({}), description: 1 }],
    ['no definition', undefined],
  ])('rejects %s with ERR_INVALID_ARG_VALUE', (_, definition) => {
    expect(() => defineAuthorizationDetailType(definition as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })
})
