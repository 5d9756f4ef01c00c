import type { AcrRegistry } from './registry.js'

/**
 * The `acr` values that satisfy every one of several acceptable lists, for merging policies
 * into the strictest one; an empty array means no value can satisfy them all. Same as
 * `registry.intersect(sets)`.
 *
 * @example
 * ```ts
 * const registry = createAcrRegistry()
 * intersectAcceptable(registry, [['phr'], ['phrh', 'mod-mf']]) // ['phrh']
 * intersectAcceptable(registry, [['phr'], ['mod-pr']]) // []
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function intersectAcceptable(
  registry: AcrRegistry,
  sets: readonly (readonly string[])[],
): string[] {
  return registry.intersect(sets)
}
