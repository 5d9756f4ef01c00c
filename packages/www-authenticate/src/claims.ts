import { invalidArgument } from '@stepup/internal'
import { WwwAuthenticateParseError } from './errors.js'

/**
 * Decodes a `claims` challenge (base64 or base64url of a JSON object, as Microsoft Entra ID sends
 * with `error="insufficient_claims"`) into the object to pass back as the `claims` request
 * parameter; throws {@link WwwAuthenticateParseError} when it is anything else.
 *
 * @example
 * ```ts
 * decodeClaimsChallenge('eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19')
 * // { access_token: { acrs: { essential: true, value: 'c1' } } }
 * ```
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter
 */
export function decodeClaimsChallenge(claims: string): Record<string, unknown> {
  if (typeof claims !== 'string')
    throw invalidArgument('claims must be a string', { code: 'ERR_INVALID_ARG_TYPE' })
  let json: unknown
  let cause: unknown
  try {
    if (/^[\w+/-]+={0,2}$/.test(claims)) {
      const binary = atob(claims.replaceAll('-', '+').replaceAll('_', '/'))
      const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    }
  } catch (error) {
    cause = error
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new WwwAuthenticateParseError('claims is not base64 JSON', 0, { cause })
  }
  return json as Record<string, unknown>
}
