import type { StoredUser, UserStore } from '../store.ts'

/** Whether a sign-in attempt may go ahead, and if not, when to try again. */
export type SignInThrottleDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number }

/**
 * What the sign-in steps ask before checking a secret, and tell after: a failed or successful
 * password, one-time code or security key step, keyed by the username typed and the client's
 * network address.
 */
export interface SignInThrottle {
  check(username: string, clientAddress: string): Promise<SignInThrottleDecision>
  failed(username: string, clientAddress: string): Promise<void>
  succeeded(username: string, clientAddress: string): Promise<void>
}

/** Consecutive failures before an account is locked, and for how long (seconds). */
export interface AccountLockoutOptions {
  readonly attempts: number
  readonly seconds: number
}

/**
 * Lock a known account for `seconds` after `attempts` consecutive failures, with the counters
 * kept on the user record (in memory only). Unknown usernames and client addresses are not
 * counted.
 */
export function createAccountLockout(
  store: UserStore,
  options: AccountLockoutOptions,
): SignInThrottle {
  const lockedFor = (user: StoredUser | undefined): number => {
    const now = Date.now() / 1000
    return user?.lockedUntil !== undefined && user.lockedUntil > now
      ? Math.ceil(user.lockedUntil - now)
      : 0
  }
  return {
    async check(username) {
      const seconds = lockedFor(store.findByUsername(username))
      return seconds > 0 ? { allowed: false, retryAfterSeconds: seconds } : { allowed: true }
    },
    async failed(username) {
      const user = store.findByUsername(username)
      if (!user) return
      await store.update(user.id, (u) => {
        u.failedAttempts += 1
        if (u.failedAttempts >= options.attempts) {
          u.lockedUntil = Math.floor(Date.now() / 1000) + options.seconds
          u.failedAttempts = 0
        }
      })
    },
    async succeeded(username) {
      const user = store.findByUsername(username)
      if (!user || (user.failedAttempts === 0 && user.lockedUntil === undefined)) return
      await store.update(user.id, (u) => {
        u.failedAttempts = 0
        delete u.lockedUntil
      })
    },
  }
}
