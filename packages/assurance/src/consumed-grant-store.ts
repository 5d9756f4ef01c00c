import { epochNow, positive } from './verifier.js'

/**
 * Where single-use grants are marked as consumed, so a transaction-bound token (the $10,000
 * transfer, draft-hyseni transaction binding) serves one request only: `add` is an atomic "set if absent" with a TTL in seconds,
 * resolving `true` when the key was not there yet. Implementations: in memory
 * ({@link createMemoryConsumedGrantStore}) and Redis (`@stepup/assurance/redis`), which holds across
 * several API instances.
 *
 * @example
 * ```ts
 * const store: ConsumedGrantStore = createMemoryConsumedGrantStore()
 * await store.add('grant-key', 300) // true, then false until it expires
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export interface ConsumedGrantStore {
  /** Whether `key` is marked and not expired. */
  has(key: string): Promise<boolean>
  /** Mark `key` for `ttl` seconds unless already marked; `true` when this call marked it. */
  add(key: string, ttl: number): Promise<boolean>
}

/**
 * Options of {@link createMemoryConsumedGrantStore}.
 *
 * @example
 * ```ts
 * const options: MemoryConsumedGrantStoreOptions = { max: 100_000 }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export interface MemoryConsumedGrantStoreOptions {
  /** Most unexpired keys held (default 100000); past it `add` rejects rather than forget one. */
  readonly max?: number
  /** The clock, in epoch seconds. */
  readonly now?: () => number
}

/**
 * An in-memory {@link ConsumedGrantStore} for a single process. It never evicts an unexpired key
 * (that would re-enable a replay): when full of live keys, `add` rejects with a coded error.
 *
 * @example
 * ```ts
 * const grants = createMemoryConsumedGrantStore()
 * const policy = createRiskPolicy(rules, { grants })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export function createMemoryConsumedGrantStore(
  options: MemoryConsumedGrantStoreOptions = {},
): ConsumedGrantStore {
  const { max = 100_000, now = epochNow } = options
  positive(max, 'max')
  const map = new Map<string, number>()
  const live = (key: string) => {
    const expiresAt = map.get(key)
    if (expiresAt !== undefined && expiresAt <= now()) map.delete(key)
    return map.has(key)
  }
  return {
    has: async (key) => live(key),
    async add(key, ttl) {
      positive(ttl, 'ttl', false)
      if (live(key)) return false
      if (map.size >= max) {
        const t = now()
        for (const [k, e] of map) if (e <= t) map.delete(k)
        if (map.size >= max)
          throw Object.assign(new Error('consumed grant store is full'), {
            code: 'ERR_GRANT_STORE_FULL',
          })
      }
      map.set(key, now() + ttl)
      return true
    },
  }
}
