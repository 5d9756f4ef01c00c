import { invalidArgument } from '@stepup/internal'
import type { AcrDefinition } from '../definition.js'

const SOURCE =
  'https://www.keycloak.org/docs/latest/server_admin/index.html#_mapping-acr-to-loa-realm'

/**
 * Turns a Keycloak ACR-to-LoA mapping (the `acr.loa.map` realm or client attribute, as an object
 * or its JSON text) into definitions where each level satisfies every lower level and names
 * that share a level are aliases of one class.
 *
 * Provenance: Keycloak maps any `acr` string to an integer Level of Authentication and, in a
 * step-up browser flow, treats authentication at a level as meeting a request for any level
 * at or below it. Keycloak's own fallback values `"0"` and `"1"` (used when no mapping
 * applies) are not added. Throws `ERR_INVALID_ARG_TYPE` when the input is not an object or
 * JSON text of one and `ERR_INVALID_ARG_VALUE` when a level is not an integer; names are
 * checked as `acr` values when the registry is created.
 *
 * @example
 * ```ts
 * import { fromKeycloakLoaMap } from '@stepup/acr/presets/keycloak'
 * const registry = createAcrRegistry(fromKeycloakLoaMap({ silver: 1, gold: 2 }))
 * registry.satisfies('gold', ['silver']) // true
 * registry.expand(['silver']) // ['silver', 'gold']
 * ```
 * @see https://www.keycloak.org/docs/latest/server_admin/index.html#_mapping-acr-to-loa-realm
 */
export function fromKeycloakLoaMap(
  map: Readonly<Record<string, number>> | string,
): AcrDefinition[] {
  let parsed: unknown = map
  if (typeof map === 'string') {
    try {
      parsed = JSON.parse(map)
    } catch (cause) {
      throw invalidArgument('the Keycloak acr.loa.map text is not JSON', {
        code: 'ERR_INVALID_ARG_TYPE',
        cause,
      })
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidArgument('the Keycloak acr.loa.map must be an object', {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  }
  const byLevel = new Map<number, string[]>()
  for (const [name, level] of Object.entries(parsed)) {
    if (!Number.isSafeInteger(level)) {
      throw invalidArgument(`the Keycloak level of "${name}" is not an integer`)
    }
    const names = byLevel.get(level) ?? []
    names.push(name)
    byLevel.set(level, names)
  }
  let lower: string | undefined
  return [...byLevel.keys()]
    .sort((a, b) => a - b)
    .map((level) => {
      const [value, ...aliases] = byLevel.get(level)!
      const definition: AcrDefinition = {
        value: value!,
        description: `Keycloak level of authentication ${level}.`,
        source: SOURCE,
        ...(aliases.length > 0 && { aliases }),
        ...(lower !== undefined && { satisfies: [lower] }),
      }
      lower = value
      return definition
    })
}
