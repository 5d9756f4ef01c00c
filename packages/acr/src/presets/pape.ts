import type { AcrDefinition } from '../definition.js'

/**
 * PAPE multi-factor policy URI: more than one authentication factor.
 *
 * @example
 * ```ts
 * registry.satisfies(PAPE_MULTI_FACTOR_PHYSICAL, [PAPE_MULTI_FACTOR]) // true
 * ```
 * @see https://openid.net/specs/openid-provider-authentication-policy-extension-1_0.html
 */
export const PAPE_MULTI_FACTOR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor'

/**
 * PAPE multi-factor-physical policy URI: more than one factor, at least one physical.
 *
 * @example
 * ```ts
 * registry.expand([PAPE_MULTI_FACTOR]) // [multi-factor, multi-factor-physical]
 * ```
 * @see https://openid.net/specs/openid-provider-authentication-policy-extension-1_0.html
 */
export const PAPE_MULTI_FACTOR_PHYSICAL =
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical'

/**
 * PAPE phishing-resistant policy URI: the End User authenticated in a manner that resists
 * phishing of the credential.
 *
 * @example
 * ```ts
 * createAcrRegistry([...pape]).satisfies(PAPE_PHISHING_RESISTANT, ['phr']) // true
 * ```
 * @see https://openid.net/specs/openid-provider-authentication-policy-extension-1_0.html
 */
export const PAPE_PHISHING_RESISTANT =
  'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant'

const SOURCE = 'https://openid.net/specs/openid-provider-authentication-policy-extension-1_0.html'

/**
 * The OpenID Provider Authentication Policy Extension 1.0 (PAPE) policy URIs:
 * multi-factor-physical satisfies multi-factor, and phishing-resistant satisfies the built-in
 * `phr` (so this preset needs the built-ins, which are on by default).
 *
 * Provenance: PAPE 1.0 §4 defines multi-factor as authentication with more than one factor and
 * multi-factor-physical as more than one factor where at least one is physical (a hardware
 * device or biometric), so the second meets the first by definition. EAP ACR Values 1.0 says
 * `phr` has "the same" semantics as PAPE phishing-resistant, and the IANA LoA profile for `phr`
 * carries the PAPE URI as its class identifier. The equivalence is recorded in one direction
 * only (a token with the PAPE URI meets a `phr` requirement; a `phr` token does not meet a
 * requirement spelled as the PAPE URI), because the built-in `phr` cannot take an alias from a
 * preset and a two-way `satisfies` would be a cycle; list both in `acr_values` if you need
 * both. PAPE states no relation between the multi-factor policies and phishing-resistant, and
 * neither does this preset.
 *
 * @example
 * ```ts
 * import { pape, PAPE_MULTI_FACTOR } from '@stepup/acr/presets/pape'
 * const registry = createAcrRegistry([...pape])
 * registry.expand([PAPE_MULTI_FACTOR]) // [multi-factor, multi-factor-physical]
 * ```
 * @see https://openid.net/specs/openid-provider-authentication-policy-extension-1_0.html
 */
export const pape: readonly AcrDefinition[] = [
  {
    value: PAPE_MULTI_FACTOR,
    description: 'PAPE multi-factor: the End User authenticated with more than one factor.',
    source: SOURCE,
  },
  {
    value: PAPE_MULTI_FACTOR_PHYSICAL,
    description:
      'PAPE multi-factor-physical: more than one factor, at least one physical (hardware device or biometric).',
    source: SOURCE,
    satisfies: [PAPE_MULTI_FACTOR],
  },
  {
    value: PAPE_PHISHING_RESISTANT,
    description: 'PAPE phishing-resistant: authentication that resists phishing of the credential.',
    source: SOURCE,
    satisfies: ['phr'],
  },
]
