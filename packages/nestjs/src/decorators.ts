import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common'
import type { RequirementSource } from '@stepup/assurance'
import { invalidArgument } from '@stepup/internal'
import { StepUpGuard } from './guard.js'
import { ANY_VALID_TOKEN, REQUIREMENT } from './registry.js'

/**
 * Creates a decorator that requires assurance on a controller or a handler and applies
 * {@link StepUpGuard} to it.
 *
 * The argument is a fixed requirement (`{ acr_values, max_age, scope, authorization_details }`),
 * a function of the request, or a risk policy made by `createRiskPolicy`; without an argument,
 * any valid token. A handler's requirement replaces its controller's (no merging: write the whole
 * requirement on the handler). Requirements are checked when the application starts; an unknown
 * key throws `ERR_UNKNOWN_OPTION`.
 *
 * @example
 * ```ts
 * const decorator = RequireAssurance({ acr_values: ['phr'], max_age: 300 }) // on a class or a method
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function RequireAssurance<R = unknown>(
  requirement?: RequirementSource<R>,
): MethodDecorator & ClassDecorator {
  if (
    requirement !== undefined &&
    (requirement === null || (typeof requirement !== 'object' && typeof requirement !== 'function'))
  )
    throw invalidArgument(
      '@RequireAssurance: give a requirement object, a function of the request or a risk policy',
      { code: 'ERR_INVALID_ARG_TYPE' },
    )
  return applyDecorators(
    SetMetadata(REQUIREMENT, requirement ?? ANY_VALID_TOKEN),
    UseGuards(StepUpGuard),
  )
}
