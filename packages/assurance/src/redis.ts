import { checkOptions, invalidArgument } from '@stepup/internal'
import type { ConsumedGrantStore } from './consumed-grant-store.js'
import { AssuranceError, type GrantStoreErrorCode } from './errors.js'

/**
 * The subset of a node-redis client (v4 or v5) that {@link createRedisConsumedGrantStore} uses.
 *
 * Any client with `set` and `exists` works, so the package has no runtime dependency on a Redis
 * library. The optional
 * members make an outage fail fast and a restart safe: `isReady` (refuse at once while
 * disconnected), `on` (the store listens for `'error'`, so a lost connection never crashes the
 * process, and for `'ready'`, to check persistence again on every new connection), `configGet`
 * (the persistence check), `wait` (replicas acknowledging each consumed grant) and
 * `withAbortSignal` (node-redis v5: a command still queued when the store gives up is dropped,
 * never sent later).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * const grants = createRedisConsumedGrantStore(await createClient({ url: 'redis://localhost:6379' }).connect())
 * ```
 * @see https://redis.io/docs/latest/commands/set/
 */
export interface RedisLikeClient {
  /** `SET key value NX PX ms`: `'OK'` when the key was not there yet. */
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<unknown>
  /** `EXISTS key`: how many of the keys exist. */
  exists(key: string): Promise<number>
  /** `CONFIG GET pattern`: an object (or `Map`) of parameter names to values. */
  configGet?(pattern: string): Promise<unknown>
  /** `WAIT numreplicas timeout`: how many replicas acknowledged the writes so far. */
  wait?(replicas: number, timeout: number): Promise<number>
  /** `false` while (re)connecting: the store then rejects instead of queueing the command. */
  readonly isReady?: boolean
  /** An EventEmitter's `on`: the store adds its own `'error'` and `'ready'` listeners. */
  on?(event: 'error' | 'ready', listener: (error?: unknown) => void): unknown
  /** The same client sending its commands with this abort signal (node-redis v5). */
  withAbortSignal?(
    signal: AbortSignal,
  ): Pick<RedisLikeClient, 'set' | 'exists' | 'configGet' | 'wait'>
}

/** The commands the store sends, which a test double needs at least (`set` and `exists`). */
type RedisCommands = Pick<RedisLikeClient, 'set' | 'exists' | 'configGet' | 'wait'>

/**
 * The options of {@link createRedisConsumedGrantStore}: key prefix, timeout, persistence check,
 * replica acknowledgement and the error and warning hooks.
 *
 * @example
 * ```ts
 * const grants = createRedisConsumedGrantStore(client, { prefix: 'bank-api:grant:', timeout: 250 })
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
  /**
   * What the store needs of the server's persistence before it marks a grant: a grant marked
   * only in memory is forgotten by a restart, and then accepted again.
   *
   * - `'require'` (default): the server must write every command to its append-only file before
   *   answering (`appendonly yes`, `appendfsync always`, read with `CONFIG GET`); otherwise every
   *   command rejects with `ERR_GRANT_STORE_NOT_DURABLE`, and with
   *   `ERR_GRANT_STORE_PERSISTENCE_UNKNOWN` when the server does not allow `CONFIG GET` (managed
   *   Redis often does not).
   * - `'warn'`: the same check, but its finding goes to `onWarning` and the store is used anyway.
   * - `'skip'`: never checked; you guarantee it yourself (for example replicas acknowledging each
   *   grant with `wait`, behind a failover that never lets an emptied primary serve again).
   *
   * See https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/.
   */
  readonly persistence?: 'require' | 'warn' | 'skip'
  /** With `'warn'` (required then): told, once per connection, why persistence falls short. */
  readonly onWarning?: (message: string) => void
  /**
   * After each grant it marks, `WAIT replicas timeout`: until `replicas` replicas (a whole number,
   * at least 1) acknowledged it, at most `timeout` ms (less than the store's `timeout`); fewer
   * rejects with `ERR_GRANT_STORE_UNAVAILABLE`.
   */
  readonly wait?: {
    /** How many replicas must acknowledge the grant (a whole number, at least 1). */
    readonly replicas: number
    /** Milliseconds to wait for them, less than the store's `timeout`. */
    readonly timeout: number
  }
}

