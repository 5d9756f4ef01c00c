import {
  type ConsumedGrantStore as CoreConsumedGrantStore,
  createMemoryConsumedGrantStore,
  type MemoryConsumedGrantStoreOptions,
} from '@stepup/assurance'
import * as Context from 'effect/Context'
import * as Effect from 'effect/Effect'
import * as Layer from 'effect/Layer'

/**
 * What the {@link ConsumedGrantStore} service does: `add` marks a single-use grant for `ttl`
 * seconds unless already marked (`true` when this call marked it), `has` tells whether it is.
 * A store that cannot answer is a defect: the request fails closed with a 500.
 *
 * @example
 * ```ts
 * const first = yield* (yield* ConsumedGrantStore).add(key, 300) // true, then false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export interface ConsumedGrantStoreShape {
  /** Whether `key` is marked as consumed (and not expired). */
  has(key: string): Effect.Effect<boolean>
  /** Mark `key` for `ttl` seconds unless already marked: `true` when this call marked it. */
  add(key: string, ttl: number): Effect.Effect<boolean>
}

const ConsumedGrantStoreBase: Context.ServiceClass<
  ConsumedGrantStore,
  '@stepup/effect/ConsumedGrantStore',
  ConsumedGrantStoreShape
> = /*#__PURE__*/ Context.Service<ConsumedGrantStore, ConsumedGrantStoreShape>()(
  '@stepup/effect/ConsumedGrantStore',
)

/**
 * Where single-use (transaction-bound) grants are marked as consumed, so the $10,000 transfer
 * token serves one request only. {@link RiskPolicy.layer} uses it when provided.
 *
 * @example
 * ```ts
 * const GrantsLive = ConsumedGrantStore.fromStore(createRedisConsumedGrantStore(redis))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export class ConsumedGrantStore extends ConsumedGrantStoreBase {
  /** An in-memory store for one process (`@stepup/assurance`'s `createMemoryConsumedGrantStore`). */
  static memory(options: MemoryConsumedGrantStoreOptions = {}): Layer.Layer<ConsumedGrantStore> {
    return ConsumedGrantStore.fromStore(createMemoryConsumedGrantStore(options))
  }

  /** Wrap any `@stepup/assurance` store, such as the Redis one shared by several instances. */
  static fromStore(store: CoreConsumedGrantStore): Layer.Layer<ConsumedGrantStore> {
    return Layer.succeed(ConsumedGrantStore, {
      has: (key) => Effect.promise(() => store.has(key)),
      add: (key, ttl) => Effect.promise(() => store.add(key, ttl)),
    })
  }
}

/** The service as the Promise-based store `createRiskPolicy` takes. */
export const toCoreStore = (store: ConsumedGrantStoreShape): CoreConsumedGrantStore => ({
  has: (key) => Effect.runPromise(store.has(key)),
  add: (key, ttl) => Effect.runPromise(store.add(key, ttl)),
})
