/**
 * HTTP clients for the fault tests, on node:http and node:net so every socket event is seen:
 * a request that proves the server has parsed it (`Expect: 100-continue`), a slow client that
 * trickles bytes, and results that never reject (a reset is a result).
 */
import { type Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { sleep } from './processes.ts'

/** A response, or the socket error that ended the exchange (`ECONNRESET`, `socket hang up`…). */
export type Result =
  | { readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: string }
  | { readonly error: string }

export interface RequestOptions {
  readonly method?: string
  readonly headers?: Record<string, string | number>
  readonly agent?: Agent | false
  /** The body; with `expectContinue`, sent only once `sendBody()` is called. */
  readonly body?: string
  /** Send `Expect: 100-continue` and report when the server's `100 Continue` arrives. */
  readonly expectContinue?: boolean
}

export interface PendingRequest {
  /** Resolves on `100 Continue`: the server has read the request line and headers. */
  readonly continued: Promise<void>
  /** Send the body (with `expectContinue`) and end the request. */
  sendBody(): void
  readonly result: Promise<Result>
}

/** Start a request; its result resolves with the response or the socket error. */
export function start(url: string, options: RequestOptions = {}): PendingRequest {
  const { body, expectContinue = false } = options
  const headers: Record<string, string | number> = { ...options.headers }
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body)
  if (expectContinue) headers['expect'] = '100-continue'
  const req = httpRequest(url, {
    method: options.method ?? 'GET',
    headers,
    ...(options.agent !== undefined && { agent: options.agent }),
  })
  let continued: () => void = () => {}
  const continuedPromise = new Promise<void>((resolve) => {
    continued = resolve
  })
  req.once('continue', () => continued())
  const result = new Promise<Result>((resolve) => {
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    )
    req.once('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.once('error', (error: NodeJS.ErrnoException) =>
        resolve({ error: error.code ?? error.message }),
      )
      res.once('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }))
    })
  })
  let ended = false
  const sendBody = () => {
    if (ended) return
    ended = true
    req.end(body)
  }
  if (!expectContinue) sendBody()
  else if (body === undefined) req.flushHeaders()
  return { continued: continuedPromise, sendBody, result }
}

/** One request to completion. */
export const fetchResult = (url: string, options?: RequestOptions): Promise<Result> =>
  start(url, options).result

export const statusOf = (result: Result): number | string =>
  'status' in result ? result.status : result.error

/** Poll `url` until it answers `status` (e.g. 401 once the API can verify tokens); bounded. */
export async function waitForStatus(url: string, status: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  let last: number | string = 'none'
  while (Date.now() < deadline) {
    last = statusOf(await fetchResult(url, { agent: false }))
    if (last === status) return
    await sleep(50)
  }
  throw new Error(`${url} still answers ${last}, not ${status}, after ${ms} ms`)
}

/** What a trickling client saw. */
export interface Trickle {
  /** The server closed the connection before the client had sent everything. */
  readonly cut: boolean
  /** Bytes of `rest` sent before the connection closed. */
  readonly sent: number
  /** What the server answered, raw. */
  readonly received: string
}

/**
 * Send `head` at once, then `rest` one byte every `interval` ms, and stop when the server closes
 * the connection or `rest` is all sent (a bounded loop).
 */
export function trickle(
  port: number,
  head: string,
  rest: string,
  interval = 100,
): Promise<Trickle> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let sent = 0
    let closed = false
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      received += chunk
    })
    socket.on('error', () => {})
    socket.once('close', () => {
      closed = true
    })
    socket.once('connect', async () => {
      socket.write(head)
      while (!closed && sent < rest.length) {
        await sleep(interval)
        if (closed) break
        socket.write(rest[sent]!)
        sent += 1
      }
      const cut = closed
      if (!closed) socket.destroy()
      resolve({ cut, sent, received })
    })
  })
}
