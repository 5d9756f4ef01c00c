import type { AcrDefinition } from '../definition.js'

/**
 * eIDAS level of assurance "low" (Regulation (EU) No 910/2014, Article 8(2)(a)).
 *
 * @example
 * ```ts
 * registry.satisfies(EIDAS_LOA_HIGH, [EIDAS_LOA_LOW]) // true
 * ```
 * @see https://www.iana.org/assignments/loa-profiles
 */
export const EIDAS_LOA_LOW = 'http://eidas.europa.eu/LoA/low'

/**
 * eIDAS level of assurance "substantial" (Regulation (EU) No 910/2014, Article 8(2)(b)).
 *
 * @example
 * ```ts
 * registry.expand([EIDAS_LOA_SUBSTANTIAL]) // [substantial, high]
 * ```
 * @see https://www.iana.org/assignments/loa-profiles
 */
export const EIDAS_LOA_SUBSTANTIAL = 'http://eidas.europa.eu/LoA/substantial'

/**
 * eIDAS level of assurance "high" (Regulation (EU) No 910/2014, Article 8(2)(c)).
 *
 * @example
 * ```ts
 * registry.satisfies(EIDAS_LOA_SUBSTANTIAL, [EIDAS_LOA_HIGH]) // false
 * ```
 * @see https://www.iana.org/assignments/loa-profiles
 */
export const EIDAS_LOA_HIGH = 'http://eidas.europa.eu/LoA/high'

const REGULATION = 'https://eur-lex.europa.eu/eli/reg/2014/910/oj'

/**
 * The three eIDAS levels of assurance, ordered low < substantial < high.
 *
 * Provenance: the levels are defined by Regulation (EU) No 910/2014, Article 8, with technical
 * criteria in Implementing Regulation (EU) 2015/1502; the URIs are the class identifiers of the
 * `eidas-loa-*` profiles in the IANA "Level of Assurance (LoA) Profiles" registry. The order
 * follows Article 6(1)(b), under which a means of identification is recognised when its level
 * is equal to or higher than the level required. The "notified"/"not notified" URI variants
 * used by some national nodes are not included; add them as aliases if you need them.
 *
 * @example
 * ```ts
 * import { eidas, EIDAS_LOA_SUBSTANTIAL } from '@stepup/acr/presets/eidas'
 * const registry = createAcrRegistry([...eidas])
 * registry.satisfies('http://eidas.europa.eu/LoA/high', [EIDAS_LOA_SUBSTANTIAL]) // true
 * ```
 * @see https://www.iana.org/assignments/loa-profiles
 */
export const eidas: readonly AcrDefinition[] = [
  {
    value: EIDAS_LOA_LOW,
    description: 'eIDAS level of assurance low: limited confidence in the claimed identity.',
    source: REGULATION,
  },
  {
    value: EIDAS_LOA_SUBSTANTIAL,
    description:
      'eIDAS level of assurance substantial: substantial confidence in the claimed identity.',
    source: REGULATION,
    satisfies: [EIDAS_LOA_LOW],
  },
  {
    value: EIDAS_LOA_HIGH,
    description: 'eIDAS level of assurance high: higher confidence than substantial.',
    source: REGULATION,
    satisfies: [EIDAS_LOA_SUBSTANTIAL],
  },
]
