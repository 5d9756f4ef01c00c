import type { ExecutionContext } from '@nestjs/common'
import { createParamDecorator } from '@nestjs/common'
import type { StepUpAuth } from '@stepup/assurance'

/**
 * The verified auth of each request the guard let through, keyed by the platform's request
 * object (so nothing is added to it, and it goes with the request).
 */
export const verified: WeakMap<object, StepUpAuth> = new WeakMap()

/**
 * Creates a parameter decorator for the verified token, its claims and the decision
 * (`StepUpAuth`) that `StepUpGuard` sets.
 *
 * On a route the guard did not run for, it throws (a `500`, never an unauthenticated call): guard
 * the route with `@RequireAssurance()` or `@UseGuards(StepUpGuard)`.
 *
 * @example
 * ```ts
 * const auth = Auth() // as a handler parameter: create(@Auth() auth: StepUpAuth) { … }
 * ```
 */
export const Auth: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): StepUpAuth => {
    const auth = verified.get(context.switchToHttp().getRequest<object>())
    if (!auth)
      throw Object.assign(
        new Error(
          '@Auth(): no verified access token on this request: guard the route with StepUpGuard',
        ),
        { code: 'ERR_STEP_UP_NOT_GUARDED' },
      )
    return auth
  },
)
