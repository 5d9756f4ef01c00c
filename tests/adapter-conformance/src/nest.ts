import type { AddressInfo } from 'node:net'
import {
  All,
  Controller,
  Delete,
  type DynamicModule,
  Get,
  HttpCode,
  NotFoundException,
  Post,
  type Type,
} from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import type { StepUpAuth } from '@stepup/assurance'
import { Auth, RequireAssurance, StepUpGuard, StepUpModule } from '@stepup/nestjs'
import type { AppConfig, RouteAuth, RouteConfig } from './fixtures.ts'

/** A server listening on 127.0.0.1 with an ephemeral port. */
export interface Running {
  base: string
  close(): Promise<void>
}

const METHODS = { GET: Get, POST: Post, DELETE: Delete } as const

const sourceOf = (auth: RouteAuth) => auth.requirement

/**
 * One controller holding every route of the configuration, as an app would write it with
 * decorators: `@Get(path)` (or `@Post`, `@Delete`), `@HttpCode(200)` (Nest's default for POST is
 * 201), `@RequireAssurance(requirement | fn | policy)` where the route has its own guard and
 * `@Auth()` for the verified claims. The decorators are applied as calls, because the routes come
 * from the configuration (and this project compiles without `experimentalDecorators`).
 */
function routesController(routes: RouteConfig[], guarded: boolean): Type<unknown> {
  class RoutesController {}
  const prototype = RoutesController.prototype as unknown as Record<string, unknown>
  for (const [i, route] of routes.entries()) {
    const name = `route${i}`
    // A route with no guard at all would have no auth to read (the fixtures have none).
    const withAuth = guarded || route.auth !== undefined
    prototype[name] = (auth: StepUpAuth | undefined) => ({
      route: route.path,
      sub: (withAuth ? auth?.claims.sub : undefined) ?? null,
    })
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!
    const decorators: MethodDecorator[] = [METHODS[route.method](route.path), HttpCode(200)]
    if (route.auth) decorators.push(RequireAssurance(sourceOf(route.auth)))
    for (const decorate of decorators) decorate(prototype, name, descriptor)
    if (withAuth) Auth()(prototype, name, 0)
  }
  Controller()(RoutesController)
  return RoutesController
}

/**
 * The app-wide guard's fallback route: a Nest guard runs for the requests a route matches, so
 * every other request (`/Admin/…`, `//admin/…`, `/x/../admin/…` where the router does not
 * normalise them) lands here, after the guard, and gets Nest's own 404.
 */
function fallbackController(platform: 'express' | 'fastify'): Type<unknown> {
  class FallbackController {
    notFound(): never {
      throw new NotFoundException()
    }
  }
  const prototype = FallbackController.prototype
  // Each router's own wildcard syntax: path-to-regexp 8 (Express 5), find-my-way (Fastify).
  All(platform === 'express' ? '{*path}' : '*')(
    prototype,
    'notFound',
    Object.getOwnPropertyDescriptor(prototype, 'notFound')!,
  )
  Controller()(FallbackController)
  return FallbackController
}

/**
 * Starts an app configuration on Nest, on its Express or Fastify platform: `StepUpModule.forRoot`
 * with the shared options (and `metadata`), a route's own requirement with `@RequireAssurance()`,
 * the app-wide guard (if any) as an `APP_GUARD` with the module's `requirement`, and
 * a fallback route after every other, so the guard runs for every request, matched or not.
 */
export async function startNest(
  platform: 'express' | 'fastify',
  config: AppConfig,
): Promise<Running> {
  const guarded = config.global !== undefined
  const moduleOptions = {
    ...config.options,
    ...(config.global && { requirement: config.global.requirement }),
    ...(config.metadata && { metadata: config.metadata }),
  }
  class AppModule {}
  const root: DynamicModule = {
    module: AppModule,
    imports: [StepUpModule.forRoot(moduleOptions as Parameters<typeof StepUpModule.forRoot>[0])],
    controllers: [
      routesController(config.routes, guarded),
      ...(guarded ? [fallbackController(platform)] : []),
    ],
    providers: guarded ? [{ provide: APP_GUARD, useClass: StepUpGuard }] : [],
  }
  const ignoreDuplicateSlashes = config.ignoreDuplicateSlashes === true
  const adapter =
    platform === 'express'
      ? new ExpressAdapter()
      : new FastifyAdapter({ routerOptions: { ignoreDuplicateSlashes } })
  const app = await NestFactory.create(root, adapter, { logger: false, abortOnError: false })
  await app.listen(0, '127.0.0.1')
  const { port } = app.getHttpServer().address() as AddressInfo
  return { base: `http://127.0.0.1:${port}`, close: () => app.close() }
}
