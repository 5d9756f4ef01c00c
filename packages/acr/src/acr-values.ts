import type { AcrDefinition } from './definition.js'

/**
 * `phr`, phishing-resistant authentication (OpenID Connect EAP ACR Values 1.0).
 *
 * @example
 * ```ts
 * registry.satisfies(claims.acr, [ACR_PHR])
 * ```
 * @see https://openid.net/specs/openid-connect-eap-acr-values-1_0.html
 */
export const ACR_PHR = 'phr'

/**
 * `phrh`, phishing-resistant authentication with a hardware-protected key (EAP ACR Values 1.0).
 *
 * @example
 * ```ts
 * registry.satisfies(ACR_PHRH, [ACR_PHR]) // true
 * ```
 * @see https://openid.net/specs/openid-connect-eap-acr-values-1_0.html
 */
export const ACR_PHRH = 'phrh'

/**
 * `mod-pr`, the MODRNA Authentication Profile's phishing-resistant class (short name).
 *
 * @example
 * ```ts
 * registry.expand([ACR_MOD_PR]) // ['mod-pr', 'mod-mf']
 * ```
 * @see https://openid.net/specs/openid-connect-modrna-authentication-1_0.html
 */
export const ACR_MOD_PR = 'mod-pr'

/**
 * `mod-mf`, the MODRNA Authentication Profile's multi-factor class (short name).
 *
 * @example
 * ```ts
 * registry.satisfies(ACR_MOD_MF, [ACR_MOD_PR]) // true
 * ```
 * @see https://openid.net/specs/openid-connect-modrna-authentication-1_0.html
 */
export const ACR_MOD_MF = 'mod-mf'

const EAP = 'https://openid.net/specs/openid-connect-eap-acr-values-1_0.html'
const MODRNA = 'https://openid.net/specs/openid-connect-modrna-authentication-1_0.html'

/**
 * The classes every registry starts with unless `defaults: false`: `phr`, `phrh`, `mod-pr` and
 * `mod-mf`, each with a short summary of its definition and a link to its specification.
 *
 * `phrh` satisfies `phr` (EAP defines it as `phr` plus a hardware-protected key); `mod-mf`
 * satisfies `mod-pr` (MODRNA defines it as `mod-pr`'s key possession plus a further factor such
 * as a PIN or biometric). Nothing relates the EAP family to the MODRNA family. The URI forms of
 * these classes (the PAPE phishing-resistant policy, the MODRNA policy URIs) are not built in:
 * RFC 9470 and OpenID Connect compare `acr` strings exactly, so add a URI as an alias only when
 * your authorization server really emits it for the same class.
 *
 * @example
 * ```ts
 * const registry = createAcrRegistry(
 *   BUILT_IN_ACR_DEFINITIONS.map((d) =>
 *     d.value === 'mod-pr'
 *       ? { ...d, aliases: ['http://schemas.openid.net/policies/modrna/phishing-resistant'] }
 *       : d,
 *   ),
 *   { defaults: false },
 * )
 * ```
 * @see https://openid.net/specs/openid-connect-eap-acr-values-1_0.html
 */
export const BUILT_IN_ACR_DEFINITIONS: readonly AcrDefinition[] = [
  {
    value: ACR_PHR,
    description: 'Phishing-resistant',
    source: EAP,
  },
  {
    value: ACR_PHRH,
    description: 'phr, hardware-protected',
    source: EAP,
    satisfies: [ACR_PHR],
  },
  {
    value: ACR_MOD_PR,
    description: 'Mobile device key',
    source: MODRNA,
  },
  {
    value: ACR_MOD_MF,
    description: 'mod-pr, multi-factor',
    source: MODRNA,
    satisfies: [ACR_MOD_PR],
  },
]
