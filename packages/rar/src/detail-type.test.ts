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
    ['an array', [{ type: 'a', schema: z.object({}) }]],
  ])('rejects %s with ERR_INVALID_ARG_VALUE', (_, definition) => {
    expect(() => defineAuthorizationDetailType(definition as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it.each([
    [
      'cover',
      { type: 'a', schema: z.object({}), cover: () => true },
      'defineAuthorizationDetailType: unknown option "cover" (did you mean "covers"?)',
    ],
    [
      'Description',
      { type: 'a', schema: z.object({}), Description: 'A' },
      'defineAuthorizationDetailType: unknown option "Description" (did you mean "description"?)',
    ],
    [
      'comparator (undefined)',
      { type: 'a', schema: z.object({}), comparator: undefined },
      'defineAuthorizationDetailType: unknown option "comparator"',
    ],
  ])('refuses the unknown key %s with ERR_UNKNOWN_OPTION', (_, definition, message) => {
    expect(() => defineAuthorizationDetailType(definition as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_UNKNOWN_OPTION', message }),
    )
  })

  it('keeps compile-time errors for unknown keys', () => {
    expect(() =>
      defineAuthorizationDetailType({
        type: 'a',
        schema: z.object({}),
        // @ts-expect-error: `cover` is not a key of a type definition
        cover: () => true,
      }),
    ).toThrow(TypeError)
  })
})
