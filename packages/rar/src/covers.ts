import { type AuthorizationDetail, COMMON_ARRAY_FIELDS } from './detail-type.js'

/** Deep JSON equality; strings by code point, arrays in order, objects by own members. */
export function jsonEqual(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true
  if (
    depth <= 0 ||
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    !a ||
    !b ||
    Array.isArray(a) !== Array.isArray(b)
  ) {
    return false
  }
  const keys = Object.keys(a)
  return (
    keys.length === Object.keys(b).length &&
    keys.every(
      (k) =>
        Object.hasOwn(b, k) &&
        jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth - 1),
    )
  )
}

/**
 * Conservative comparison of the RFC 9396 §2.2 common fields (the caller has checked that `type`
 * is the same): equal `identifier`, and
 * for `locations`, `actions`, `datatypes` and `privileges`, either absent from both or every
 * requested entry present in the granted one.
 */
export function coversCommonFields(
  granted: AuthorizationDetail,
  requested: AuthorizationDetail,
): boolean {
  return (
    granted.identifier === requested.identifier &&
    COMMON_ARRAY_FIELDS.every((field) => {
      const g = granted[field]
      const r = requested[field]
      if (g === undefined && r === undefined) return true
      return Array.isArray(g) && Array.isArray(r) && r.every((entry) => g.includes(entry))
    })
  )
}

const others = (detail: AuthorizationDetail): Record<string, unknown> => {
  const { type, identifier, locations, actions, datatypes, privileges, ...rest } = detail
  return rest
}

/** The default comparison: common fields as above, every other member deeply equal. */
export function coversByDefault(
  granted: AuthorizationDetail,
  requested: AuthorizationDetail,
  depth: number,
): boolean {
  return (
    coversCommonFields(granted, requested) &&
    jsonEqual(others(granted), others(requested), depth + 1)
  )
}
