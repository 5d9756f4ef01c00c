import { serve } from '@hono/node-server'
import type { StepUpAuth } from '@stepup/assurance'
import { protectedResourceMetadata, type StepUpEnv, type StepUpOptions, stepUp } from '@stepup/hono'
import { type Context, Hono } from 'hono'
import type { AppConfig, RouteAuth } from './fixtures.ts'

/** A server listening on 127.0.0.1 with an ephemeral port. */
export interface Running {
  base: string
  close(): Promise<void>
}

/**
 * Starts an app configuration on Hono with `@stepup/hono` (on `@hono/node-server`): the metadata
 * middleware first, the app-wide guard (if any) as `app.use(requireAssurance(…))`, which runs for
 * every request, matched or not, and each guarded route behind its own `requireAssurance(…)`.
 * The routes read `c.get('auth')`.
 */
export async function startHono(config: AppConfig): Promise<Running> {
  // The fixtures' functions read the request's `url`; `@stepup/hono` hands them the Hono context,
  // so they get its raw `Request`, as a Hono app would read `c.req.raw`.
  const { signals, ...shared } = config.options
  const options = {
    ...shared,
    ...(signals && { signals: (c) => signals(c.req.raw) }),
  } satisfies StepUpOptions as StepUpOptions
  const requireAssurance = stepUp(options)
  const guard = (auth: RouteAuth) => {
    const { requirement } = auth
    return typeof requirement === 'function'
      ? requireAssurance((c) => requirement(c.req.raw))
      : requireAssurance(requirement)
  }
  const app = new Hono<StepUpEnv>()
  if (config.metadata) app.use(protectedResourceMetadata(config.metadata))
  if (config.global) app.use(guard(config.global))
  for (const route of config.routes) {
    const handler = (c: Context<StepUpEnv>) => {
      // Unset on a route that neither it nor an app-wide guard protects.
      const auth: StepUpAuth | undefined = c.get('auth')
      return c.json({ route: route.path, sub: auth?.claims.sub ?? null })
    }
    if (route.auth) app.on(route.method, route.path, guard(route.auth), handler)
    else app.on(route.method, route.path, handler)
  }
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        base: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}
