import { request as httpRequest, type IncomingMessage } from 'node:http'

/**
 * A request the conformance cases send; header pairs may repeat a name, as on the wire. The
 * path goes out byte for byte (`//admin`, `/./admin`, `/%zz` are not normalised on the way).
 */
export interface CaseRequest {
  method: string
  path: string
  headers?: ReadonlyArray<readonly [string, string]>
  body?: string
}

/** What came back, with every field line kept apart (Node would join or drop repeats). */
export interface CaseResponse {
  status: number
  /** Header field lines by lower-cased name, in order. */
  lines: Record<string, string[]>
  text: string
  /** The same answer as a web `Response`, for oauth4webapi. */
  toResponse(): Response
}

function target(base: string, req: CaseRequest) {
  const { hostname, port, host } = new URL(base)
  const flat: string[] = ['host', host]
  for (const [name, value] of req.headers ?? []) flat.push(name, value)
  return { host: hostname, port, path: req.path, method: req.method, headers: flat, agent: false }
}

function collect(res: IncomingMessage): Promise<CaseResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('error', reject)
    res.on('end', () => {
      const lines: Record<string, string[]> = Object.create(null)
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i]!.toLowerCase()
        const list = lines[name] ?? []
        list.push(res.rawHeaders[i + 1]!)
        lines[name] = list
      }
      const text = Buffer.concat(chunks).toString('utf8')
      const status = res.statusCode ?? 0
      resolve({
        status,
        lines,
        text,
        toResponse() {
          const headers = new Headers()
          for (const [name, values] of Object.entries(lines)) {
            for (const v of values) headers.append(name, v)
          }
          return new Response(status === 204 ? null : text, { status, headers })
        },
      })
    })
  })
}

/** Sends one request over a fresh connection with exactly the given header lines. */
export function send(base: string, req: CaseRequest): Promise<CaseResponse> {
  const options = target(base, req)
  if (req.body !== undefined)
    options.headers.push('content-length', String(Buffer.byteLength(req.body)))
  return new Promise((resolve, reject) => {
    const r = httpRequest(options, (res) => collect(res).then(resolve, reject))
    r.on('error', reject)
    r.end(req.body)
  })
}

/**
 * Announces a body of `length` bytes, sends only `head` of it, and waits for the response with
 * the rest never sent: it resolves only if the server answers without the whole body (a server
 * that waits for it leaves this pending until the test times out). The connection is then
 * destroyed.
 */
export function sendUnfinished(
  base: string,
  req: Omit<CaseRequest, 'body'>,
  length: number,
  head: string,
): Promise<CaseResponse> {
  const options = target(base, req)
  options.headers.push('content-length', String(length))
  if (Buffer.byteLength(head) >= length)
    throw new RangeError('head must be shorter than the announced length')
  return new Promise((resolve, reject) => {
    let answered = false
    const r = httpRequest(options, (res) => {
      answered = true
      collect(res).then((answer) => {
        r.destroy()
        resolve(answer)
      }, reject)
    })
    // Once answering, the server may close its end before our destroy(); that is not a failure.
    r.on('error', (e) => answered || reject(e))
    r.write(head)
  })
}
