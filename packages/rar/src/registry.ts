import { checkOptions, invalidArgument } from '@stepup/internal'
import { type $ZodObject, toJSONSchema } from 'zod/v4/core'
import { compareDetails, coversByDefault } from './covers.js'
import {
  type AuthorizationDetail,
  type AuthorizationDetailType,
  COMMON_ARRAY_FIELDS,
  checkDefinition,
  type InferAuthorizationDetail,
} from './detail-type.js'
import { AuthorizationDetailsError, type AuthorizationDetailsIssue } from './errors.js'
import { type AuthorizationDetailsLimits, copyJson, DEFAULT_LIMITS, readJson } from './json.js'
import { checkStructure } from './structure.js'
import { defOf, isOpen, validateMembers } from './validate.js'

/**
 * The options of {@link createAuthorizationDetailsRegistry}: whether unregistered types pass, and
 * the size limits.
 *
 * @example
 * ```ts
 * const registry = createAuthorizationDetailsRegistry([], { allowUnknownTypes: true, limits: { maxDepth: 8 } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-5
 */
export interface AuthorizationDetailsRegistryOptions<AllowUnknown extends boolean = boolean> {
  /** Accept types that are not registered (their common fields are still checked). Default false. */
  readonly allowUnknownTypes?: AllowUnknown
  /** Size limits for untrusted input, each a safe integer ≥ 1. */
  readonly limits?: {
    /** Most objects in the array. Default 100. */
    readonly maxDetails?: number
    /** Most UTF-8 bytes of JSON text (or of the compact JSON form of a parsed value). Default 65536. */
    readonly maxBytes?: number
    /** Most nested arrays/objects, the outer array counting as 1 (at most 1000). Default 16. */
    readonly maxDepth?: number
  }
}
const OPTION_KEYS: ReadonlySet<string> = new Set(['allowUnknownTypes', 'limits'])
const LIMIT_KEYS: ReadonlySet<string> = new Set(['maxDetails', 'maxBytes', 'maxDepth'])

/** A JSON Schema document (draft 2020-12). */
type JsonSchema = { readonly [keyword: string]: unknown }

/**
 * What {@link createAuthorizationDetailsRegistry} returns: it validates, compares and describes
 * `authorization_details` for a fixed set of types.
 *
 * @example
 * ```ts
 * import { paymentInitiationDetailType } from '@stepup/rar/types/payment-initiation'
 * const registry = createAuthorizationDetailsRegistry([paymentInitiationDetailType])
 * registry.typesSupported() // ['payment_initiation']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-10
 */
export interface AuthorizationDetailsRegistry<
  Detail extends AuthorizationDetail = AuthorizationDetail,
> {
  /** Parses an array or JSON text; throws {@link AuthorizationDetailsError}. */
  parse(input: unknown): Detail[]
  /** Like `parse`, but returns `{ success: true, data }` or `{ success: false, error }`. */
  safeParse(input: unknown):
    | {
        /** The input is valid. */
        readonly success: true
        /** The parsed details, as `parse` returns them. */
        readonly data: Detail[]
      }
    | {
        /** The input is not valid. */
        readonly success: false
        /** What `parse` would throw. */
        readonly error: AuthorizationDetailsError
      }
  /** Whether the granted details cover every requested detail. */
  covers<Requested extends AuthorizationDetail>(
    granted: readonly AuthorizationDetail[],
    requested: readonly Requested[],
  ): {
    /** True when every requested detail is covered by one granted detail. */
    readonly covered: boolean
    /** The requested details no granted detail covers, in order. */
    readonly uncovered: Requested[]
  }
  /** The `authorization_details_types_supported` metadata value. */
  typesSupported(): string[]
  /** A JSON Schema (draft 2020-12) of a whole detail object, per type. */
  toJSONSchema(): Record<string, { readonly [keyword: string]: unknown }>
}

const MAX_DEPTH = 1000

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
  checkOptions(options, OPTION_KEYS, 'createAuthorizationDetailsRegistry')
  const { allowUnknownTypes, limits: given } = options
  checkOptions(given, LIMIT_KEYS, 'createAuthorizationDetailsRegistry limits')
  if (!Array.isArray(types)) {
    throw invalidArgument('createAuthorizationDetailsRegistry: expected an array of types')
  }
  const byType = new Map<string, AuthorizationDetailType<string, $ZodObject>>()
  types.forEach((definition, index) => {
    checkDefinition(definition, `createAuthorizationDetailsRegistry types[${index}]`)
    if (byType.has(definition.type)) {
      throw invalidArgument(`createAuthorizationDetailsRegistry: type "${definition.type}" twice`)
    }
    byType.set(definition.type, definition)
  })
  const limits: AuthorizationDetailsLimits = { ...DEFAULT_LIMITS, ...given }
  for (const [name, value] of Object.entries(limits)) {
    if (
      !Number.isSafeInteger(value) ||
      value < 1 ||
      value > (name === 'maxDepth' ? MAX_DEPTH : 2 ** 31)
    ) {
      throw invalidArgument(`createAuthorizationDetailsRegistry: limits.${name} is out of range`)
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
    return validateMembers(definition.schema, detail, index, issues)
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
      // Both sides are parsed as `parse` would before any comparison: an invalid granted detail
      // grants nothing, and an invalid requested detail (a negative amount, a number where the
      // type wants a decimal string, an unknown type) is never covered.
      const valid = (detail: unknown): Detail | undefined => {
        try {
          return run([detail])[0]
        } catch {
          return undefined
        }
      }
      return compareDetails(granted, requested, valid, (have, wanted) => {
        const typeCovers = byType.get(wanted.type)?.covers
        return typeCovers
          ? typeCovers(have as never, wanted as never) === true
          : coversByDefault(have, wanted, limits.maxDepth)
      })
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
