import { checkOptions } from '@stepup/internal'
import { AssuranceError, check } from './errors.js'
import { epochNow, positive } from './verifier.js'

/**
 * The store where single-use grants are marked as consumed, so that a transaction-bound token
 * (the $10,000 transfer, draft-hyseni transaction binding) serves one request only.
 *
 * `add` is an atomic "set if absent" with a TTL in seconds, resolving `true` when the key was not
 * there yet. Implementations: in memory ({@link createMemoryConsumedGrantStore}) and Redis
 * (`@stepup/assurance/redis`), which holds across several API instances.
 *
 * @example
 * ```ts
 * const grants = createMemoryConsumedGrantStore()
 * await grants.add('grant-key', 300) // true, then false until it expires
 * const policy = createRiskPolicy([transactionBinding({ types: ['payment_initiation'], singleUse: true })], { grants })
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
 * The options of {@link createMemoryConsumedGrantStore}: how many keys it holds, in all and per
 * group.
 *
 * @example
 * ```ts
 * const grants = createMemoryConsumedGrantStore({ max: 100_000 })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export interface MemoryConsumedGrantStoreOptions {
  /** Most unexpired keys held (default 100000); past it `add` rejects rather than forget one. */
  readonly max?: number
  /**
   * Most unexpired keys of one group (with `group`; default no bound beyond `max`): past it, `add`
   * of that group rejects (`ERR_GRANT_STORE_GROUP_FULL`) while other groups keep being served,
   * so one client flooding the store cannot lock every other client out.
   */
  readonly maxPerGroup?: number
  /** The group a key counts against for `maxPerGroup`, e.g. the DPoP key a proof `jti` belongs to. */
  readonly group?: (key: string) => string
  /** The clock, in epoch seconds. */
  readonly now?: () => number
}

const OPTIONS: ReadonlySet<string> = new Set(['max', 'maxPerGroup', 'group', 'now'])

/**
 * An in-memory {@link ConsumedGrantStore} for a single process. It never evicts an unexpired key
 * (that would re-enable a replay): when full of live keys, `add` rejects with a coded error —
 * `ERR_GRANT_STORE_GROUP_FULL` when only the key's group is at `maxPerGroup`,
 * `ERR_GRANT_STORE_FULL` when the whole store is at `max`.
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
  checkOptions(options, OPTIONS, 'createMemoryConsumedGrantStore')
  const { max = 100_000, maxPerGroup, group, now = epochNow } = options
  positive(max, 'max')
  positive(maxPerGroup, 'maxPerGroup')
  check(maxPerGroup !== 0, 'maxPerGroup')
  check((maxPerGroup === undefined) === (group === undefined), 'group')
  check(group === undefined || typeof group === 'function', 'group')
  check(typeof now === 'function', 'now')
  // group → key → expiry (epoch seconds); `size` counts the keys of every group.
  const groups = new Map<string, Map<string, number>>()
  let size = 0
  const groupOf = (key: string) => group?.(key) ?? ''
  const sweep = (name: string, keys: Map<string, number>, t: number) => {
    for (const [k, e] of keys) {
      if (e <= t) {
        keys.delete(k)
        size--
      }
    }
    if (!keys.size) groups.delete(name)
  }
  const live = (key: string, name: string) => {
    const keys = groups.get(name)
    const expiresAt = keys?.get(key)
    if (expiresAt === undefined || !keys) return false
    if (expiresAt > now()) return true
    keys.delete(key)
    size--
    if (!keys.size) groups.delete(name)
    return false
  }
  return {
    has: async (key) => live(key, groupOf(key)),
    async add(key, ttl) {
      positive(ttl, 'ttl', false)
      const name = groupOf(key)
      if (live(key, name)) return false
      const t = now()
      let keys = groups.get(name)
      if (keys && maxPerGroup !== undefined && keys.size >= maxPerGroup) {
        sweep(name, keys, t)
        if (keys.size >= maxPerGroup) {
          throw new AssuranceError(
            'ERR_GRANT_STORE_GROUP_FULL',
            'consumed grant store: this group is full',
          )
        }
      }
      if (size >= max) {
        for (const [n, k] of groups) sweep(n, k, t)
        if (size >= max)
          throw new AssuranceError('ERR_GRANT_STORE_FULL', 'consumed grant store is full')
      }
      keys = groups.get(name) ?? new Map<string, number>()
      groups.set(name, keys)
      keys.set(key, t + ttl)
      size++
      return true
    },
  }
}
