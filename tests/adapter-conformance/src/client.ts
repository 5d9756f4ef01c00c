import { request as httpRequest } from 'node:http'

/** A request the conformance cases send; header pairs may repeat a name, as on the wire. */
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

/** Sends one request over a fresh connection with exactly the given header lines. */
export function send(base: string, req: CaseRequest): Promise<CaseResponse> {
  const url = new URL(req.path, base)
  const flat: string[] = ['host', url.host]
  for (const [name, value] of req.headers ?? []) flat.push(name, value)
  if (req.body !== undefined) flat.push('content-length', String(Buffer.byteLength(req.body)))
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: req.method,
        headers: flat,
        agent: false,
      },
      (res) => {
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
      },
    )
    r.on('error', reject)
    r.end(req.body)
  })
}
