import type {
  RequirementSource,
  StepUpGuard as StepUpGuardFunction,
  StepUpGuardOptions,
} from '@stepup/assurance'
import { createStepUpGuard } from '@stepup/assurance'
import { invalidArgument } from '@stepup/internal'
import { MODULE_OPTIONS } from './options.js'

/** The injection token of the {@link GuardRegistry} `StepUpModule` provides to every guard. */
export const GUARD_REGISTRY: unique symbol = Symbol('@stepup/nestjs guard registry')

/** The metadata key `@RequireAssurance()` writes on a controller or a handler. */
export const REQUIREMENT: unique symbol = Symbol('@stepup/nestjs requirement')

/** `@RequireAssurance()` without an argument: any valid token. */
export const ANY_VALID_TOKEN: RequirementSource<unknown> = Object.freeze({})

/**
 * The core guards of one application: the module's own (routes without `@RequireAssurance()`)
 * and one per requirement, requirement function or policy, each built once, with the options
 * checked when it is built (unknown keys throw `ERR_UNKNOWN_OPTION`).
 */
export class GuardRegistry {
  readonly #shared: StepUpGuardOptions<unknown>
  readonly #fallback: StepUpGuardFunction<unknown>
  readonly #bySource = new WeakMap<object, StepUpGuardFunction<unknown>>()

  constructor(
    options: StepUpGuardOptions<unknown>,
    where: string,
    moduleOptions: readonly string[] = MODULE_OPTIONS,
  ) {
    if (typeof options !== 'object' || options === null)
      throw invalidArgument(`${where}: options must be an object`, {
        code: 'ERR_INVALID_ARG_TYPE',
      })
    this.#fallback = createStepUpGuard(options, where, moduleOptions)
    const {
      requirement: _requirement,
      metadata: _metadata,
      ...shared
    } = options as StepUpGuardOptions<unknown> & { metadata?: unknown }
    this.#shared = shared
  }

  /** The guard for a route's requirement source, or the module's own when it has none. */
  guardFor(source: RequirementSource<unknown> | undefined): StepUpGuardFunction<unknown> {
    if (source === undefined) return this.#fallback
    let guard = this.#bySource.get(source)
    if (!guard) {
      guard = createStepUpGuard({ ...this.#shared, requirement: source }, '@RequireAssurance')
      this.#bySource.set(source, guard)
    }
    return guard
  }
}
