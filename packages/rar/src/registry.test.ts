import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import * as zm from 'zod/mini'
import { type AuthorizationDetail, defineAuthorizationDetailType } from './detail-type.js'
import { AuthorizationDetailsError } from './errors.js'
import {
  type AuthorizationDetailsRegistryOptions,
  createAuthorizationDetailsRegistry,
} from './registry.js'

const classic = defineAuthorizationDetailType({
  type: 'classic',
  description: 'A type whose schema uses classic zod.',
  schema: z.object({
    actions: z.array(z.enum(['read', 'write'])).optional(),
    amount: z.string().regex(/^\d+$/),
    note: z.string().optional(),
  }),
})
const mini = defineAuthorizationDetailType({
  type: 'mini',
  schema: zm.strictObject({
    count: zm.number().check(zm.int()),
    flags: zm.optional(zm.array(zm.boolean())),
  }),
})
const loose = defineAuthorizationDetailType({
  type: 'loose',
  schema: z.looseObject({ id: z.string() }),
})
const registry = createAuthorizationDetailsRegistry([classic, mini, loose])

describe('parse with classic and mini zod schemas', () => {
  it('accepts valid details of both kinds, as arrays and as JSON text', () => {
    const input = [
      { type: 'classic', locations: ['https://rs.example'], amount: '10', actions: ['read'] },
      { type: 'mini', count: 3, flags: [true], identifier: 'x' },
    ]
    const parsed = registry.parse(input)
    expect(parsed).toEqual(input)
    expect(registry.parse(JSON.stringify(input))).toEqual(input)
    const first = parsed[0]
    if (first?.type === 'classic') expect(first.amount).toBe('10')
  })

  it('reports schema issues with their path, for classic and mini', () => {
    const result = registry.safeParse([
      { type: 'classic', amount: 'ten' },
      { type: 'mini', count: 1.5 },
    ])
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(result.error.issues.map((i) => i.path)).toEqual([
        [0, 'amount'],
        [1, 'count'],
      ])
      for (const issue of result.error.issues) expect(issue.message).not.toBe('')
    }
  })

  it('lets a type schema restrict a common field', () => {
    expect(() => registry.parse([{ type: 'classic', amount: '1', actions: ['delete'] }])).toThrow(
      AuthorizationDetailsError,
    )
  })

  it('rejects members a strip-mode or strict schema does not declare (RFC 9396 §5)', () => {
    for (const detail of [
      { type: 'classic', amount: '1', extra: true },
      { type: 'mini', count: 1, extra: true },
    ]) {
      const result = registry.safeParse([detail])
      expect(result).toMatchObject({
        success: false,
        error: { issues: [{ path: [0, 'extra'], message: 'unknown member' }] },
      })
    }
  })

  it('keeps extra members when the schema has a catchall', () => {
    const input = [{ type: 'loose', id: 'a', extra: { deep: [1] } }]
    expect(registry.parse(input)).toEqual(input)
  })

  it('checks common fields before the type schema', () => {
    const result = registry.safeParse([
      { type: 'loose', id: 'a', locations: 'https://x', identifier: 1, privileges: [1] },
    ])
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(result.error.issues.map((i) => i.path)).toEqual([
        [0, 'identifier'],
        [0, 'locations'],
        [0, 'privileges'],
      ])
    }
  })

  it('rejects non-objects, empty types and non-string types', () => {
    const result = registry.safeParse([null, 'x', [], { type: '' }, { type: 7 }])
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(result.error.issues.map((i) => i.path)).toEqual([
        [0],
        [1],
        [2],
        [3, 'type'],
        [4, 'type'],
      ])
    }
  })

  it('accepts an empty array', () => {
    expect(registry.parse('[]')).toEqual([])
  })

  it('rejects unknown types unless allowUnknownTypes, which still checks common fields', () => {
    expect(() => registry.parse([{ type: 'other' }])).toThrow(/unknown type/)
    const open = createAuthorizationDetailsRegistry([classic], { allowUnknownTypes: true })
    expect(open.parse([{ type: 'other', anything: 1 }])).toEqual([{ type: 'other', anything: 1 }])
    expect(() => open.parse([{ type: 'other', actions: 'read' }])).toThrow(/actions must be/)
    expect(() => open.parse([{ type: 'classic', amount: 'x' }])).toThrow(AuthorizationDetailsError)
  })

  it('parse throws what safeParse returns', () => {
    const result = registry.safeParse('{}')
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(() => registry.parse('{}')).toThrow(result.error.message)
      expect(result.error.name).toBe('AuthorizationDetailsError')
      expect(result.error.code).toBe(AuthorizationDetailsError.code)
      expect(AuthorizationDetailsError.code).toBe('ERR_AUTHORIZATION_DETAILS_INVALID')
      expect(result.error).toBeInstanceOf(Error)
    }
  })

  it('never echoes values in issue messages', () => {
    const secret = 'DE02100100109307118603-secret'
    const result = registry.safeParse([{ type: 'classic', amount: secret, note: 5 }])
    expect(result.success).toBe(false)
    if (!result.success) {
      expect(result.error.message).not.toContain(secret)
      for (const issue of result.error.issues) expect(issue.message).not.toContain(secret)
    }
  })
})

