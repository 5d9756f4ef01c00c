import type { ConsumedGrantStore } from './consumed-grant-store.js'

/**
 * The subset of a node-redis client (v4 or v5) the Redis store uses; any client with these two
 * methods works, so the package has no runtime dependency on a Redis library.
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
}

/**
 * Options of {@link createRedisConsumedGrantStore}.
 *
 * @example
 * ```ts
 * const options: RedisConsumedGrantStoreOptions = { prefix: 'bank-api:grant:' }
 * ```
 * @see https://redis.io/docs/latest/commands/set/
 */
export interface RedisConsumedGrantStoreOptions {
  /** Prepended to every key (default `stepup:grant:`). */
  readonly prefix?: string
}

/**
 * A {@link ConsumedGrantStore} in Redis, shared by every API instance: `add` is one atomic
 * `SET key 1 NX PX ttl`, so two instances racing on the same grant cannot both win.
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
  const { prefix = 'stepup:grant:' } = options
  if (typeof client?.set !== 'function' || typeof client.exists !== 'function') {
    throw Object.assign(new TypeError('client must have set() and exists()'), {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  }
  return {
    has: async (key) => (await client.exists(prefix + key)) > 0,
    async add(key, ttl) {
      if (!(ttl > 0))
        throw Object.assign(new TypeError('ttl must be positive'), {
          code: 'ERR_INVALID_ARG_VALUE',
        })
      return (await client.set(prefix + key, '1', { NX: true, PX: Math.ceil(ttl * 1000) })) === 'OK'
    },
  }
}
