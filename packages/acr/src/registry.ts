import { checkOptions, invalidArgument } from '@stepup/internal'
import { isScopeToken } from '@stepup/www-authenticate'
import { BUILT_IN_ACR_DEFINITIONS } from './acr-values.js'
import type { AcrDefinition } from './definition.js'

/**
 * The options of {@link createAcrRegistry}: whether the built-in classes are included.
 *
 * @example
 * ```ts
 * createAcrRegistry([{ value: 'urn:example:silver' }], { defaults: false }).values() // ['urn:example:silver']
 * ```
 * @see https://openid.net/specs/openid-connect-eap-acr-values-1_0.html
 */
export interface AcrRegistryOptions {
  /** Include `phr`, `phrh`, `mod-pr` and `mod-mf` (default `true`). */
  readonly defaults?: boolean
}
const OPTION_KEYS: ReadonlySet<string> = new Set(['defaults'])

/**
 * The immutable set of authentication context classes with a "satisfies" order that
 * {@link createAcrRegistry} returns.
 *
 * Its methods do not use `this`, so they can be passed around on their own.
 *
 * @example
 * ```ts
 * const registry = createAcrRegistry()
 * registry.satisfies('phrh', ['phr']) // true
 * registry.expand(['phr']) // ['phr', 'phrh']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface AcrRegistry {
  /**
   * True iff `actual` is a string that equals, is an alias of, or transitively satisfies one of
   * `acceptable`. Comparison is exact and case-sensitive; a non-string or empty `actual`
   * satisfies nothing; an unknown value satisfies only itself.
   */
  satisfies(actual: unknown, acceptable: readonly string[]): boolean
  /**
   * `acceptable` (in order, without repeats), then the value of every other known class that
   * satisfies one of them, in registry order: what to list in `acr_values`.
   */
  expand(acceptable: readonly string[]): string[]
  /**
   * The values that satisfy every one of `sets` (the strictest merge of several `acr_values`
   * requirements): values spelled in the sets first, in order of first appearance, then other
   * known classes in registry order. Empty when no value can satisfy them all.
   */
  intersect(sets: readonly (readonly string[])[]): string[]
  /** The definition of the class a value or alias belongs to. */
  get(value: string): AcrDefinition | undefined
  /** Every defined value (aliases excluded), built-ins first, in definition order. */
  values(): string[]
  /**
   * The classes an authorization server may claim for the `amr` methods used: those whose
   * `amr` rule matches, and every class those satisfy, in registry order.
   */
  fromAmr(amr: readonly string[]): string[]
}

const isRecord = (input: unknown): input is Record<string, unknown> =>
  typeof input === 'object' && input !== null
const isText = (value: unknown): value is string => typeof value === 'string'
// Printable ASCII except SP, DQUOTE and backslash (`1*NQCHAR`, RFC 6749 Appendix A): such a value
// can sit unchanged in a space-separated `acr_values` list and in a quoted challenge parameter.
const isAcr = (value: unknown): value is string => isText(value) && isScopeToken(value)
const isList =
  (check: (value: unknown) => boolean, min = 0) =>
  (value: unknown): value is string[] =>
    Array.isArray(value) && value.length >= min && value.every(check)
const isAmrList = isList((value) => isText(value) && !!value, 1)
// The keys an AmrRule and an AcrDefinition may have: anything else is a typo, refused by name.
const RULE_KEYS: ReadonlySet<string> = new Set(['allOf', 'anyOf'])
const isRule = (rule: unknown, where: string): boolean => {
  if (!isRecord(rule) || Array.isArray(rule)) return false
  checkOptions(rule, RULE_KEYS, `${where}.amr`)
  return (
    !!(rule['allOf'] ?? rule['anyOf']) &&
    Object.values(rule).every((list) => list === undefined || isAmrList(list))
  )
}
// What each property of an AcrDefinition must hold when present.
const FIELDS = new Map<string, (value: unknown, where: string) => boolean>([
  ['value', isAcr],
  ['description', isText],
  ['source', isText],
  ['satisfies', isList(isAcr)],
  ['aliases', isList(isAcr)],
  ['amr', isRule],
])
const DEFINITION_KEYS: ReadonlySet<string> = new Set(FIELDS.keys())
function normalize(input: unknown, where: string): AcrDefinition {
  if (isRecord(input) && !Array.isArray(input)) checkOptions(input, DEFINITION_KEYS, where)
  if (
    !isRecord(input) ||
    !isAcr(input['value']) ||
    !Object.entries(input).every(
      ([key, value]) => value === undefined || FIELDS.get(key)?.(value, where),
    )
  ) {
    throw invalidArgument(`${where} is invalid`)
  }
  // A private deep copy: later changes to the caller's objects cannot reach the registry.
  return structuredClone({
    ...(input as unknown as AcrDefinition),
    satisfies: (input['satisfies'] as string[] | undefined) ?? [],
    aliases: (input['aliases'] as string[] | undefined) ?? [],
  })
}