const OPTIONS: ReadonlySet<string> = new Set([
  'prefix',
  'timeout',
  'onError',
  'persistence',
  'onWarning',
  'wait',
])
const WAIT_OPTIONS: ReadonlySet<string> = new Set(['replicas', 'timeout'])
const PERSISTENCE: ReadonlySet<unknown> = new Set(['require', 'warn', 'skip'])

const storeError = (code: GrantStoreErrorCode, message: string, cause?: unknown) =>
  new AssuranceError(code, message, { cause })
const unavailable = (message: string, cause?: unknown) =>
  storeError('ERR_GRANT_STORE_UNAVAILABLE', message, cause)
const whole = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0

/**
 * The server's own error reply (`ERR unknown command`, `NOPERM …`) behind a failed command, as
 * opposed to a connection that failed: node-redis' `ErrorReply`, ioredis' `ReplyError`.
 */
function serverReply(error: unknown): Error | undefined {
  const cause = (error as { cause?: unknown })?.cause
  if (!(cause instanceof Error)) return undefined
  for (let p = Object.getPrototypeOf(cause); p; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name === 'ErrorReply' || p.constructor?.name === 'ReplyError') return cause
  }
  return /^[A-Z]{2,}[A-Z_]* /.test(cause.message) ? cause : undefined
}

/** `CONFIG GET` answers as an object (node-redis), a `Map` (RESP3) or a flat array. */
function configValue(config: unknown, name: string): unknown {
  if (config instanceof Map) return config.get(name)
  if (Array.isArray(config)) return config[config.indexOf(name) + 1]
  return typeof config === 'object' && config !== null && Object.hasOwn(config, name)
    ? (config as Record<string, unknown>)[name]
    : undefined
}

/**
 * A {@link ConsumedGrantStore} in Redis (or Valkey), shared by every API instance: `add` is one
 * atomic `SET key 1 NX PX ttl`, so two instances racing on the same grant cannot both win.
 *
 * Persistence: a grant marked only in memory is forgotten when Redis restarts, and the spent
 * grant is accepted again. So, by default (`persistence: 'require'`), before its first command
 * and again after every reconnection, the store reads `CONFIG GET append*` and serves only if
 * the server writes every command to its append-only file before answering (`appendonly yes`
 * and `appendfsync always`); otherwise `add` and `has` reject with `ERR_GRANT_STORE_NOT_DURABLE`
 * (the guard answers 503), or `ERR_GRANT_STORE_PERSISTENCE_UNKNOWN` when the server forbids
 * `CONFIG`. Call the store's `checkPersistence()` at start to refuse to start: it checks now, as
 * `persistence` says, and resolves when the persistence holds (with `'warn'`, after telling
 * `onWarning`; with `'skip'`, without asking), otherwise rejects with
 * `ERR_GRANT_STORE_NOT_DURABLE`, `ERR_GRANT_STORE_PERSISTENCE_UNKNOWN` or
 * `ERR_GRANT_STORE_UNAVAILABLE`.
 *
 * An outage rejects fast with `ERR_GRANT_STORE_UNAVAILABLE` (503): while the client is
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
 * await grants.checkPersistence() // rejects unless appendonly yes + appendfsync always
 * const policy = createRiskPolicy(rules, { grants })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/
 * @see https://redis.io/docs/latest/commands/wait/
 */