describe('covers parses both sides first', () => {
  it('never covers a requested detail of a type the registry does not accept', () => {
    const other = [{ type: 'other', anything: 1 }]
    expect(registry.covers(other, other)).toEqual({ covered: false, uncovered: other })
  })

  it('never covers a requested detail its type schema rejects, even when granted as is', () => {
    for (const detail of <AuthorizationDetail[]>[
      { type: 'classic', amount: 'ten' },
      { type: 'classic', amount: '1', extra: true },
      { type: 'mini', count: 1.5 },
      { type: 'loose', id: 1 },
      { type: 'loose', id: 'a', actions: 'read' as never },
    ]) {
      expect(registry.covers([detail], [detail])).toEqual({ covered: false, uncovered: [detail] })
    }
  })

  it('lets an invalid granted detail grant nothing, and still checks the valid ones', () => {
    const wanted = { type: 'classic', amount: '1' }
    expect(registry.covers([{ ...wanted, extra: true }], [wanted]).covered).toBe(false)
    expect(registry.covers([{ ...wanted, extra: true }, wanted], [wanted]).covered).toBe(true)
  })

  it('hands the comparator parsed copies, never the caller objects', () => {
    const seen: unknown[] = []
    const spy = defineAuthorizationDetailType({
      type: 'spy',
      schema: z.object({ n: z.number() }),
      covers: (granted, requested) => {
        seen.push(granted, requested)
        return true
      },
    })
    const held = { type: 'spy', n: 1 }
    const wanted = { type: 'spy', n: 1 }
    expect(createAuthorizationDetailsRegistry([spy]).covers([held], [wanted]).covered).toBe(true)
    expect(seen).toEqual([held, wanted])
    expect(seen[0]).not.toBe(held)
    expect(seen[1]).not.toBe(wanted)
  })
})

describe('metadata', () => {
  it('lists authorization_details_types_supported in registration order', () => {
    expect(registry.typesSupported()).toEqual(['classic', 'mini', 'loose'])
  })

  it('publishes a JSON Schema per type, including type and the common fields', () => {
    const schemas = registry.toJSONSchema()
    expect(Object.keys(schemas)).toEqual(['classic', 'mini', 'loose'])
    expect(schemas.classic).toMatchObject({
      type: 'object',
      description: 'A type whose schema uses classic zod.',
      required: ['type', 'amount'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', const: 'classic' },
        locations: { type: 'array', items: { type: 'string' } },
        identifier: { type: 'string' },
        actions: { type: 'array', items: { enum: ['read', 'write'] } },
        amount: { type: 'string', pattern: '^\\d+$' },
      },
    })
    expect(schemas.mini).toMatchObject({ required: ['type', 'count'], additionalProperties: false })
    expect(schemas.loose).toMatchObject({ required: ['type', 'id'] })
    expect(schemas.loose).not.toHaveProperty('description')
  })
})

