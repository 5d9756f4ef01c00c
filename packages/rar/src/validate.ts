import { type $ZodIssue, type $ZodObject, type $ZodType, safeParse } from 'zod/v4/core'
import { type AuthorizationDetail, COMMON_ARRAY_FIELDS } from './detail-type.js'
import type { AuthorizationDetailsIssue } from './errors.js'
import { checkDetail } from './structure.js'

type ObjectDef = { shape: Record<string, unknown>; catchall?: $ZodType }
/** The definition of a zod object schema (classic or mini). */
export const defOf = (schema: $ZodObject): ObjectDef => schema._zod.def as unknown as ObjectDef
/** Whether the schema accepts members it does not declare (a catchall other than never). */
export const isOpen = ({ catchall }: ObjectDef): boolean =>
  !!catchall && catchall._zod.def.type !== 'never'

/** zod's message, or its issue code when no zod locale is loaded (zod/v4/core alone). */
const messageOf = (issue: $ZodIssue): string =>
  issue.message === 'Invalid input' ? issue.code : issue.message

/**
 * Validates the members of a structurally checked detail against its type's schema: members the
 * schema declares (and, for an open schema, any other) go through zod, the common fields it does
 * not declare are kept as they are, anything else is an "unknown member". Returns the parsed
 * detail; problems are recorded in `issues` under `index`.
 */
export function validateMembers(
  schema: $ZodObject,
  detail: AuthorizationDetail,
  index: number,
  issues: AuthorizationDetailsIssue[],
): Record<string, unknown> {
  const def = defOf(schema)
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
  const result = safeParse(schema, members)
  if (result.success) return Object.assign(output, result.data)
  for (const issue of result.error.issues) {
    issues.push({ path: [index, ...(issue.path as string[])], message: messageOf(issue) })
  }
  return output
}

/**
 * The detail parsed as a valid detail of `type` under `schema` (common fields and members, as
 * the registry parses it), or `undefined` when it is not one. Comparators call it on both sides,
 * so a request that is itself invalid is never covered, whoever calls them.
 */
export function parseDetail<Detail>(
  type: string,
  schema: $ZodObject,
  detail: unknown,
): Detail | undefined {
  const issues: AuthorizationDetailsIssue[] = []
  checkDetail(detail, 0, issues)
  if (issues.length > 0 || (detail as AuthorizationDetail).type !== type) return undefined
  const parsed = validateMembers(schema, detail as AuthorizationDetail, 0, issues)
  return issues.length === 0 ? (parsed as Detail) : undefined
}
