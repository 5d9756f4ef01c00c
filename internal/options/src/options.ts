import { invalidArgument } from './errors.js'

/**
 * Refusing unknown option keys, shared by every published package (bundled into each at build
 * time). A typo in plain JavaScript (`acr_value`, `relam`, `requirements`) must fail when the
 * factory is called, never silently drop what the option meant.
 */

const fold = (key: string): string => key.toLowerCase().replace(/[_-]/g, '')

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost)
    }
    prev = row
  }
  return prev[b.length]!
}

/**
 * The known key closest to `key`, if any: the same letters ignoring case and `_`/`-`, then a
 * known key that extends it (`acr` → `acrRegistry`, a renamed option), then a few edits.
 */
export function nearest(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  const folded = fold(key)
  for (const k of known) {
    const candidate = fold(k)
    let score: number
    if (candidate === folded) score = 0
    else if (folded.length >= 3 && candidate.startsWith(folded)) score = 0.5
    else score = distance(folded, candidate)
    if (score < bestScore) {
      best = k
      bestScore = score
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(key.length / 3))
    ? best
    : undefined
}

/**
 * The `TypeError` (code `ERR_UNKNOWN_OPTION`) for an option key nobody reads, naming the nearest
 * known key: `stepUp: unknown option "relam" (did you mean "realm"?)`.
 */
export function unknownOptionError(where: string, key: string, known: Iterable<string>): TypeError {
  const hint = nearest(key, known)
  const message = `${where}: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`
  return invalidArgument(message, { code: 'ERR_UNKNOWN_OPTION' })
}

/**
 * Throw unless `options` is `undefined` or an object whose own enumerable keys are all in
 * `known`: `ERR_INVALID_ARG_TYPE` for a non-object, `ERR_UNKNOWN_OPTION` for a stray key.
 * Keys whose value is `undefined` are checked too: a typo is a typo, whatever its value.
 */
export function checkOptions(options: unknown, known: ReadonlySet<string>, where: string): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidArgument(`${where}: options must be an object`, { code: 'ERR_INVALID_ARG_TYPE' })
  }
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.has(key)) throw unknownOptionError(where, key, known)
  }
}
