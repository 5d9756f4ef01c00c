/**
 * The answer to a sign-in attempt. An allowed attempt has already been counted; the caller
 * reports how the secret check went: `failed()` keeps the count (and blocks the key when this
 * attempt was the last one allowed), `passed()` gives the attempt's point back.
 */
export type SignInThrottleDecision =
  | {
      readonly allowed: true
      failed(): Promise<void>
      passed(): Promise<void>
    }
  | { readonly allowed: false; readonly retryAfterSeconds: number }

/**
 * What the sign-in steps ask before checking a secret (a password, one-time code or security
 * key response), keyed by the username typed and the client's network address. Each attempt
 * is counted before its secret is checked, so concurrent guesses cannot all pass a check made
 * before any of them is counted. `succeeded` is told once a whole sign-in has completed (every
 * factor it needed), and clears the account's count.
 */
export interface SignInThrottle {
  attempt(username: string, clientAddress: string): Promise<SignInThrottleDecision>
  succeeded(username: string, clientAddress: string): Promise<void>
}

// The implementation is createSignInLockout in ../lockout.ts (rate-limiter-flexible).
