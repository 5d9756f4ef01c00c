import type { HttpRequestView } from '@stepup/assurance'
import { readRequestBody } from '@stepup/assurance'
import { invalidArgument } from '@stepup/internal'

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>

/** What the guard reads of an Express request (Node's `IncomingMessage` with Express's fields). */
interface ExpressRequest extends AsyncIterable<Uint8Array> {
  readonly method: string
  readonly originalUrl: string
  readonly headers: Headers
  readonly headersDistinct?: Headers
  readonly readableEnded: boolean
  body?: unknown
  _body?: boolean
}

interface ExpressResponse {
  status(code: number): ExpressResponse
  set(headers: Readonly<Record<string, string>>): ExpressResponse
  end(body?: string): unknown
}

/** What the guard reads of a Fastify request. */
interface FastifyRequest {
  readonly method: string
  readonly url: string
  readonly headers: Headers
  readonly raw: { readonly headersDistinct?: Headers }
  readonly body?: unknown
}

interface FastifyReply extends PromiseLike<unknown> {
  code(code: number): FastifyReply
  headers(headers: Readonly<Record<string, string>>): FastifyReply
  send(body?: string): FastifyReply
}

/** How the guard reads a request and writes a response on one of Nest's HTTP platforms. */
export interface Platform {
  view(request: object): HttpRequestView
  send(
    response: object,
    status: number,
    headers: Readonly<Record<string, string>>,
    body: string | undefined,
  ): Promise<void>
}

const express: Platform = {
  view(request) {
    const req = request as ExpressRequest
    return {
      method: req.method,
      url: req.originalUrl,
      headers: req.headersDistinct ?? req.headers,
      body: (limit) => expressBody(req, limit),
    }
  },
  // As `@stepup/express` answers: Express's `set()` and `end()`, byte for byte the same.
  async send(response, status, headers, body) {
    ;(response as ExpressResponse).status(status).set(headers).end(body)
  },
}

const fastify: Platform = {
  view(request) {
    const req = request as FastifyRequest
    return {
      method: req.method,
      url: req.url,
      headers: req.raw.headersDistinct ?? req.headers,
      // Fastify parsed the body before Nest's route handler (its own bodyLimit and parsers
      // apply); a request without one has `undefined`.
      body: () => req.body,
    }
  },
  // As `@stepup/fastify` answers; awaiting the reply waits until it is written, so Nest's
  // exception filter then sees it sent and adds nothing.
  async send(response, status, headers, body) {
    await (response as FastifyReply).code(status).headers(headers).send(body)
  },
}

const PLATFORMS: Readonly<Record<string, Platform>> = { express, fastify }

/**
 * The platform Nest runs on, from its HTTP adapter's `getType()`: Express or Fastify. Anything
 * else (no HTTP adapter, another platform) throws: the guard cannot read the request, so it
 * never lets it through.
 */
export function platformOf(type: string | undefined, where: string): Platform {
  const platform = type === undefined ? undefined : PLATFORMS[type]
  if (!platform)
    throw invalidArgument(
      `${where}: Nest's HTTP platform ${JSON.stringify(type ?? 'none')} is not supported (express or fastify)`,
      { code: 'ERR_PLATFORM_UNSUPPORTED' },
    )
  return platform
}

/**
 * The body as the guard needs it, as `@stepup/express` reads it: nothing when the request has
 * none (RFC 9112 §6.3: no `Transfer-Encoding` and no non-zero `Content-Length`); what Nest's body
 * parser made of it; otherwise (a media type the parser skips, or `bodyParser: false`) read
 * here, within the limit, and left on `req.body` for the handler.
 */
async function expressBody(req: ExpressRequest, limit: number): Promise<unknown> {
  const length = req.headers['content-length']
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0'))
    return undefined
  // Read already: body-parser 1 marks `req._body`, body-parser 2 leaves the stream finished.
  if (req._body || req.readableEnded) return req.body
  const contentType = req.headers['content-type']
  const body = await readRequestBody(
    typeof contentType === 'string' ? contentType : undefined,
    req,
    limit,
  )
  req.body = body
  req._body = true
  return body
}
