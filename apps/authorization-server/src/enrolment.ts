import { createHash, randomInt, timingSafeEqual } from 'node:crypto'

/** A one-time code that lets a password sign-in add an account's first security key. */
export interface EnrolmentCode {
  readonly username: string
  /** The code as the user types it: two groups of five characters, `ABCDE-FGHJK`. */
  readonly code: string
  /** Epoch milliseconds after which the code no longer works. */
  readonly expiresAt: number
}

/** Wrong tries a code survives; the next one burns it. */
const MAX_WRONG_TRIES = 5
/** Crockford base32: no I, L, O or U, so a code read aloud or copied is not mistaken. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

function normalise(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '')
}

function digest(code: string): Buffer {
  return createHash('sha256').update(normalise(code)).digest()
}

/** The enrolment codes of a running server, in memory (a restart issues new ones). */
export interface EnrolmentCodes {
  /** Issue a fresh code for a user, replacing any earlier one. */
  issue(userId: string, username: string): EnrolmentCode
  /**
   * Use the user's code: true once for the right code before it expires; the code is gone
   * afterwards, and after five wrong tries too.
   */
  redeem(userId: string, code: string): boolean
}

/**
 * One-time enrolment codes: 10 random Crockford base32 characters (50 bits), kept only as a
 * SHA-256 digest, compared in constant time, single use, valid `ttlSeconds`, burnt after five
 * wrong tries. `now` is the clock (epoch milliseconds).
 *
 * @example
 * ```ts
 * const codes = createEnrolmentCodes({ ttlSeconds: 900 })
 * const { code } = codes.issue(user.id, user.username) // 'K7Q2M-9XD4T'
 * codes.redeem(user.id, code) // true, then false
 * ```
 */
export function createEnrolmentCodes(options: {
  readonly ttlSeconds: number
  readonly now?: () => number
}): EnrolmentCodes {
  const now = options.now ?? Date.now
  const codes = new Map<string, { digest: Buffer; expiresAt: number; wrong: number }>()
  return {
    issue(userId, username) {
      let raw = ''
      for (let i = 0; i < 10; i++) raw += ALPHABET[randomInt(ALPHABET.length)]
      const code = `${raw.slice(0, 5)}-${raw.slice(5)}`
      const expiresAt = now() + options.ttlSeconds * 1000
      codes.set(userId, { digest: digest(code), expiresAt, wrong: 0 })
      return { username, code, expiresAt }
    },
    redeem(userId, code) {
      const entry = codes.get(userId)
      if (!entry) return false
      if (entry.expiresAt <= now()) {
        codes.delete(userId)
        return false
      }
      if (!timingSafeEqual(entry.digest, digest(code))) {
        entry.wrong += 1
        if (entry.wrong >= MAX_WRONG_TRIES) codes.delete(userId)
        return false
      }
      codes.delete(userId)
      return true
    },
  }
}
