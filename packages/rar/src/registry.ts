import {
  type $ZodIssue,
  type $ZodObject,
  type $ZodType,
  safeParse,
  toJSONSchema,
} from 'zod/v4/core'
import { coversByDefault } from './covers.js'
import {
  type AuthorizationDetail,
  type AuthorizationDetailType,
  COMMON_ARRAY_FIELDS,
  type InferAuthorizationDetail,
} from './detail-type.js'
import {
  AuthorizationDetailsError,
  type AuthorizationDetailsIssue,
  invalidArgument,
} from './errors.js'
import { type AuthorizationDetailsLimits, copyJson, readJson } from './json.js'

/** Options of {@link createAuthorizationDetailsRegistry}. */
export interface AuthorizationDetailsRegistryOptions<AllowUnknown extends boolean = boolean> {
  /** Accept types that are not registered (their common fields are still checked). Default false. */
  readonly allowUnknownTypes?: AllowUnknown
  /** Size limits for untrusted input; defaults 100 details, 65536 bytes, depth 16. */
  readonly limits?: Partial<AuthorizationDetailsLimits>
}

/** Result of {@link AuthorizationDetailsRegistry.safeParse}. */
export type SafeParseAuthorizationDetailsResult<Detail> =
  | { readonly success: true; readonly data: Detail[] }
  | { readonly success: false; readonly error: AuthorizationDetailsError }

/** Result of {@link AuthorizationDetailsRegistry.covers}. */
export interface AuthorizationDetailsCoverage<Detail> {
  /** True when every requested detail is covered by one granted detail. */
  readonly covered: boolean
  /** The requested details no granted detail covers, in order. */
  readonly uncovered: Detail[]
}

/** A JSON Schema document (draft 2020-12). */
export type JsonSchema = { readonly [keyword: string]: unknown }

/** Validates, compares and describes `authorization_details` for a fixed set of types. */
export interface AuthorizationDetailsRegistry<
  Detail extends AuthorizationDetail = AuthorizationDetail,
> {
  /** Parses an array or JSON text; throws {@link AuthorizationDetailsError}. */
  parse(input: unknown): Detail[]
  /** Like `parse`, but returns `{ success, data | error }`. */
  safeParse(input: unknown): SafeParseAuthorizationDetailsResult<Detail>
  /** Whether the granted details cover every requested detail. */
  covers<Requested extends AuthorizationDetail>(
    granted: readonly AuthorizationDetail[],
    requested: readonly Requested[],
  ): AuthorizationDetailsCoverage<Requested>
  /** The `authorization_details_types_supported` metadata value. */
  typesSupported(): string[]
  /** A JSON Schema (draft 2020-12) of a whole detail object, per type. */
  toJSONSchema(): Record<string, JsonSchema>
}

const DEFAULT_LIMITS: AuthorizationDetailsLimits = {
  maxDetails: 100,
  maxBytes: 65536,
  maxDepth: 16,
}
const MAX_DEPTH = 1000

type ObjectDef = { shape: Record<string, unknown>; catchall?: $ZodType }
const defOf = (schema: $ZodObject): ObjectDef => schema._zod.def as unknown as ObjectDef
/** Whether the schema accepts members it does not declare (a catchall other than never). */
const isOpen = ({ catchall }: ObjectDef): boolean =>
  !!catchall && catchall._zod.def.type !== 'never'
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isStringArray = (v: unknown): boolean =>
  Array.isArray(v) && v.every((s) => typeof s === 'string')

/** zod's message, or its issue code when no zod locale is loaded (zod/v4/core alone). */
const messageOf = (issue: $ZodIssue): string =>
  issue.message === 'Invalid input' ? issue.code : issue.message

/**
 * Checks the RFC 9396 §2 / §2.2 structure shared by every type (an array of objects, `type` a
 * non-empty string, typed common fields) and records the problems found in `issues`.
 */
export function checkStructure(
  value: unknown,
  issues: AuthorizationDetailsIssue[],
): value is AuthorizationDetail[] {
  if (!Array.isArray(value)) {
    issues.push({ path: [], message: 'expected a JSON array' })
    return false
  }
  value.forEach((detail, index) => {
    if (!isObject(detail)) {
      issues.push({ path: [index], message: 'expected an object' })
      return
    }
    for (const field of ['type', 'identifier', ...COMMON_ARRAY_FIELDS]) {
      const v = detail[field]
      if (
        field === 'type'
          ? typeof v === 'string' && v !== ''
          : v === undefined || (field === 'identifier' ? typeof v === 'string' : isStringArray(v))
      )
        continue
      issues.push({
        path: [index, field],
        message: `${field} must be ${field === 'type' ? 'a non-empty string' : field === 'identifier' ? 'a string' : 'an array of strings'}`,
      })
    }
  })
  return issues.length === 0
}