/**
 * Creates an immutable registry of authentication context classes from the built-ins (unless
 * `defaults: false`) followed by `definitions`, with the transitive "satisfies" closure
 * precomputed so that {@link AcrRegistry.satisfies} is a lookup.
 *
 * Throws a coded `TypeError` (see {@link AcrRegistryErrorCode}) for an option, definition or
 * `amr` rule key it does not know, naming the nearest known one (`ERR_UNKNOWN_OPTION`), a
 * malformed definition (`ERR_INVALID_ARG_VALUE`), a value or alias defined twice
 * (`ERR_ACR_DUPLICATE`), a `satisfies` entry naming an undefined value
 * (`ERR_ACR_UNKNOWN_REFERENCE`) or a cycle (`ERR_ACR_CYCLE`).
 *
 * @example
 * ```ts
 * const registry = createAcrRegistry([
 *   { value: 'urn:example:silver' },
 *   { value: 'urn:example:gold', satisfies: ['urn:example:silver', 'phr'] },
 * ])
 * registry.satisfies('urn:example:gold', ['phr']) // true
 * registry.expand(['urn:example:silver']) // ['urn:example:silver', 'urn:example:gold']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function createAcrRegistry(
  definitions: readonly AcrDefinition[] = [],
  options: AcrRegistryOptions = {},
): AcrRegistry {
  checkOptions(options, OPTION_KEYS, 'createAcrRegistry')
  const defaults = options.defaults ?? true
  if (!Array.isArray(definitions) || typeof defaults !== 'boolean') {
    throw invalidArgument('bad arguments', { code: 'ERR_INVALID_ARG_TYPE' })
  }
  const builtIns = defaults ? BUILT_IN_ACR_DEFINITIONS.length : 0
  const defs = [...(defaults ? BUILT_IN_ACR_DEFINITIONS : []), ...definitions].map((d, i) =>
    normalize(d, `createAcrRegistry definitions[${i - builtIns}]`),
  )

  // Every spelling (value or alias) → index of its class.
  const classOf = new Map<string, number>()
  const spellingsOf = defs.map((d, i) => {
    const spellings = [d.value, ...d.aliases!]
    for (const s of spellings) {
      if (classOf.has(s)) {
        throw invalidArgument(`duplicate "${s}"`, { code: 'ERR_ACR_DUPLICATE' })
      }
      classOf.set(s, i)
    }
    return spellings
  })

  // Transitive closure by depth-first search: every spelling each class satisfies, its own
  // included. `null` marks a class still being visited, so reaching it again means a cycle.
  const closure: (Set<string> | null | undefined)[] = []
  const visit = (i: number): Set<string> => {
    const { value, satisfies } = defs[i]!
    if (closure[i] === null) throw invalidArgument(`cycle at "${value}"`, { code: 'ERR_ACR_CYCLE' })
    if (!closure[i]) {
      closure[i] = null
      const reached = new Set(spellingsOf[i])
      for (const ref of satisfies!) {
        const j = classOf.get(ref)
        if (j === undefined) {
          throw invalidArgument(`unknown "${ref}"`, { code: 'ERR_ACR_UNKNOWN_REFERENCE' })
        }
        for (const s of visit(j)) reached.add(s)
      }
      closure[i] = reached
    }
    return closure[i]!
  }

  // The lookup behind satisfies(): spelling → every spelling it satisfies.
  const lookup = new Map<string, Set<string>>()
  spellingsOf.forEach((spellings, i) => {
    for (const s of spellings) lookup.set(s, visit(i))
  })

  const array = <T>(
    input: readonly T[],
    check: (value: unknown) => boolean = isAcr,
  ): readonly T[] => {
    if (!isList(check)(input))
      throw invalidArgument('expected acr values', { code: 'ERR_INVALID_ARG_TYPE' })
    return input
  }

  const satisfies = (actual: unknown, acceptable: readonly string[]): boolean => {
    if (!Array.isArray(acceptable)) array(acceptable)
    if (typeof actual !== 'string' || !actual) return false
    const reached = lookup.get(actual)
    if (!reached) return acceptable.includes(actual)
    for (let k = 0; k < acceptable.length; k++) if (reached.has(acceptable[k]!)) return true
    return false
  }

  // The values that satisfy every set: those spelled in the sets (first appearance first), then
  // every known class not spelled there, in registry order.
  const intersect = (sets: readonly (readonly string[])[]): string[] => {
    if (!array(sets, Array.isArray).length) throw invalidArgument('no sets')
    const listed = sets.flatMap((set) => array(set))
    const spelled = new Set(listed.map((s) => classOf.get(s)))
    return [
      ...new Set(listed),
      ...defs.filter((_, i) => !spelled.has(i)).map((d) => d.value),
    ].filter((v) => sets.every((set) => satisfies(v, set)))
  }

  return Object.freeze({
    satisfies,
    expand: (acceptable: readonly string[]) => intersect([acceptable]),
    intersect,
    get: (value: string) => structuredClone(defs[classOf.get(value)!]),
    values: () => defs.map((d) => d.value),
    fromAmr: (amr: readonly string[]) => {
      const used = new Set(array(amr, isText))
      const claimable = defs.flatMap(({ amr: rule }, i) =>
        rule &&
        rule.allOf?.every((m) => used.has(m)) !== false &&
        rule.anyOf?.some((m) => used.has(m)) !== false
          ? [visit(i)]
          : [],
      )
      return defs.map((d) => d.value).filter((v) => claimable.some((reached) => reached.has(v)))
    },
  })
}
