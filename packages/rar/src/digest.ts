import { invalidArgument } from '@stepup/internal'
import canonicalize from 'canonicalize'
import type { AuthorizationDetail } from './detail-type.js'

const base64url = (bytes: Uint8Array): string => {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * The value to bind an authentication to a transaction ("dynamic linking", PSD2 RTS Art. 5): the
 * base64url SHA-256 of the RFC 8785 (JCS) canonical JSON of the `authorization_details` array.
 *
 * Equal details give equal digests whatever their member order; any change of amount, payee or any
 * other member gives another. The canonical form comes from `canonicalize`, by the RFC's author; a
 * value JSON cannot hold exactly (a lone surrogate, `NaN`, a cycle) is refused with a coded
 * `TypeError`.
 *
 * @example
 * ```ts
 * const digest = await authorizationDetailsDigest([
 *   { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '123.50' } },
 * ])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8785#section-3.2
 */
export async function authorizationDetailsDigest(
  details: readonly AuthorizationDetail[],
): Promise<string> {
  if (!Array.isArray(details)) throw invalidArgument('authorization_details must be an array')
  let text: string | undefined
  try {
    text = canonicalize(details)
  } catch (cause) {
    throw invalidArgument(
      `authorization_details cannot be canonicalised: ${(cause as Error).message}`,
    )
  }
  if (text === undefined) throw invalidArgument('authorization_details cannot be canonicalised')
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return base64url(new Uint8Array(hash))
}
