import { isToken, isToken68 } from '@stepup/www-authenticate'
import type { AssuranceChallenge } from './challenge.js'

/**
 * The places a request may carry an access token, as {@link extractAccessToken} takes them: the
 * `Authorization` header value, whether the query has `access_token`, and a form body's
 * `access_token` (RFC 6750 §2.1–2.3).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export interface AccessTokenSources {
  /** The `Authorization` header value (RFC 6750 §2.1). */
  readonly authorization?: string | null | undefined
  /** True when the URI query has `access_token` (always refused). */
  readonly query?: boolean | undefined
  /** The `access_token` form body parameter, when the adapter parsed one. */
  readonly body?: string | null | undefined
}

/**
 * The options of {@link extractAccessToken}: the accepted schemes and the longest token.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export interface ExtractAccessTokenOptions {
  /** Accepted schemes (default `['Bearer']`); others count as no credentials. */
  readonly schemes?: readonly ('Bearer' | 'DPoP')[]
  /** Longest token accepted, in characters (default 8192). */
  readonly maxLength?: number
}

/**
 * What {@link extractAccessToken} returns: the token and its scheme, or a failure ready for
 * {@link toErrorResponse}.
 *
 * The failure is 401 without error information when there are no credentials, and 400
 * `invalid_request` when they are malformed, sent in the query string, or sent more than one way.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export type ExtractAccessTokenResult =
  | { readonly ok: true; readonly token: string; readonly scheme: 'Bearer' | 'DPoP' }
  | { readonly ok: false; readonly status: 400 | 401; readonly challenge: AssuranceChallenge }

/**
 * `credentials = auth-scheme [ 1*SP token68 ]` (RFC 9110 §11.6.2, RFC 6750 §2.1 `b64token`), with
 * a scheme that starts with a letter: the scheme and the token, or `undefined` when it does not
 * match.
 */
function credentials(header: string): [scheme: string, token: string | undefined] | undefined {
  const space = header.indexOf(' ')
  const scheme = space < 0 ? header : header.slice(0, space)
  const first = scheme.charCodeAt(0) | 0x20
  if (first < 0x61 || first > 0x7a || !isToken(scheme)) return undefined
  if (space < 0) return [scheme, undefined]
  let start = space
  while (header.charCodeAt(start) === 0x20) start++
  const token = header.slice(start)
  return isToken68(token) ? [scheme, token] : undefined
}
const MALFORMED = 'The access token credentials are malformed'

const invalid = (error_description: string): ExtractAccessTokenResult => ({
  ok: false,
  status: 400,
  challenge: { error: 'invalid_request', error_description },
})

/**
 * Extract the access token of a request following RFC 6750 §2 (and RFC 9449 §7.1 for `DPoP`):
 * exactly one method, the `Authorization` header or a form body parameter (Bearer only);
 * a token in the URI query is refused with `invalid_request`, as is a malformed header.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export function extractAccessToken(
  sources: AccessTokenSources,
  options: ExtractAccessTokenOptions = {},
): ExtractAccessTokenResult {
  const { schemes = ['Bearer'], maxLength = 8192 } = options
  const { authorization: header, query, body } = sources
  let scheme: 'Bearer' | 'DPoP' | undefined
  let token: string | undefined
  if (typeof header === 'string' && header !== '') {
    const m = header.length > maxLength + 16 ? undefined : credentials(header)
    const name = m?.[0].toLowerCase()
    const known = schemes.find((s) => s.toLowerCase() === name)
    if (known) {
      if (!m?.[1] || m[1].length > maxLength) return invalid(MALFORMED)
      scheme = known
      token = m[1]
    } else if (!m && /^(bearer|dpop)\b/i.test(header)) {
      return invalid(MALFORMED)
    }
  }
  const hasBody = typeof body === 'string'
  if ((token !== undefined ? 1 : 0) + (query ? 1 : 0) + (hasBody ? 1 : 0) > 1) {
    return invalid('Multiple methods used to include access token')
  }
  if (query) return invalid('Access tokens in the URI query are not accepted')
  if (hasBody && schemes.includes('Bearer')) {
    return isToken68(body) && body.length <= maxLength
      ? { ok: true, token: body, scheme: 'Bearer' }
      : invalid(MALFORMED)
  }
  if (scheme && token) return { ok: true, token, scheme }
  return { ok: false, status: 401, challenge: {} }
}