export function createRedisConsumedGrantStore(
  client: RedisLikeClient,
  options: RedisConsumedGrantStoreOptions = {},
): ConsumedGrantStore & { checkPersistence(): Promise<void> } {
  checkOptions(options, OPTIONS, 'createRedisConsumedGrantStore')
  checkOptions(options.wait, WAIT_OPTIONS, 'createRedisConsumedGrantStore: wait')
  const {
    prefix = 'stepup:grant:',
    timeout = 500,
    onError,
    persistence = 'require',
    onWarning,
    wait,
  } = options
  if (typeof client?.set !== 'function' || typeof client.exists !== 'function') {
    throw invalidArgument('client must have set() and exists()', { code: 'ERR_INVALID_ARG_TYPE' })
  }
  if (
    typeof prefix !== 'string' ||
    !whole(timeout) ||
    (onError !== undefined && typeof onError !== 'function') ||
    !PERSISTENCE.has(persistence) ||
    (onWarning !== undefined && typeof onWarning !== 'function') ||
    (persistence === 'warn' && onWarning === undefined) ||
    (wait !== undefined &&
      !(whole(wait?.replicas) && whole(wait.timeout) && wait.timeout < timeout))
  ) {
    throw invalidArgument(
      'createRedisConsumedGrantStore: prefix must be a string, timeout a whole number of ms > 0, ' +
        'onError a function, persistence "require", "warn" or "skip" (with "warn", onWarning a ' +
        'function), wait { replicas, timeout } whole numbers, its timeout less than timeout',
    )
  }
  if (persistence !== 'skip' && typeof client.configGet !== 'function') {
    throw invalidArgument(
      'client has no configGet() to check persistence with: pass persistence: "skip" if you guarantee it',
      { code: 'ERR_INVALID_ARG_TYPE' },
    )
  }
  if (wait && typeof client.wait !== 'function') {
    throw invalidArgument('client has no wait() for the wait option', {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  }
  // The persistence check passed on this connection (or is under way); cleared on reconnection.
  let checked: Promise<void> | undefined
  client.on?.('error', (error) => onError?.(error))
  client.on?.('ready', () => {
    checked = undefined
  })

  const run = async <T>(command: (c: RedisCommands) => Promise<T>): Promise<T> => {
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
      throw typeof (e as { code?: unknown })?.code === 'string' &&
        String((e as { code: string }).code).startsWith('ERR_GRANT_STORE_')
        ? e
        : unavailable('Redis command failed', e)
    } finally {
      clearTimeout(timer)
    }
  }

  const check = async (): Promise<void> => {
    let finding: Error
    try {
      const config = await run((c) => c.configGet!('append*'))
      const appendonly = configValue(config, 'appendonly')
      const appendfsync = configValue(config, 'appendfsync')
      if (appendonly === 'yes' && appendfsync === 'always') return
      finding =
        typeof appendonly === 'string' && typeof appendfsync === 'string'
          ? storeError(
              'ERR_GRANT_STORE_NOT_DURABLE',
              `Redis does not write every command to disk before answering (appendonly ${appendonly}, appendfsync ${appendfsync}): ` +
                'a restart would forget consumed grants and accept them again; set appendonly yes and appendfsync always',
            )
          : storeError(
              'ERR_GRANT_STORE_PERSISTENCE_UNKNOWN',
              'cannot check Redis persistence: CONFIG GET append* did not name appendonly and appendfsync',
            )
    } catch (e) {
      const reply = serverReply(e)
      if (!reply) throw e
      finding = storeError(
        'ERR_GRANT_STORE_PERSISTENCE_UNKNOWN',
        `cannot check Redis persistence, the server refuses CONFIG GET (${reply.message.trim()}): ` +
          'make sure consumed grants survive a restart and pass persistence: "skip"',
        reply,
      )
    }
    if (persistence === 'require') throw finding
    onWarning?.(finding.message)
  }
  const ready = async (): Promise<void> => {
    if (persistence === 'skip') return
    if (!checked) {
      const attempt = check()
      checked = attempt
      // A failed check is run again by the next command.
      attempt.catch(() => {
        if (checked === attempt) checked = undefined
      })
    }
    await checked
  }

  return {
    async has(key) {
      await ready()
      return run(async (c) => (await c.exists(prefix + key)) > 0)
    },
    async add(key, ttl) {
      if (!(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl))) {
        throw invalidArgument('ttl must be a positive number of seconds')
      }
      const px = Math.ceil(ttl * 1000)
      await ready()
      return run(async (c) => {
        if ((await c.set(prefix + key, '1', { NX: true, PX: px })) !== 'OK') return false
        if (wait) {
          const acknowledged = Number(await c.wait!(wait.replicas, wait.timeout))
          if (!(acknowledged >= wait.replicas)) {
            throw unavailable(
              `${acknowledged} of ${wait.replicas} replicas acknowledged the grant within ${wait.timeout} ms`,
            )
          }
        }
        return true
      })
    },
    checkPersistence() {
      checked = undefined
      return ready()
    },
  }
}