describe('options are checked when the registry is created', () => {
  it.each([
    [{ limits: { maxDetails: 0 } }],
    [{ limits: { maxBytes: 1.5 } }],
    [{ limits: { maxDepth: 1001 } }],
    [{ limits: { maxDepth: '16' } }],
  ])('rejects %j with ERR_INVALID_ARG_VALUE', (options) => {
    expect(() => createAuthorizationDetailsRegistry([], options as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('rejects a type registered twice and things that are not types', () => {
    for (const types of [[classic, classic], [{}], [null]]) {
      expect(() => createAuthorizationDetailsRegistry(types as never)).toThrow(TypeError)
    }
    for (const types of [{}, 'classic', undefined]) {
      expect(() => createAuthorizationDetailsRegistry(types as never)).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARG_VALUE',
          message: 'createAuthorizationDetailsRegistry: expected an array of types',
        }),
      )
    }
    expect(() => createAuthorizationDetailsRegistry([classic, classic])).toThrow(
      'createAuthorizationDetailsRegistry: type "classic" twice',
    )
    expect(() => createAuthorizationDetailsRegistry([classic, { type: 'x' }] as never)).toThrow(
      'createAuthorizationDetailsRegistry types[1]: invalid type definition',
    )
  })

  it.each([
    [
      { allowUnknownType: true },
      'createAuthorizationDetailsRegistry: unknown option "allowUnknownType" (did you mean "allowUnknownTypes"?)',
    ],
    [
      { allowUnknownTypes: true, limit: { maxDetails: 5 } },
      'createAuthorizationDetailsRegistry: unknown option "limit" (did you mean "limits"?)',
    ],
    [
      { limits: { maxDetail: 5 } },
      'createAuthorizationDetailsRegistry limits: unknown option "maxDetail" (did you mean "maxDetails"?)',
    ],
    [
      { limits: { max_depth: null } },
      'createAuthorizationDetailsRegistry limits: unknown option "max_depth" (did you mean "maxDepth"?)',
    ],
  ])('refuses the unknown option key in %j, naming the nearest known one', (options, message) => {
    expect(() => createAuthorizationDetailsRegistry([], options as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_UNKNOWN_OPTION', message }),
    )
  })

  it('refuses options and limits that are not objects', () => {
    for (const options of [null, 'strict', { limits: 5 }, { limits: null }, { limits: [] }]) {
      expect(() => createAuthorizationDetailsRegistry([], options as never)).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
      )
    }
  })

  it('checks hand-written type definitions like defineAuthorizationDetailType does', () => {
    const schema = z.object({ amount: z.string() })
    expect(() =>
      createAuthorizationDetailsRegistry([{ type: 'a', schema, cover: () => true }] as never),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message:
          'createAuthorizationDetailsRegistry types[0]: unknown option "cover" (did you mean "covers"?)',
      }),
    )
    for (const definition of [
      { type: 'a', schema: z.string() },
      { type: 'a', schema, covers: 'yes' },
    ]) {
      expect(() => createAuthorizationDetailsRegistry([definition] as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
      )
    }
  })

  it('keeps compile-time errors for unknown option keys', () => {
    // @ts-expect-error: `allowUnknownType` is not an option
    const options: AuthorizationDetailsRegistryOptions = { allowUnknownType: true }
    expect(() => createAuthorizationDetailsRegistry([], options)).toThrow(TypeError)
  })

  it('treats a non-boolean allowUnknownTypes as false (fail closed)', () => {
    const odd = createAuthorizationDetailsRegistry([], { allowUnknownTypes: 'yes' as never })
    expect(() => odd.parse([{ type: 'x' }])).toThrow(AuthorizationDetailsError)
  })
})
