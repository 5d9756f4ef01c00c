import { type AuthorizationDetail, COMMON_ARRAY_FIELDS } from './detail-type.js'
import type { AuthorizationDetailsIssue } from './errors.js'

// The RFC 9396 §2 structure every detail has, whatever its type: checked without zod, so that
// comparing details of unregistered types (the default comparison) does not load it.

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isStringArray = (v: unknown): boolean =>
  Array.isArray(v) && v.every((s) => typeof s === 'string')

/**
 * Checks the RFC 9396 §2.2 structure of one detail (an object, `type` a non-empty string, typed
 * common fields) and records the problems found in `issues` under `index`.
 */
export function checkDetail(
  detail: unknown,
  index: number,
  issues: AuthorizationDetailsIssue[],
): void {
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
}

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
    checkDetail(detail, index, issues)
  })
  return issues.length === 0
}
