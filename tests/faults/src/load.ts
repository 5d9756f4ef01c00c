/**
 * A bounded load of Bearer requests: `clients` keep-alive clients, each sending its next
 * request when the last one is answered, until a deadline, a stop condition or a total count.
 */
import { Agent } from 'node:http'
import { performance } from 'node:perf_hooks'
import { fetchResult } from './http.ts'

/** One request of a load run. Times are `performance.now()` of the test process. */
export interface Shot {
  readonly client: number
  /** What the request carried, as the caller labelled it (e.g. the token's `kid`). */
  readonly label: string
  readonly start: number
  readonly end: number
  /** The status code, or the socket error (`ECONNRESET`…). */
  readonly outcome: number | string
  /** The `Retry-After` header, when there was one. */
  readonly retryAfter: string | undefined
  /** The `error` member of a JSON body, or of the `WWW-Authenticate` challenge. */
  readonly error: string | undefined
}

/** The token for a client's next request, and its label. */
export interface Next {
  readonly token: string
  readonly label: string
}

export interface LoadOptions {
  readonly url: string
  readonly clients: number
  /** No request is sent after this `performance.now()` time. */
  readonly until: number
  /** At most this many requests in all. */
  readonly maxRequests: number
  /** Checked before each request: true ends the client's loop. */
  readonly stop?: () => boolean
  /** The token a client sends next. */
  readonly next: (client: number) => Next | Promise<Next>
  /** Called with each answered request, as it is answered. */
  readonly onShot?: (shot: Shot) => void
}

const errorOf = (body: string, challenge: string | undefined): string | undefined => {
  const fromChallenge = challenge && /error="([^"]*)"/.exec(challenge)?.[1]
  if (fromChallenge) return fromChallenge
  try {
    const parsed = JSON.parse(body) as { error?: unknown } | null
    return typeof parsed?.error === 'string' ? parsed.error : undefined
  } catch {
    return undefined
  }
}

/** Run the load and resolve with every request, in the order they were answered. */
export async function load(options: LoadOptions): Promise<Shot[]> {
  const { url, clients, until, maxRequests, stop = () => false, next, onShot } = options
  const agent = new Agent({ keepAlive: true, maxSockets: clients })
  const shots: Shot[] = []
  let sent = 0
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        while (performance.now() < until && sent < maxRequests && !stop()) {
          sent += 1
          const { token, label } = await next(client)
          const start = performance.now()
          const result = await fetchResult(url, {
            headers: { authorization: `Bearer ${token}` },
            agent,
          })
          const answered = 'status' in result
          const header = answered ? result.headers['retry-after'] : undefined
          const challenge = answered ? result.headers['www-authenticate'] : undefined
          const shot: Shot = {
            client,
            label,
            start,
            end: performance.now(),
            outcome: answered ? result.status : result.error,
            retryAfter: typeof header === 'string' ? header : undefined,
            error: answered ? errorOf(result.body, challenge) : undefined,
          }
          shots.push(shot)
          onShot?.(shot)
        }
      }),
    )
  } finally {
    agent.destroy()
  }
  return shots
}

/** How many requests ended with each outcome, e.g. `{ "200": 9120, "503": 41 }`. */
export function countOutcomes(shots: readonly Shot[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const { outcome } of shots) counts[outcome] = (counts[outcome] ?? 0) + 1
  return counts
}
