import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request as the server received it. */
export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

export type Handler = (request: SeenRequest, response: ServerResponse) => unknown

/** A real HTTP server on 127.0.0.1 that records every request it receives. */
export interface TestServer {
  readonly origin: string
  readonly seen: SeenRequest[]
  handle(handler: Handler): void
  close(): Promise<void>
}

export async function startServer(initial?: Handler): Promise<TestServer> {
  let handler: Handler = initial ?? ((_, res) => res.writeHead(404).end())
  const seen: SeenRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      }
      seen.push(request)
      Promise.resolve(handler(request, res)).catch((error: unknown) => {
        res.writeHead(500).end(String(error))
      })
    })
  })
  server.keepAliveTimeout = 100
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    handle(next) {
      handler = next
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** The token a request carried, or undefined. */
export function bearer(request: SeenRequest): string | undefined {
  const value = request.headers.authorization
  return value?.startsWith('Bearer ') ? value.slice(7) : undefined
}

/** A resource that wants `token` and otherwise answers with `challenge` (401 by default). */
export function protectedResource(token: string, challenge: string, status = 401): Handler {
  return (request, res) => {
    if (bearer(request) === token) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true, path: request.path }))
    } else {
      res.writeHead(status, { 'www-authenticate': challenge }).end()
    }
  }
}

export const STEP_UP_ACR =
  'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"'
