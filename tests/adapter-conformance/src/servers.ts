import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import {
  protectedResourceMetadata as expressMetadata,
  stepUp as expressStepUp,
} from '@stepup/express'
import fastifyStepUp from '@stepup/fastify'
import { protectedResourceMetadata as fetchMetadata, withStepUp } from '@stepup/fetch'
import express5 from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import { Hono } from 'hono'
import type { AppConfig, RouteAuth } from './fixtures.ts'

/** A server listening on 127.0.0.1 with an ephemeral port. */
export interface Running {
  base: string
  close(): Promise<void>
}

/** The framework flavours every case runs through. */
export const ADAPTERS = ['express5', 'express4', 'fastify', 'fetch'] as const
export type AdapterName = (typeof ADAPTERS)[number]

const success = (route: string, auth: { claims: { sub?: string | undefined } } | undefined) => ({
  route,
  sub: auth?.claims.sub ?? null,
})

function guardOptions(auth: RouteAuth) {
  return 'policy' in auth ? { policy: auth.policy } : { requirement: auth.requirement }
}

async function startExpress(factory: typeof express5, config: AppConfig): Promise<Running> {
  const app = factory()
  app.use(factory.json())
  app.use(factory.urlencoded({ extended: false }))
  if (config.metadata) app.use(expressMetadata(config.metadata))
  for (const route of config.routes) {
    const guard = expressStepUp({ ...config.options, ...guardOptions(route.auth) })
    const method = route.method.toLowerCase() as 'get' | 'post'
    app[method](route.path, guard, (req, res) => {
      res.json(success(route.path, req.auth))
    })
  }
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

async function startFastify(config: AppConfig): Promise<Running> {
  const app = Fastify()
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
  for (const route of config.routes) {
    const auth = route.auth
    const hook =
      'policy' in auth
        ? app.requireAssurance(auth.policy)
        : typeof auth.requirement === 'function'
          ? app.requireAssurance(auth.requirement)
          : app.requireAssurance(auth.requirement)
    app.route({
      method: route.method,
      url: route.path,
      preHandler: hook,
      handler: async (request) => success(route.path, request.auth),
    })
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { base: `http://127.0.0.1:${port}`, close: () => app.close() }
}

async function startFetch(config: AppConfig): Promise<Running> {
  const app = new Hono()
  if (config.metadata) {
    const metadata = fetchMetadata(config.metadata)
    app.use(async (c, next) => metadata(c.req.raw) ?? next())
  }
  for (const route of config.routes) {
    const handler = withStepUp(async (_request, auth) => Response.json(success(route.path, auth)), {
      ...config.options,
      ...guardOptions(route.auth),
    })
    app.on(route.method, route.path, (c) => handler(c.req.raw))
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
    case 'fastify':
      return startFastify(config)
    case 'fetch':
      return startFetch(config)
  }
}
