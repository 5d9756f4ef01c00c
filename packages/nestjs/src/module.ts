import type { DynamicModule, OnModuleInit, Provider } from '@nestjs/common'
import { Inject, Module } from '@nestjs/common'
import { DiscoveryModule, DiscoveryService, Reflector } from '@nestjs/core'
import type { RequirementSource, StepUpGuardOptions } from '@stepup/assurance'
import { checkOptions, invalidArgument } from '@stepup/internal'
import { StepUpGuard } from './guard.js'
import { metadataController } from './metadata.js'
import { ASYNC_OPTIONS, type StepUpModuleAsyncOptions, type StepUpOptions } from './options.js'
import { GUARD_REGISTRY, GuardRegistry, REQUIREMENT } from './registry.js'

/**
 * Builds, when the application starts, the guard of every `@RequireAssurance()` of every
 * controller, so a requirement with an unknown key (`acr_value`) or a bad value fails the start,
 * never a request.
 */
class RequirementCheck implements OnModuleInit {
  readonly #registry: GuardRegistry
  readonly #discovery: DiscoveryService
  readonly #reflector: Reflector

  constructor(registry: GuardRegistry, discovery: DiscoveryService, reflector: Reflector) {
    this.#registry = registry
    this.#discovery = discovery
    this.#reflector = reflector
  }

  onModuleInit(): void {
    for (const { metatype } of this.#discovery.getControllers()) {
      if (typeof metatype !== 'function') continue
      const targets: object[] = [metatype]
      for (let p = metatype.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
        for (const name of Object.getOwnPropertyNames(p)) {
          const method = Object.getOwnPropertyDescriptor(p, name)?.value
          if (name !== 'constructor' && typeof method === 'function') targets.push(method)
        }
      for (const target of targets) {
        const source = this.#reflector.get<RequirementSource<unknown> | undefined>(
          REQUIREMENT,
          target as () => void,
        )
        if (source !== undefined) this.#registry.guardFor(source)
      }
    }
  }
}
Inject(GUARD_REGISTRY)(RequirementCheck, undefined, 0)
Inject(DiscoveryService)(RequirementCheck, undefined, 1)
Inject(Reflector)(RequirementCheck, undefined, 2)

/**
 * The global Nest module that configures the step-up guard, imported once, in the root module,
 * as `forRoot(options)` or `forRootAsync({ useFactory, inject, imports })`.
 *
 * It is global, so `StepUpGuard`, `@RequireAssurance()` and an `APP_GUARD` work in
 * every module of the application; one application has one set of options (one verifier).
 * Options are checked when the module is created (`forRoot`) or its factory resolves
 * (`forRootAsync`): unknown keys throw `ERR_UNKNOWN_OPTION`.
 *
 * @example
 * ```ts
 * const stepUp = StepUpModule.forRoot({ verify, realm: 'bank' }) // in @Module({ imports: [stepUp] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module is a class; forRoot and forRootAsync are Nest's convention for configured modules.
export class StepUpModule {
  /**
   * Returns the module configured with the shared guard options, the `requirement` of guarded
   * routes without `@RequireAssurance()` (default: any valid token) and `metadata`.
   *
   * @example
   * ```ts
   * const stepUp = StepUpModule.forRoot({ verify, requirement: { scope: ['accounts:read'] } })
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
   */
  static forRoot<R = unknown>(options: StepUpOptions<R>): DynamicModule {
    const registry = new GuardRegistry(
      options as StepUpGuardOptions<unknown>,
      'StepUpModule.forRoot',
    )
    return module({ provide: GUARD_REGISTRY, useValue: registry }, options.metadata, [])
  }

  /**
   * Returns the module configured with options from a factory of other providers (a
   * configuration service, a verifier built from discovered issuer metadata).
   *
   * `metadata` is given beside the factory.
   *
   * @example
   * ```ts
   * const stepUp = StepUpModule.forRootAsync({
   *   useFactory: (realm: string) => ({ verify, realm }),
   *   inject: ['REALM'],
   * })
   * ```
   * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
   */
  static forRootAsync<R = unknown>(options: StepUpModuleAsyncOptions<R>): DynamicModule {
    const where = 'StepUpModule.forRootAsync'
    checkOptions(options, ASYNC_OPTIONS, where)
    const { useFactory, inject = [], imports = [], metadata } = options
    if (typeof useFactory !== 'function')
      throw invalidArgument(`${where}: useFactory must be a function`, {
        code: 'ERR_INVALID_ARG_TYPE',
      })
    const provider: Provider = {
      provide: GUARD_REGISTRY,
      useFactory: async (...args: never[]) => {
        const resolved = (await useFactory(...args)) as StepUpGuardOptions<unknown>
        if (typeof resolved === 'object' && resolved !== null && 'metadata' in resolved)
          throw invalidArgument(
            `${where}: "metadata" goes beside useFactory, not in what it returns`,
            { code: 'ERR_UNKNOWN_OPTION' },
          )
        return new GuardRegistry(resolved, where, [])
      },
      inject,
    }
    return module(provider, metadata, imports)
  }
}
Module({})(StepUpModule)

function module(
  registry: Provider,
  metadata: StepUpOptions['metadata'],
  imports: NonNullable<DynamicModule['imports']>,
): DynamicModule {
  return {
    module: StepUpModule,
    global: true,
    imports: [DiscoveryModule, ...imports],
    controllers: metadata ? [metadataController(metadata)] : [],
    providers: [registry, RequirementCheck, StepUpGuard],
    exports: [GUARD_REGISTRY, StepUpGuard],
  }
}