/**
 * Creates a registry that parses untrusted `authorization_details` against the given types,
 * compares granted with requested details, and publishes the supported types and their schemas.
 *
 * @example
 * ```ts
 * const registry = createAuthorizationDetailsRegistry([bankTransactionDetailType])
 * const requested = registry.parse(form.get('authorization_details'))
 * const { covered } = registry.covers(grantedFromToken, requested)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-5
 */
export function createAuthorizationDetailsRegistry<
  const Types extends readonly AuthorizationDetailType<string, $ZodObject>[],
  AllowUnknown extends boolean = false,
>(
  types: Types,
  options: AuthorizationDetailsRegistryOptions<AllowUnknown> = {},
): AuthorizationDetailsRegistry<
  | InferAuthorizationDetail<Types[number]>
  | (AllowUnknown extends true ? AuthorizationDetail : never)
> {
  type Detail =
    | InferAuthorizationDetail<Types[number]>
    | (AllowUnknown extends true ? AuthorizationDetail : never)
  const byType = new Map<string, AuthorizationDetailType<string, $ZodObject>>()
  for (const definition of types) {
    if (typeof definition?.type !== 'string' || byType.has(definition.type)) {
      throw invalidArgument('expected distinct defined types')
    }
    byType.set(definition.type, definition)
  }
  const { allowUnknownTypes, limits: given } = options
  const limits: AuthorizationDetailsLimits = { ...DEFAULT_LIMITS, ...given }
  for (const [name, value] of Object.entries(limits)) {
    if (
      !Number.isSafeInteger(value) ||
      value < 1 ||
      value > (name === 'maxDepth' ? MAX_DEPTH : 2 ** 31)
    ) {
      throw invalidArgument(`limits.${name} is out of range`)
    }
  }

  const validate = (
    detail: AuthorizationDetail,
    index: number,
    issues: AuthorizationDetailsIssue[],
  ): unknown => {
    const definition = byType.get(detail.type)
    if (!definition) {
      if (allowUnknownTypes !== true) {
        issues.push({ path: [index, 'type'], message: 'unknown type' })
      }
      return detail
    }
    const def = defOf(definition.schema)
    const open = isOpen(def)
    const output: Record<string, unknown> = { type: detail.type }
    const members: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(detail)) {
      if (key === 'type') continue
      if (Object.hasOwn(def.shape, key)) members[key] = value
      else if (COMMON_ARRAY_FIELDS.includes(key) || key === 'identifier') output[key] = value
      else if (open) members[key] = value
      else issues.push({ path: [index, key], message: 'unknown member' })
    }
    const result = safeParse(definition.schema, members)
    if (result.success) return Object.assign(output, result.data)
    for (const issue of result.error.issues) {
      issues.push({ path: [index, ...(issue.path as string[])], message: messageOf(issue) })
    }
    return output
  }

  const run = (input: unknown): Detail[] => {
    const value = typeof input === 'string' ? readJson(input, limits) : copyJson(input, limits)
    const issues: AuthorizationDetailsIssue[] = []
    if (checkStructure(value, issues)) {
      const details = value.map((detail, index) => validate(detail, index, issues))
      if (issues.length === 0) return details as Detail[]
    }
    throw new AuthorizationDetailsError(issues)
  }

  return {
    parse: run,
    safeParse(input) {
      try {
        return { success: true, data: run(input) }
      } catch (error) {
        if (error instanceof AuthorizationDetailsError) return { success: false, error }
        throw error
      }
    },
    covers(granted, requested) {
      if (!Array.isArray(granted) || !Array.isArray(requested)) {
        throw invalidArgument('expected arrays')
      }
      const uncovered = requested.filter(
        (wanted) =>
          !granted.some((held) => {
            if (typeof held?.type !== 'string' || held.type !== wanted?.type) return false
            const typeCovers = byType.get(wanted.type)?.covers
            try {
              return typeCovers
                ? typeCovers(held as never, wanted as never) === true
                : coversByDefault(held, wanted, limits.maxDepth)
            } catch {
              return false
            }
          }),
      )
      return { covered: uncovered.length === 0, uncovered }
    },
    typesSupported: () => [...byType.keys()],
    toJSONSchema() {
      return Object.fromEntries(
        [...byType].map(([type, definition]) => {
          const generated = toJSONSchema(definition.schema, { io: 'input' }) as JsonSchema
          const schema: JsonSchema = {
            ...generated,
            ...(definition.description !== undefined && { description: definition.description }),
            ...(!isOpen(defOf(definition.schema)) && { additionalProperties: false }),
            properties: {
              type: { type: 'string', const: type },
              identifier: { type: 'string' },
              ...Object.fromEntries(
                COMMON_ARRAY_FIELDS.map((f) => [f, { type: 'array', items: { type: 'string' } }]),
              ),
              ...(generated.properties as object),
            },
            required: ['type', ...((generated.required as string[] | undefined) ?? [])],
          }
          return [type, schema]
        }),
      )
    },
  }
}
