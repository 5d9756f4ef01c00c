import { createClient } from 'redis'

/** A Redis connection for the sign-in throttle. */
export interface ThrottleRedis {
  /** The node-redis client (what `RateLimiterRedis` is given). */
  readonly client: ReturnType<typeof createClient>
  /** Close the connection (pending commands are dropped). */
  close(): void
}

/**
 * Open a node-redis client for the sign-in throttle, failing fast: commands sent while it is not
 * connected are refused at once (no offline queue), reconnection runs in the background with a
 * backoff up to 2 s, and connection errors are logged once per outage, never thrown. Start-up
 * waits for the first connection at most `waitMs`; a Redis that is down then only means 503s
 * from the sign-in steps until it is back.
 */
export async function connectThrottleRedis(url: string, waitMs = 2000): Promise<ThrottleRedis> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
    },
  })
  let down = false
  client.on('error', (error: Error) => {
    if (down) return
    down = true
    console.error(`authorization server: Redis unavailable (${error.message}); sign-in answers 503`)
  })
  client.on('ready', () => {
    if (down) console.error('authorization server: Redis is back')
    down = false
  })
  const connecting = client.connect().then(
    () => undefined,
    () => undefined,
  )
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    connecting,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs)
    }),
  ])
  clearTimeout(timer)
  return {
    client,
    close() {
      client.destroy()
    },
  }
}
