import {
  type AcrDefinition,
  type AcrRegistryOptions,
  type AcrRegistry as CoreAcrRegistry,
  createAcrRegistry,
} from '@stepup/acr'
import * as Context from 'effect/Context'
import * as Layer from 'effect/Layer'

const AcrRegistryBase: Context.ServiceClass<
  AcrRegistry,
  '@stepup/effect/AcrRegistry',
  CoreAcrRegistry
> = /*#__PURE__*/ Context.Service<AcrRegistry, CoreAcrRegistry>()('@stepup/effect/AcrRegistry')

/**
 * The `@stepup/acr` registry deciding which `acr` satisfies which `acr_values`. Optional: without
 * it, `evaluate`, the middleware and risk policies use the built-in classes (`phr`, `phrh`,
 * `mod-pr`, `mod-mf`).
 *
 * @example
 * ```ts
 * const AcrLive = AcrRegistry.layer([{ value: 'urn:bank:pwd' }, { value: 'urn:bank:hw', satisfies: ['phrh'] }])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export class AcrRegistry extends AcrRegistryBase {
  /** Build the registry now (definitions checked with coded `TypeError`s) and provide it. */
  static layer(
    definitions: readonly AcrDefinition[] = [],
    options: AcrRegistryOptions = {},
  ): Layer.Layer<AcrRegistry> {
    return Layer.succeed(AcrRegistry, createAcrRegistry(definitions, options))
  }
}
