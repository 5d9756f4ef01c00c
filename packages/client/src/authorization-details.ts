/**
 * One RFC 9396 authorization details object: a `type` and type-specific members. The shape of
 * `@stepup/rar`'s `AuthorizationDetail`, written out here so this package does not depend on it.
 *
 * @inline
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export interface AuthorizationDetail {
  /** The authorization details type (RFC 9396 §2), e.g. `payment_initiation`. */
  readonly type: string
  readonly [member: string]: unknown
}

/** The RFC 9396 §2.2 common fields whose value is an array of strings. */
const STRING_ARRAYS = new Set(['locations', 'actions', 'datatypes', 'privileges'])

/** The nesting `@stepup/rar`'s encoder allows, the outer array counting as 1 (it also ends cycles). */
const MAX_DEPTH = 1000

const NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/

/**
 * Whether a number keeps its exact decimal value through JSON, by `@stepup/rar`'s rule: a safe
 * integer, or at most 15 significant digits with the leading one between 1e-307 and 1e308; never
 * `-0`. Works on `String(value)`, its shortest round-trip form.
 */
function isExactNumber(value: number): boolean {
  const parts = NUMBER.exec(String(value))
  if (!parts || !Number.isFinite(value) || Object.is(value, -0)) return false
  const fraction = parts[2] ?? ''
  const digits = (parts[1]! + fraction).replace(/^0+/, '')
  if (digits === '') return true
  const significant = digits.replace(/0+$/, '')
  const last = Number(parts[3] ?? 0) - fraction.length + digits.length - significant.length
  const lead = last + significant.length - 1
  return (
    (last >= 0 && Number.isSafeInteger(value)) ||
    (significant.length <= 15 && lead >= -307 && lead <= 308)
  )
}

/** @internal The checked copy, or why the value cannot be sent. */
export type CheckedDetails =
  | { readonly ok: true; readonly details: AuthorizationDetail[] }
  | { readonly ok: false; readonly reason: string }

const at = (path: string, index: number | string) =>
  typeof index === 'number' ? `${path}[${index}]` : `${path}.${index}`

/**
 * @internal Checks `authorization_details` with the rules of `@stepup/rar`'s
 * `encodeAuthorizationDetails` and returns a fresh plain-JSON copy: an array of plain objects, each
 * with a non-empty string `type`, a string `identifier` and arrays of strings for `locations`,
 * `actions`, `datatypes` and `privileges` when present (RFC 9396 §2, §2.2), and nothing JSON cannot
 * carry losslessly (`undefined`, functions, bigint, symbols, non-finite numbers, numbers that do not
 * keep their exact value such as `-0` or `9007199254740993`, class instances, sparse arrays,
 * cycles, `__proto__` members).
 */
export function checkAuthorizationDetails(value: unknown, name: string): CheckedDetails {
  let reason = ''
  const refuse = (path: string, why: string): undefined => {
    reason ||= `${path} ${why} (RFC 9396 §2)`
    return undefined
  }
  const copy = (v: unknown, depth: number, path: string): unknown => {
    if (typeof v === 'object' && v !== null) {
      if (depth > MAX_DEPTH) return refuse(path, 'is nested too deeply')
      if (Array.isArray(v)) {
        const list: unknown[] = []
        for (let k = 0; k < v.length && !reason; k++) list.push(copy(v[k], depth + 1, at(path, k)))
        return list
      }
      const proto: unknown = Object.getPrototypeOf(v)
      if (proto !== Object.prototype && proto !== null) {
        return refuse(path, 'is not plain JSON data (a class instance)')
      }
      const object: Record<string, unknown> = {}
      for (const key of Object.keys(v)) {
        if (key === '__proto__') return refuse(path, 'has a "__proto__" member')
        object[key] = copy((v as Record<string, unknown>)[key], depth + 1, at(path, key))
        if (reason) return undefined
      }
      return object
    }
    if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (isExactNumber(v)) return v
      return refuse(path, `is ${v === 0 ? '-0' : v}, a number JSON cannot carry exactly`)
    }
    return refuse(path, `is not a JSON value (${typeof v === 'number' ? v : typeof v})`)
  }

  if (!Array.isArray(value)) return { ok: false, reason: `${name} must be an array (RFC 9396 §2)` }
  const details: AuthorizationDetail[] = []
  for (let index = 0; index < value.length && !reason; index++) {
    const detail: unknown = value[index]
    const path = at(name, index)
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      refuse(path, 'must be an object')
      break
    }
    const d = detail as Record<string, unknown>
    if (typeof d.type !== 'string' || d.type === '') {
      refuse(at(path, 'type'), 'must be a non-empty string')
    } else if (d.identifier !== undefined && typeof d.identifier !== 'string') {
      refuse(at(path, 'identifier'), 'must be a string')
    } else {
      for (const field of STRING_ARRAYS) {
        const v = d[field]
        if (v !== undefined && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) {
          refuse(at(path, field), 'must be an array of strings')
          break
        }
      }
    }
    if (!reason) details.push(copy(detail, 2, path) as AuthorizationDetail)
  }
  return reason ? { ok: false, reason } : { ok: true, details }
}
