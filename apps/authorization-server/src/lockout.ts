import { createHash } from 'node:crypto'
import { checkOptions, invalidArgument } from '@stepup/internal'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import type { PageOptions } from './html.ts'
import type { SignInThrottle, SignInThrottleDecision } from './interactions/throttle.ts'

/**
 * Thrown by the throttle when its store cannot answer (Redis down or not connected yet). The
 * sign-in then answers 503 "try again shortly": an attempt is never let through unthrottled.
 */
export class SignInUnavailableError extends Error {
  override readonly name = 'SignInUnavailableError'
  readonly status = 503
  constructor(options?: ErrorOptions) {
    super('the sign-in throttle is unavailable', options)
  }
}

/** The Redis client the throttle needs: a node-redis v4+ client (`createClient` from `redis`). */
export type ThrottleRedisClient = object

/** Options for {@link createSignInLockout}. Every duration is in seconds. */
export interface SignInLockoutOptions {
  /** Failed steps for one username before it is blocked (default 5). */
  readonly accountAttempts?: number
  /** Failed steps from one client address before it is blocked (default 20). */
  readonly addressAttempts?: number
  /** How long failures are counted: a quiet window this long forgets them (default 900). */
  readonly window?: number
  /** The first block (default 60); each further block of the same key doubles it. */
  readonly blockSeconds?: number
  /** The longest block (default 3600). */
  readonly maxBlockSeconds?: number
  /** How long earlier blocks count towards the backoff (default 86,400). */
  readonly backoffMemory?: number
  /**
   * A connected node-redis client: counters shared by every server on that Redis. Without it,
   * counters live in this process's memory.
   */
  readonly redis?: ThrottleRedisClient
  /** Key prefix in Redis (default `stepup:signin`). */
  readonly keyPrefix?: string
  /** Told the username whose account was just blocked (to notify the account's owner). */
  readonly onAccountBlocked?: (username: string) => void | Promise<void>
}

const DEFAULTS = {
  accountAttempts: 5,
  addressAttempts: 20,
  window: 900,
  blockSeconds: 60,
  maxBlockSeconds: 3600,
  backoffMemory: 86_400,
} as const

const KNOWN_OPTIONS = new Set([...Object.keys(DEFAULTS), 'redis', 'keyPrefix', 'onAccountBlocked'])

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidArgument(`${name} must be a positive integer`)
  }
  return value
}

/**
 * The account key: a hash of the username as typed, trimmed and lower-cased, so that unknown
 * and real usernames are counted alike and Redis never holds a username.
 */
function accountKey(username: string): string {
  return createHash('sha256').update(username.trim().toLowerCase()).digest('base64url')
}

interface Counter {
  readonly limiter: RateLimiterMemory | RateLimiterRedis
  readonly backoff: RateLimiterMemory | RateLimiterRedis
  readonly points: number
}

/**
 * The sign-in throttle (OWASP Authentication Cheat Sheet, "Account lockout"), built on
 * `rate-limiter-flexible`: every password, one-time code and security key step is counted per
 * username (known or not, so a lockout reveals nothing about which accounts exist) and per client
 * address before its secret is checked, with an atomic `consume`, so concurrent guesses cannot
 * outrun the count. A step whose secret was right gets its point back; a wrong one keeps it.
 * When a failure reaches the limit the key is blocked, for `blockSeconds` the first time and
 * twice as long each further time within `backoffMemory` (exponential backoff, capped at
 * `maxBlockSeconds`). Only a completed sign-in (every factor it needed) clears the account's
 * count and backoff: a right password does not reset the failures of the second factor. An
 * address keeps its count, so one valid account does not reset an address that guesses others.
 *
 * Counters are in memory, or in Redis when a `redis` client is given (`RateLimiterRedis`,
 * shared by every server instance). When the store cannot answer, every method rejects with
 * {@link SignInUnavailableError}: the caller answers 503, never lets the attempt through.
 *
 * @example
 * ```ts
 * const throttle = createSignInLockout({ accountAttempts: 5, addressAttempts: 20 })
 * const decision = await throttle.attempt('alice', '192.0.2.1')
 * if (decision.allowed) {
 *   if (passwordIsRight) await decision.passed()
 *   else await decision.failed()
 * }
 * ```
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html
 */
