import { checkOptions, invalidArgument } from '@stepup/internal'
import type { $ZodObject, output } from 'zod/v4/core'

/**
 * One `authorization_details` object: a `type`, the RFC 9396 §2.2 common fields and
 * type-specific members.
 *
 * @example
 * ```ts
 * encodeAuthorizationDetails([{ type: 'account_information', actions: ['list_accounts'], locations: ['https://example.com/accounts'] }])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2.2
 */
export type AuthorizationDetail = {
  /** The authorization details type, which decides what the other members mean (RFC 9396 §2). */
  readonly type: string
  /** Where the resource or resource server is, usually URIs. */
  readonly locations?: readonly string[] | undefined
  /** The kinds of actions to be taken at the resource. */
  readonly actions?: readonly string[] | undefined
  /** The kinds of data requested from the resource. */
  readonly datatypes?: readonly string[] | undefined
  /** One specific resource available at the API. */
  readonly identifier?: string | undefined
  /** The types or levels of privilege requested at the resource. */
  readonly privileges?: readonly string[] | undefined
  /** Type-specific members. */
  readonly [member: string]: unknown
}

type Flatten<T> = { readonly [K in keyof T]: T[K] }
/** The declared members of a schema's output, without index signatures (catchall, empty shape). */
type Members<Schema extends $ZodObject> = {
  [K in keyof output<Schema> as string extends K ? never : K]: output<Schema>[K]
}

/**
 * An authorization details type as {@link defineAuthorizationDetailType} returns it, to register
 * with {@link createAuthorizationDetailsRegistry}.
 *
 * @example
 * ```ts
 * import * as z from 'zod'
 * const files = defineAuthorizationDetailType({ type: 'https://scheme.example.org/files', schema: z.object({ path: z.string() }) })
 * const registry = createAuthorizationDetailsRegistry([files])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2.1
 */
export interface AuthorizationDetailType<
  Type extends string = string,
  Schema extends $ZodObject = $ZodObject,
> {
  /** The `type` value (compared by code point, never normalised). */
  readonly type: Type
  /** zod 4 object schema (classic or mini) for the type-specific members. */
  readonly schema: Schema
  /** Human-readable description, published in the JSON Schema. */
  readonly description?: string
  /**
   * Whether `granted` allows everything `requested` asks for; replaces the default comparison.
   * The registry calls it only with details that both parse under `schema`, as fresh copies.
   */
  covers?(
    granted: InferAuthorizationDetail<AuthorizationDetailType<Type, Schema>>,
    requested: InferAuthorizationDetail<AuthorizationDetailType<Type, Schema>>,
  ): boolean
}

/**
 * The parsed detail of a registered type (or a union of them, one per type): its `type`, the
 * RFC 9396 §2.2 common fields (`locations`, `actions`, `datatypes`, `identifier`, `privileges`)
 * unless its schema declares them, and the members of its schema. It names what a registry's
 * `parse` returns and what a type's `covers` receives.
 *
 * @example
 * ```ts
 * import { paymentInitiationDetailType } from '@stepup/rar/types/payment-initiation'
 * type Payment = InferAuthorizationDetail<typeof paymentInitiationDetailType>
 * const payments: Payment[] = createAuthorizationDetailsRegistry([paymentInitiationDetailType]).parse(text)
 * ```
 */
export type InferAuthorizationDetail<T> =
  T extends AuthorizationDetailType<infer Type, infer Schema>
    ? Flatten<
        {
          /** The `type` value of the registered type. */
          readonly type: Type
        } & Omit<
          Pick<
            AuthorizationDetail,
            'locations' | 'actions' | 'datatypes' | 'identifier' | 'privileges'
          >,
          keyof Members<Schema>
        > &
          Members<Schema>
      >
    : never

/** The common fields a type schema may restrict further (RFC 9396 §2.2). */
export const COMMON_ARRAY_FIELDS: readonly string[] = [
  'locations',
  'actions',
  'datatypes',
  'privileges',
]

const DEFINITION_KEYS: ReadonlySet<string> = new Set(['type', 'schema', 'covers', 'description'])

/**
 * Throws a coded `TypeError` unless `definition` is a well-formed type definition: only the keys
 * `type`, `schema`, `covers`, `description` (`ERR_UNKNOWN_OPTION` otherwise), a non-empty `type`,
 * a zod object schema that does not declare `type`, a function `covers` (`ERR_INVALID_ARG_VALUE`).
 */
export function checkDefinition(
  definition: unknown,
  where: string,
): asserts definition is AuthorizationDetailType<string, $ZodObject> {
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw invalidArgument(`${where}: invalid type definition`)
  }
  checkOptions(definition, DEFINITION_KEYS, where)
  const { type, schema, covers, description } = definition as Record<string, unknown>
  const def = (schema as { _zod?: { def?: { type?: string; shape?: object } } } | undefined)?._zod
    ?.def
  if (
    typeof type !== 'string' ||
    type === '' ||
    def?.type !== 'object' ||
    !def.shape ||
    Object.hasOwn(def.shape, 'type') ||
    (covers !== undefined && typeof covers !== 'function') ||
    (description !== undefined && typeof description !== 'string')
  ) {
    throw invalidArgument(`${where}: invalid type definition`)
  }
}

/**
 * Declares an authorization details type: its `type` value, a zod 4 object schema for its members
 * and, optionally, how a granted detail covers a requested one.
 *
 * Members the schema does not declare are rejected (RFC 9396 §5 "unknown fields") unless the schema
 * has a catchall (`z.looseObject`, `.catchall()`). The schema may also declare common fields such
 * as `actions` to restrict their values; it may not declare `type`. A key of the definition other
 * than `type`, `schema`, `covers` and `description` throws a `TypeError` with code
 * `ERR_UNKNOWN_OPTION` that names the nearest known key; a malformed one, `ERR_INVALID_ARG_VALUE`.
 *
 * @example
 * ```ts
 * import * as z from 'zod'
 * const files = defineAuthorizationDetailType({
 *   type: 'https://scheme.example.org/files',
 *   schema: z.object({ permissions: z.array(z.object({ path: z.string(), access: z.array(z.string()) })) }),
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2.1
 */
export function defineAuthorizationDetailType<
  const Type extends string,
  Schema extends $ZodObject,
>(definition: {
  readonly type: Type
  readonly schema: Schema
  readonly covers?: (
    granted: InferAuthorizationDetail<AuthorizationDetailType<Type, Schema>>,
    requested: InferAuthorizationDetail<AuthorizationDetailType<Type, Schema>>,
  ) => boolean
  readonly description?: string
}): AuthorizationDetailType<Type, Schema> {
  checkDefinition(definition, 'defineAuthorizationDetailType')
  return { ...definition }
}
