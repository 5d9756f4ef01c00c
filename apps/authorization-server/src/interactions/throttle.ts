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

// The implementation is createSignInLockout in ../lockout.ts (rate-limiter-flexible).