export function createSignInLockout(options: SignInLockoutOptions = {}): SignInThrottle {
  checkOptions(options, KNOWN_OPTIONS, 'createSignInLockout')
  const settings = { ...DEFAULTS }
  for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const value = options[name]
    if (value !== undefined) settings[name] = positiveInteger(value, `options.${name}`) as never
  }
  if (settings.maxBlockSeconds < settings.blockSeconds) {
    throw invalidArgument('options.maxBlockSeconds must be at least options.blockSeconds')
  }
  const prefix = options.keyPrefix ?? 'stepup:signin'
  const make = (keyPrefix: string, points: number, duration: number) =>
    options.redis
      ? new RateLimiterRedis({
          storeClient: options.redis,
          useRedisPackage: true,
          rejectIfRedisNotReady: true,
          keyPrefix: `${prefix}:${keyPrefix}`,
          points,
          duration,
        })
      : new RateLimiterMemory({ keyPrefix: `${prefix}:${keyPrefix}`, points, duration })
  const counter = (name: string, points: number): Counter => ({
    limiter: make(name, points, settings.window),
    backoff: make(`${name}:blocks`, Number.MAX_SAFE_INTEGER, settings.backoffMemory),
    points,
  })
  const account = counter('account', settings.accountAttempts)
  const address = counter('address', settings.addressAttempts)

  /** Run a store operation; a rejection with a RateLimiterRes is an answer, anything else an outage. */
  const store = async <T>(operation: () => Promise<T>): Promise<T | RateLimiterRes> => {
    try {
      return await operation()
    } catch (error) {
      if (error instanceof RateLimiterRes) return error
      throw new SignInUnavailableError({ cause: error })
    }
  }

  /**
   * Count one attempt against `key` before its secret is checked: `consume` is atomic, in memory
   * and in Redis, so of concurrent attempts only `points` get a count within the limit.
   */
  const take = (c: Counter, key: string): Promise<RateLimiterRes> =>
    store(() => c.limiter.consume(key))

  const over = (c: Counter, res: RateLimiterRes): boolean => res.consumedPoints > c.points
  const retryAfter = (res: RateLimiterRes): number =>
    Math.max(1, Math.ceil(res.msBeforeNext / 1000))

  /** Give back the point an attempt took from `key`. */
  const refund = async (c: Counter, key: string): Promise<void> => {
    await store(() => c.limiter.reward(key, 1))
  }

  /**
   * The attempt that took `res` failed. When it was the last one the limit allowed, block `key`
   * (doubling with each block within `backoffMemory`) and answer true.
   */
  const fail = async (c: Counter, key: string, res: RateLimiterRes): Promise<boolean> => {
    if (res.consumedPoints !== c.points) return false
    const previous = await store(() => c.backoff.consume(key))
    const exponent = Math.min(previous.consumedPoints - 1, 30)
    const seconds = Math.min(settings.blockSeconds * 2 ** exponent, settings.maxBlockSeconds)
    await store(() => c.limiter.block(key, seconds))
    return true
  }

  return {
    async attempt(username, clientAddress): Promise<SignInThrottleDecision> {
      const accountId = accountKey(username)
      const [byAccount, byAddress] = await Promise.all([
        take(account, accountId),
        take(address, clientAddress),
      ])
      const accountOver = over(account, byAccount)
      const addressOver = over(address, byAddress)
      if (accountOver || addressOver) {
        // A refused attempt checks no secret: the key that still had room gets its point back.
        if (!accountOver) await refund(account, accountId)
        if (!addressOver) await refund(address, clientAddress)
        const seconds = Math.max(
          accountOver ? retryAfter(byAccount) : 0,
          addressOver ? retryAfter(byAddress) : 0,
        )
        return { allowed: false, retryAfterSeconds: seconds }
      }
      return {
        allowed: true,
        async failed() {
          const [accountBlocked] = await Promise.all([
            fail(account, accountId, byAccount),
            fail(address, clientAddress, byAddress),
          ])
          if (accountBlocked) await options.onAccountBlocked?.(username)
        },
        async passed() {
          await Promise.all([refund(account, accountId), refund(address, clientAddress)])
        },
      }
    },
    async succeeded(username) {
      const key = accountKey(username)
      await store(() => account.limiter.delete(key))
      await store(() => account.backoff.delete(key))
    },
  }
}

/** Seconds a 503 from an unavailable throttle asks the browser to wait (`Retry-After`). */
export const SIGN_IN_RETRY_AFTER = 5

/** The page a sign-in step answers with while the throttle is unavailable (503). */
export function signInUnavailablePage(): PageOptions {
  return {
    title: 'Sign-in is paused',
    status: 503,
    body: '<p class="error" id="error" role="alert">We cannot check sign-ins right now. Try again shortly.</p>',
  }
}
