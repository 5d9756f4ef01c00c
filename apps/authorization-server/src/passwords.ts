import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** scrypt parameters (RFC 7914): N = 2^15, r = 8, p = 1, 32-byte key; about 30 ms per hash. */
const N = 32768
const R = 8
const P = 1
const KEY_LENGTH = 32
const MAX_MEM = 64 * 1024 * 1024
const MAX_PASSWORD_LENGTH = 1024

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N: n, r, p, maxmem: MAX_MEM },
      (e, key) => (e ? reject(e) : resolve(key)),
    )
  })
}

/**
 * Hash a password with scrypt into a self-describing string `scrypt$N$r$p$salt$hash` (base64url).
 *
 * @example
 * ```ts
 * const stored = await hashPassword('wonderland')
 * await verifyPassword(stored, 'wonderland') // true
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7914
 */
export async function hashPassword(password: string): Promise<string> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new TypeError('password must be 1 to 1024 characters')
  }
  const salt = randomBytes(16)
  const key = await derive(password, salt, N, R, P)
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$')
}

const DUMMY_SALT = randomBytes(16)

/**
 * Check a password against a stored scrypt hash in constant time; with no stored hash, still
 * spends one hash so that unknown usernames take as long as wrong passwords.
 *
 * @example
 * ```ts
 * await verifyPassword(undefined, 'guess') // false, after one scrypt run
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7914
 */
export async function verifyPassword(
  stored: string | undefined,
  password: string,
): Promise<boolean> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return false
  const parts = stored?.split('$')
  if (parts?.length !== 6 || parts[0] !== 'scrypt') {
    await derive(password, DUMMY_SALT, N, R, P)
    return false
  }
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string]
  const expected = Buffer.from(hash, 'base64url')
  const actual = await derive(
    password,
    Buffer.from(salt, 'base64url'),
    Number(n),
    Number(r),
    Number(p),
  )
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
