import { invalidArgument } from '@stepup/internal'
import { type AuthorizationDetail, COMMON_ARRAY_FIELDS } from './detail-type.js'
import { copyJson, DEFAULT_LIMITS } from './json.js'
import { checkStructure } from './structure.js'

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

/**
 * The requested details that no granted detail covers: each side read with `valid` first
 * (`undefined` for a detail that is not valid: it grants nothing and is never covered), then
 * compared with `covers` for details of the same `type`; a comparison that throws covers nothing.
 */
export function compareDetails<Detail extends AuthorizationDetail, Requested>(
  granted: readonly unknown[],
  requested: readonly Requested[],
  valid: (detail: unknown) => Detail | undefined,
  covers: (granted: Detail, requested: Detail) => boolean,
): { readonly covered: boolean; readonly uncovered: Requested[] } {
  if (!Array.isArray(granted) || !Array.isArray(requested)) {
    throw invalidArgument('covers: expected arrays of details')
  }
  const held = granted.map(valid)
  const uncovered = requested.filter((detail) => {
    const wanted = valid(detail)
    return !(
      wanted &&
      held.some((have) => {
        if (have?.type !== wanted.type) return false
        try {
          return covers(have, wanted)
        } catch {
          return false
        }
      })
    )
  })
  return { covered: uncovered.length === 0, uncovered }
}

/** A copy of `detail` within the default limits, with the RFC 9396 §2 structure, or `undefined`. */
function structural(detail: unknown): AuthorizationDetail | undefined {
  try {
    const value = copyJson([detail], DEFAULT_LIMITS)
    return checkStructure(value, []) ? value[0] : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether the granted details cover every requested detail when no type is registered: RFC 9396's
 * conservative comparison (§2.2 common fields, every other member deeply equal), the answer of
 * `createAuthorizationDetailsRegistry([], { allowUnknownTypes: true }).covers`. `covered` is true
 * when each requested detail is covered by one granted detail; `uncovered` lists the others, in
 * order.
 *
 * Each detail is read as that registry's `parse` reads it (the default limits, the §2 structure),
 * and without zod: code that compares details of no registered type does not load it.
 *
 * @example
 * ```ts
 * const { covered, uncovered } = coversAuthorizationDetails(claims.authorization_details ?? [], [
 *   { type: 'account_information', actions: ['read'] },
 * ])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2.2
 */
export function coversAuthorizationDetails<Requested extends AuthorizationDetail>(
  granted: readonly AuthorizationDetail[],
  requested: readonly Requested[],
): {
  /** True when every requested detail is covered by one granted detail. */
  readonly covered: boolean
  /** The requested details no granted detail covers, in order. */
  readonly uncovered: Requested[]
} {
  return compareDetails(granted, requested, structural, (have, wanted) =>
    coversByDefault(have, wanted, DEFAULT_LIMITS.maxDepth),
  )
}
