import { invalidArgument } from '@stepup/internal'
import type { AcrDefinition } from '../definition.js'

const SOURCE =
  'https://learn.microsoft.com/entra/identity-platform/developer-guide-conditional-access-authentication-context'
const ID = /^c(?:[1-9]|[1-9][0-9])$/

/**
 * Definitions for Microsoft Entra Conditional Access authentication context ids, unordered,
 * each described by the label you give it.
 *
 * Provenance: Entra accepts the ids `c1` to `c99` (Microsoft Graph `authenticationContextClassReference`);
 * what each one requires is whatever the tenant's Conditional Access policies say, so no order
 * is implied. Entra reports satisfied contexts in the `acrs` claim (an array), not `acr`, and
 * asks for them with a `claims` challenge: check each `acrs` element with
 * `registry.satisfies`. Throws `ERR_INVALID_ARG_VALUE` for an id outside `c1`–`c99` and
 * `ERR_INVALID_ARG_TYPE` when the input is not an object.
 *
 * @example
 * ```ts
 * import { fromEntraAuthenticationContexts } from '@stepup/acr/presets/entra'
 * const registry = createAcrRegistry(
 *   fromEntraAuthenticationContexts({ c1: 'Require MFA', c2: 'Require a compliant device' }),
 * )
 * claims.acrs.some((id) => registry.satisfies(id, ['c1']))
 * ```
 * @see https://learn.microsoft.com/entra/identity-platform/developer-guide-conditional-access-authentication-context
 */
export function fromEntraAuthenticationContexts(
  labels: Readonly<Record<string, string>>,
): AcrDefinition[] {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw invalidArgument('the Entra authentication contexts must be an object', {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  }
  return Object.entries(labels).map(([id, label]) => {
    if (!ID.test(id)) {
      throw invalidArgument(`"${id}" is not an Entra authentication context id (c1–c99)`)
    }
    if (typeof label !== 'string') {
      throw invalidArgument(`the label of "${id}" must be a string`)
    }
    return { value: id, description: `Entra authentication context: ${label}`, source: SOURCE }
  })
}

/**
 * All ninety-nine Entra authentication context ids, `c1` to `c99`, unordered.
 *
 * @example
 * ```ts
 * import { entra } from '@stepup/acr/presets/entra'
 * const registry = createAcrRegistry([...entra])
 * registry.satisfies('c2', ['c1']) // false: contexts are not ordered
 * ```
 * @see https://learn.microsoft.com/entra/identity-platform/developer-guide-conditional-access-authentication-context
 */
export const entra: readonly AcrDefinition[] = /* @__PURE__ */ Array.from(
  { length: 99 },
  (_, i) => ({
    value: `c${i + 1}`,
    description: 'Entra Conditional Access authentication context.',
    source: SOURCE,
  }),
)
