import { generateSecret, verify } from 'otplib'

/**
 * A fresh base32 TOTP secret (160 bits), as authenticator apps expect.
 *
 * @example
 * ```ts
 * const secret = createTotpSecret() // 'JBSWY3DPEHPK3PXP…'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6238
 */
export function createTotpSecret(): string {
  return generateSecret()
}

/** The result of checking a TOTP code: the accepted time step, or nothing. */
export type TotpCheck = { valid: true; timeStep: number } | { valid: false }

/**
 * Check a 6-digit TOTP code with ±1 step of drift, refusing any step at or before `lastTimeStep`
 * so that a code cannot be replayed.
 *
 * @example
 * ```ts
 * const check = await checkTotp(secret, '123456', user.totpLastTimeStep)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 */
export async function checkTotp(
  secret: string,
  code: string,
  lastTimeStep: number | undefined,
  epoch: number = Math.floor(Date.now() / 1000),
): Promise<TotpCheck> {
  if (!/^[0-9]{6}$/.test(code)) return { valid: false }
  try {
    const result = await verify({
      secret,
      token: code,
      epoch,
      epochTolerance: 30,
      ...(lastTimeStep !== undefined && { afterTimeStep: lastTimeStep }),
    })
    if (!result.valid || !('timeStep' in result)) return { valid: false }
    return { valid: true, timeStep: result.timeStep }
  } catch {
    return { valid: false }
  }
}
