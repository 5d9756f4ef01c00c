import type { AcrRegistry } from '@stepup/acr'
import { invalidArgument } from '@stepup/internal'
import type { AuthorizationDetail } from '@stepup/rar'

import {
  type AssuranceRequirement,
  builtInAcr,
  checkRequirement,
  REQUIREMENT_KEYS,
} from './evaluate.js'

/** The members of a risk rule's partial requirement: a requirement, plus `singleUse`. */
export const RISK_REQUIREMENT_KEYS: ReadonlySet<string> = new Set([
  ...REQUIREMENT_KEYS,
  'singleUse',
])

/** JSON with object keys sorted: equal for equal details, whatever their member order. */
export const canonicalJson = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonicalJson).join(',')}]`
    : typeof v === 'object' && v !== null
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : (JSON.stringify(v) ?? 'null')

/**
 * Merges several requirements into the strictest one: `max_age` the minimum, `scope` the union,
 * `authorization_details` the union (each detail once, whatever its member order), and `acr_values`
 * the values that satisfy every listed set (in the registry's order).
 *
 * Throws a `TypeError` coded `ERR_ACR_CONFLICT` when no value satisfies them all: an impossible
 * policy is a configuration error.
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function mergeRequirements(
  requirements: readonly AssuranceRequirement[],
  options: {
    readonly acrRegistry?: Pick<AcrRegistry, 'intersect'>
    readonly names?: readonly string[]
  } = {},
): AssuranceRequirement {
  const sets: (readonly string[])[] = []
  const scope = new Set<string>()
  const details = new Map<string, AuthorizationDetail>()
  let maxAge: number | undefined
  for (const r of requirements) {
    checkRequirement(r, RISK_REQUIREMENT_KEYS, 'risk requirement')
    if (r.acr_values) sets.push(r.acr_values)
    if (r.max_age !== undefined) maxAge = Math.min(r.max_age, maxAge ?? r.max_age)
    for (const s of r.scope ?? []) scope.add(s)
    for (const d of r.authorization_details ?? []) details.set(canonicalJson(d), d)
  }
  const merged: { -readonly [K in keyof AssuranceRequirement]: AssuranceRequirement[K] } = {}
  if (sets.length > 0) {
    const acr = sets.length === 1 ? sets[0]! : (options.acrRegistry ?? builtInAcr()).intersect(sets)
    if (acr.length === 0) {
      const list = sets.map((s) => `[${s.join(' ')}]`).join(' ')
      throw invalidArgument(`no acr value satisfies all of ${list} (${options.names ?? ''})`, {
        code: 'ERR_ACR_CONFLICT',
      })
    }
    merged.acr_values = acr
  }
  if (maxAge !== undefined) merged.max_age = maxAge
  if (scope.size > 0) merged.scope = [...scope]
  if (details.size > 0) merged.authorization_details = [...details.values()]
  return merged
}
