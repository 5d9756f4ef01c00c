import { createServer } from 'node:http'
import { NodeHttpServer } from '@effect/platform-node'
import * as Effect from 'effect/Effect'
import * as HttpRouter from 'effect/http/HttpRouter'
import * as HttpServer from 'effect/http/HttpServer'
import * as Layer from 'effect/Layer'
import * as ManagedRuntime from 'effect/ManagedRuntime'

/** A server listening on 127.0.0.1 with an ephemeral port. */
export interface Running {
  base: string
  close(): Promise<void>
}

/** Serves an `HttpRouter` app layer with Effect's Node HTTP server on 127.0.0.1. */
export async function listen<A, E, R>(app: Layer.Layer<A, E, R>): Promise<Running> {
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
