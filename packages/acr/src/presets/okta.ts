import type { AcrDefinition } from '../definition.js'

/**
 * Okta `urn:okta:loa:1fa:any`: any one factor.
 *
 * @example
 * ```ts
 * registry.satisfies(OKTA_LOA_1FA_PWD, [OKTA_LOA_1FA_ANY]) // true
 * ```
 * @see https://developer.okta.com/docs/guides/step-up-authentication/main/
 */
export const OKTA_LOA_1FA_ANY = 'urn:okta:loa:1fa:any'

/**
 * Okta `urn:okta:loa:1fa:pwd`: a password only.
 *
 * @example
 * ```ts
 * registry.satisfies(OKTA_LOA_1FA_PWD, [OKTA_LOA_2FA_ANY]) // false
 * ```
 * @see https://developer.okta.com/docs/guides/step-up-authentication/main/
 */
export const OKTA_LOA_1FA_PWD = 'urn:okta:loa:1fa:pwd'

/**
 * Okta `urn:okta:loa:2fa:any`: any two factors.
 *
 * @example
 * ```ts
 * registry.satisfies(OKTA_LOA_2FA_ANY, [OKTA_LOA_1FA_ANY]) // true
 * ```
 * @see https://developer.okta.com/docs/guides/step-up-authentication/main/
 */
export const OKTA_LOA_2FA_ANY = 'urn:okta:loa:2fa:any'

/**
 * Okta `urn:okta:loa:2fa:any:ifpossible`: two factors when the user can, otherwise one.
 *
 * @example
 * ```ts
 * registry.satisfies(OKTA_LOA_2FA_ANY_IFPOSSIBLE, [OKTA_LOA_2FA_ANY]) // false
 * ```
 * @see https://developer.okta.com/docs/guides/step-up-authentication/main/
 */
export const OKTA_LOA_2FA_ANY_IFPOSSIBLE = 'urn:okta:loa:2fa:any:ifpossible'

const SOURCE = 'https://developer.okta.com/docs/guides/step-up-authentication/main/'

/**
 * Okta's predefined `urn:okta:loa:*` values, ordered 1fa:pwd → 1fa:any,
 * 2fa:any → 2fa:any:ifpossible → 1fa:any.
 *
 * Provenance: Okta's step-up authentication guide and the `/authorize` API reference list
 * these values with `phr` and `phrh` (which are built-ins here, so not repeated). The order is
 * read off the descriptions: a password is one factor; two factors meet "two if possible";
 * "two if possible" may end as one factor, so it meets only "any one factor" and never
 * `2fa:any`. Okta documents no relation between these values and `phr`/`phrh`, so none is
 * asserted; declare one yourself if your policies make it true.
 *
 * @example
 * ```ts
 * import { okta, OKTA_LOA_2FA_ANY } from '@stepup/acr/presets/okta'
 * const registry = createAcrRegistry([...okta])
 * registry.satisfies(OKTA_LOA_2FA_ANY, ['urn:okta:loa:1fa:any']) // true
 * ```
 * @see https://developer.okta.com/docs/guides/step-up-authentication/main/
 */
export const okta: readonly AcrDefinition[] = [
  { value: OKTA_LOA_1FA_ANY, description: 'Okta: any one factor.', source: SOURCE },
  {
    value: OKTA_LOA_1FA_PWD,
    description: 'Okta: a password only.',
    source: SOURCE,
    satisfies: [OKTA_LOA_1FA_ANY],
  },
  {
    value: OKTA_LOA_2FA_ANY_IFPOSSIBLE,
    description: 'Okta: two factors if the user has them, otherwise one.',
    source: SOURCE,
    satisfies: [OKTA_LOA_1FA_ANY],
  },
  {
    value: OKTA_LOA_2FA_ANY,
    description: 'Okta: any two factors.',
    source: SOURCE,
    satisfies: [OKTA_LOA_2FA_ANY_IFPOSSIBLE],
  },
]
