import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { StepUpAuth } from '@stepup/assurance'
import {
  protectedResourceMetadata as expressMetadata,
  stepUp as expressStepUp,
} from '@stepup/express'
import fastifyStepUp from '@stepup/fastify'
import {
  evaluateRequest,
  type StepUpOptions as FetchOptions,
  protectedResourceMetadata as fetchMetadata,
  withStepUp,
} from '@stepup/fetch'
import express5, { type ErrorRequestHandler } from 'express'
import express4 from 'express4'
import Fastify5 from 'fastify'
import Fastify4 from 'fastify4'
import { Hono } from 'hono'
import { startEffect } from './effect.ts'
import type { AppConfig, RouteAuth } from './fixtures.ts'
import { startHono } from './hono.ts'
import { startNest } from './nest.ts'

/** A server listening on 127.0.0.1 with an ephemeral port. */
export interface Running {
  base: string
  close(): Promise<void>
}

/** The framework flavours every case runs through, each on a real loopback socket. */
export const ADAPTERS = [
  'express5',
  'express4',
  'fastify5',
  'fastify4',
  'fetch',
  'effect',
  'hono',
  'nest-express',
  'nest-fastify',
] as const
export type AdapterName = (typeof ADAPTERS)[number]

const success = (route: string, auth: { claims: { sub?: string | undefined } } | undefined) => ({
  route,
  sub: auth?.claims.sub ?? null,
})

function guardOptions(auth: RouteAuth) {
  return { requirement: auth.requirement }
}

/**
 * The app's own error handler, where `express.json()` sends a body it cannot parse (and where
 * anything else thrown would land): JSON, the parser's error type, never a stack trace.
 */
const expressErrors: ErrorRequestHandler = (err, _req, res, _next) => {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>
  const status = typeof e['status'] === 'number' ? e['status'] : 500
  res.status(status).json({ error: typeof e['type'] === 'string' ? e['type'] : 'server_error' })
}

async function startExpress(factory: typeof express5, config: AppConfig): Promise<Running> {
  const app = factory()
  app.use(factory.json())
  app.use(factory.urlencoded({ extended: false }))
  if (config.metadata) app.use(expressMetadata(config.metadata))
  if (config.global) app.use(expressStepUp({ ...config.options, ...guardOptions(config.global) }))
  for (const route of config.routes) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'delete'
    const handler = (req: express5.Request, res: express5.Response) => {
      res.json(success(route.path, req.auth))
    }
    if (route.auth) {
      const guard = expressStepUp({ ...config.options, ...guardOptions(route.auth) })
      app[method](route.path, guard, handler)
    } else app[method](route.path, handler)
  }
  app.use(expressErrors)
  return listenNode((port, cb) => app.listen(port, '127.0.0.1', cb))
}

function listenNode(
  listen: (port: number, cb: () => void) => import('node:http').Server,
): Promise<Running> {
  return new Promise((resolve) => {
    const server = listen(0, () => {
      const { port } = server.address() as AddressInfo
      resolve({
        base: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}

async function startFastify(
  factory: typeof Fastify5,
  version: 4 | 5,
  config: AppConfig,
): Promise<Running> {
  const ignoreDuplicateSlashes = config.ignoreDuplicateSlashes === true
  // Fastify 5 takes router switches in routerOptions (top-level ones are deprecated, FSTDEP022).
  const app = factory(
    version === 5 ? { routerOptions: { ignoreDuplicateSlashes } } : { ignoreDuplicateSlashes },
  )
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    },
  )
  await app.register(fastifyStepUp, {
    ...config.options,
    ...(config.metadata ? { metadata: config.metadata } : {}),
  })
  const hookFor = (auth: RouteAuth) => app.requireAssurance(auth.requirement)
  // The app-wide guard: a root preHandler hook runs for every request, the 404 handler's too.
  if (config.global) app.addHook('preHandler', hookFor(config.global))
  for (const route of config.routes) {
    app.route({
      method: route.method,
      url: route.path,
      ...(route.auth && { preHandler: hookFor(route.auth) }),
      handler: async (request) => success(route.path, request.auth),
    })
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { base: `http://127.0.0.1:${port}`, close: () => app.close() }
}

async function startFetch(config: AppConfig): Promise<Running> {
  const app = new Hono<{ Variables: { auth: StepUpAuth } }>()
  if (config.metadata) {
    const metadata = fetchMetadata(config.metadata)
    app.use(async (c, next) => metadata(c.req.raw) ?? next())
  }
  if (config.global) {
    // One options object, so evaluateRequest builds its guard once.
    const options = { ...config.options, ...guardOptions(config.global) } as FetchOptions
    app.use('*', async (c, next) => {
      const outcome = await evaluateRequest(c.req.raw, options)
      if (!outcome.ok) {
        const text = outcome.body ? JSON.stringify(outcome.body) : null
        return new Response(text, { status: outcome.status, headers: outcome.headers })
      }
      c.set('auth', outcome.auth)
      return next()
    })
  }
  for (const route of config.routes) {
    if (route.auth) {
      const handler = withStepUp(
        async (_request, auth) => Response.json(success(route.path, auth)),
        { ...config.options, ...guardOptions(route.auth) } as FetchOptions,
      )
      app.on(route.method, route.path, (c) => handler(c.req.raw))
    } else app.on(route.method, route.path, (c) => c.json(success(route.path, c.get('auth'))))
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

/** Starts the given app configuration on one adapter. */
export function start(adapter: AdapterName, config: AppConfig): Promise<Running> {
  switch (adapter) {
    case 'express5':
      return startExpress(express5, config)
    case 'express4':
      return startExpress(express4 as unknown as typeof express5, config)
    case 'fastify5':
      return startFastify(Fastify5, 5, config)
    case 'fastify4':
      return startFastify(Fastify4 as unknown as typeof Fastify5, 4, config)
    case 'fetch':
      return startFetch(config)
    case 'effect':
      return startEffect(config)
    case 'hono':
      return startHono(config)
    case 'nest-express':
      return startNest('express', config)
    case 'nest-fastify':
      return startNest('fastify', config)
  }
}
