import type { CanActivate, ExecutionContext } from '@nestjs/common'
import { Inject, Injectable } from '@nestjs/common'
import { HttpAdapterHost, Reflector } from '@nestjs/core'
import type { RequirementSource } from '@stepup/assurance'
import { invalidArgument } from '@stepup/internal'
import { verified } from './auth.js'
import { StepUpException } from './exception.js'
import { platformOf } from './platform.js'
import { GUARD_REGISTRY, type GuardRegistry, REQUIREMENT } from './registry.js'

/**
 * The Nest guard that verifies the access token and applies the requirement of the handler (else
 * of the controller, else of `StepUpModule`).
 *
 * It either lets the request through, with the verified auth for `@Auth()`, or writes the same
 * refusal as the other adapters (status, `WWW-Authenticate` challenge, JSON body) and throws a
 * {@link StepUpException}. Add it per route
 * with `@RequireAssurance()` (which applies it) or `@UseGuards(StepUpGuard)`, or to every route
 * with `{ provide: APP_GUARD, useClass: StepUpGuard }`. A request it already let through (an
 * app-wide guard and a route's) is not verified twice.
 *
 * @example
 * ```ts
 * import { APP_GUARD } from '@nestjs/core'
 * const providers = [{ provide: APP_GUARD, useClass: StepUpGuard }] // in @Module({ providers })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export class StepUpGuard implements CanActivate {
  readonly #registry: GuardRegistry
  readonly #reflector: Reflector
  readonly #adapterHost: HttpAdapterHost

  /** @internal Nest builds the guard, with the module's registry and its own services. */
  constructor(registry: GuardRegistry, reflector: Reflector, adapterHost: HttpAdapterHost) {
    this.#registry = registry
    this.#reflector = reflector
    this.#adapterHost = adapterHost
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http')
      throw invalidArgument(
        `StepUpGuard: only HTTP requests can be checked, not ${context.getType()}`,
        { code: 'ERR_PLATFORM_UNSUPPORTED' },
      )
    const http = context.switchToHttp()
    const request = http.getRequest<object>()
    if (verified.has(request)) return true
    const platform = platformOf(this.#adapterHost.httpAdapter?.getType(), 'StepUpGuard')
    const source = this.#reflector.getAllAndOverride<RequirementSource<unknown> | undefined>(
      REQUIREMENT,
      [context.getHandler(), context.getClass()],
    )
    const outcome = await this.#registry.guardFor(source)(platform.view(request), request)
    if (outcome.ok) {
      verified.set(request, outcome.auth)
      return true
    }
    const { status, headers, body } = outcome
    await platform.send(
      http.getResponse<object>(),
      status,
      headers,
      body ? JSON.stringify(body) : undefined,
    )
    throw new StepUpException(outcome)
  }
}

// Applied as calls rather than decorator syntax, so this source compiles without
// `experimentalDecorators` wherever the workspace reads it; the tokens are explicit, so nothing
// depends on emitted design-type metadata.
Injectable()(StepUpGuard)
Inject(GUARD_REGISTRY)(StepUpGuard, undefined, 0)
Inject(Reflector)(StepUpGuard, undefined, 1)
Inject(HttpAdapterHost)(StepUpGuard, undefined, 2)
