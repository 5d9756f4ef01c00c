import { createServer } from 'node:http'
import { NodeHttpServer } from '@effect/platform-node'
import type { AccessTokenVerifier as CoreVerifier } from '@stepup/assurance'
import {
  AccessTokenVerifier,
  protectedResourceMetadata,
  requireAssurance,
  type StepUpOptions,
  stepUpMiddleware,
  VerifiedClaims,
} from '@stepup/effect'
import * as Effect from 'effect/Effect'
import * as HttpRouter from 'effect/http/HttpRouter'
import * as HttpServer from 'effect/http/HttpServer'
import * as HttpServerResponse from 'effect/http/HttpServerResponse'
import * as Layer from 'effect/Layer'
import * as ManagedRuntime from 'effect/ManagedRuntime'
import type { AppConfig, RouteAuth } from './fixtures.ts'

/** A server listening on 127.0.0.1 with an ephemeral port. */
export interface Running {
  base: string
  close(): Promise<void>
}

/**
 * The Effect adapter's options for a route: the shared options (the verifier comes from the
 * `AccessTokenVerifier` service instead) and the route's requirement. The fixtures'
 * functions take the framework's request as `unknown`, so they fit Effect's `HttpServerRequest`.
 */
const middlewareOptions = (options: Omit<AppConfig['options'], 'verify'>, auth: RouteAuth) =>
  ({ ...options, ...auth }) as StepUpOptions

/**
 * Starts an app configuration on Effect's own Node HTTP server: each guarded route behind
 * `stepUpMiddleware`, the app-wide guard (if any) as global `HttpRouter` middleware wrapping
 * `requireAssurance`, so it runs for every request, matched or not.
 */
export async function startEffect(config: AppConfig): Promise<Running> {
  const { verify, ...options } = config.options
  const handler = (path: string) =>
    VerifiedClaims.useSync(({ claims }) =>
      HttpServerResponse.jsonUnsafe({ route: path, sub: claims.sub ?? null }),
    )
  const routes: Layer.Layer<never, never, never>[] = config.routes.map((route) => {
    const added = HttpRouter.add(route.method, route.path as `/${string}`, handler(route.path))
    const guarded = route.auth
      ? added.pipe(Layer.provide(stepUpMiddleware(middlewareOptions(options, route.auth)).layer))
      : added
    // A route without its own guard reads the claims the global guard provides.
    return guarded as unknown as Layer.Layer<never, never, never>
  })
  if (config.global) {
    const guard = requireAssurance(middlewareOptions(options, config.global))
    const global = HttpRouter.middleware(
      Effect.map(
        Effect.context<AccessTokenVerifier>(),
        (context) => (httpEffect) =>
          Effect.provideContext(guard(httpEffect as never), context) as typeof httpEffect,
      ),
      { global: true },
    )
    routes.push(global as unknown as Layer.Layer<never, never, never>)
  }
  if (config.metadata) {
    routes.push(
      protectedResourceMetadata(config.metadata) as unknown as Layer.Layer<never, never, never>,
    )
  }
  // Like the other adapters, a verifier object or a function (see test/jwt.test.ts).
  const verifier =
    typeof verify === 'function'
      ? AccessTokenVerifier.fromFunction(verify)
      : AccessTokenVerifier.fromVerifier(verify as CoreVerifier)
  const app = Layer.mergeAll(...(routes as [Layer.Layer<never>])).pipe(Layer.provide(verifier))
  const server = HttpRouter.serve(app as never, {
    disableLogger: true,
    disableListenLog: true,
  }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: '127.0.0.1' })),
  ) as Layer.Layer<HttpServer.HttpServer>
  const runtime = ManagedRuntime.make(server)
  const address = await runtime.runPromise(Effect.map(HttpServer.HttpServer, (s) => s.address))
  if (!('port' in address)) throw new Error('expected a TCP address')
  return { base: `http://127.0.0.1:${address.port}`, close: () => runtime.dispose() }
}
