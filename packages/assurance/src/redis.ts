import { checkOptions } from '@stepup/internal'
import type { ConsumedGrantStore } from './consumed-grant-store.js'

/**
 * The subset of a node-redis client (v4 or v5) the Redis store uses; any client with `set` and
 * `exists` works, so the package has no runtime dependency on a Redis library. The optional
 * members make an outage fail fast: `isReady` (refuse at once while disconnected), `on` (the
 * store listens for `'error'`, so a lost connection never crashes the process) and
 * `withAbortSignal` (node-redis v5: a command still queued when the store gives up is dropped,
 * never sent later).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * const client: RedisLikeClient = await createClient({ url }).connect()
 * ```
 * @see https://redis.io/docs/latest/commands/set/
 */
export interface RedisLikeClient {
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<unknown>
  exists(key: string): Promise<number>
  /** `false` while (re)connecting: the store then rejects instead of queueing the command. */
  readonly isReady?: boolean
  /** An EventEmitter's `on`: the store adds its own `'error'` listener. */
  on?(event: 'error', listener: (error: unknown) => void): unknown
  /** The same client sending its commands with this abort signal (node-redis v5). */
  withAbortSignal?(signal: AbortSignal): Pick<RedisLikeClient, 'set' | 'exists'>
}

/**
 * Options of {@link createRedisConsumedGrantStore}.
 *
 * @example
 * ```ts
 * const options: RedisConsumedGrantStoreOptions = { prefix: 'bank-api:grant:', timeout: 250 }
 * ```
 * @see https://redis.io/docs/latest/commands/set/
 */
export interface RedisConsumedGrantStoreOptions {
  /** Prepended to every key (default `stepup:grant:`). */
  readonly prefix?: string
  /** Milliseconds a command may take before `add` or `has` rejects (default 500). */
  readonly timeout?: number
  /** Told of every connection error of the client (default: ignored here; `add` and `has` reject meanwhile). */
  readonly onError?: (error: unknown) => void
}

const OPTIONS: ReadonlySet<string> = new Set(['prefix', 'timeout', 'onError'])

const typeError = (message: string, code: string) => Object.assign(new TypeError(message), { code })
const unavailable = (message: string, cause?: unknown) =>
  Object.assign(new Error(message, { cause }), { code: 'ERR_GRANT_STORE_UNAVAILABLE' })

/**
 * A {@link ConsumedGrantStore} in Redis, shared by every API instance: `add` is one atomic
 * `SET key 1 NX PX ttl`, so two instances racing on the same grant cannot both win. An outage
 * rejects fast with `ERR_GRANT_STORE_UNAVAILABLE` (the guard answers 503): while the client is
 * disconnected, or when Redis does not answer within `timeout`; a command that has not been sent
 * by then is dropped, so no grant is consumed after its request gave up. The store adds an
 * `'error'` listener to the client, so a Redis restart never crashes the process.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createRedisConsumedGrantStore } from '@stepup/assurance/redis'
 *
 * const grants = createRedisConsumedGrantStore(await createClient({ url }).connect())
 * const policy = createRiskPolicy(rules, { grants })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export function createRedisConsumedGrantStore(
  client: RedisLikeClient,
  options: RedisConsumedGrantStoreOptions = {},
): ConsumedGrantStore {
  checkOptions(options, OPTIONS, 'createRedisConsumedGrantStore')
  const { prefix = 'stepup:grant:', timeout = 500, onError } = options
  if (typeof client?.set !== 'function' || typeof client.exists !== 'function') {
    throw typeError('client must have set() and exists()', 'ERR_INVALID_ARG_TYPE')
  }
  if (
    typeof prefix !== 'string' ||
    !(Number.isSafeInteger(timeout) && timeout > 0) ||
    (onError !== undefined && typeof onError !== 'function')
  ) {
    throw typeError(
      'createRedisConsumedGrantStore: prefix must be a string, timeout a whole number of ms > 0, onError a function',
      'ERR_INVALID_ARG_VALUE',
    )
  }
  client.on?.('error', (error) => onError?.(error))
  const run = async <T>(
    command: (c: Pick<RedisLikeClient, 'set' | 'exists'>) => Promise<T>,
  ): Promise<T> => {
    if (client.isReady === false) throw unavailable('Redis is not connected')
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(unavailable(`Redis did not answer within ${timeout} ms`))
        // A command still in the client's queue is removed, never sent after this.
        controller.abort()
      }, timeout)
    })
    try {
      return await Promise.race([
        command(client.withAbortSignal?.(controller.signal) ?? client),
        late,
      ])
    } catch (e) {
      throw (e as { code?: unknown })?.code === 'ERR_GRANT_STORE_UNAVAILABLE'
        ? e
        : unavailable('Redis command failed', e)
    } finally {
      clearTimeout(timer)
    }
  }
  return {
    has: (key) => run(async (c) => (await c.exists(prefix + key)) > 0),
    async add(key, ttl) {
      if (!(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl))) {
        throw typeError('ttl must be a positive number of seconds', 'ERR_INVALID_ARG_VALUE')
      }
      const px = Math.ceil(ttl * 1000)
      return run(async (c) => (await c.set(prefix + key, '1', { NX: true, PX: px })) === 'OK')
    },
  }
}
