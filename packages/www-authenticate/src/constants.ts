/**
 * The OAuth error codes a protected resource sends in a challenge, as the wire spells them:
 *
 * - `invalid_request`, `invalid_token`, `insufficient_scope` — [RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750#section-3.1)
 * - `insufficient_user_authentication` — the authentication event is not strong or recent enough;
 *   the challenge carries `acr_values` and/or `max_age` ([RFC 9470 §3](https://www.rfc-editor.org/rfc/rfc9470#section-3))
 * - `use_dpop_nonce`, `invalid_dpop_proof` — [RFC 9449 §9 and §7.1](https://www.rfc-editor.org/rfc/rfc9449#section-7.1)
 * - `insufficient_claims` — sent by Microsoft Entra ID with a base64 `claims` challenge; decode it
 *   with {@link decodeClaimsChallenge}
 * - `insufficient_authorization_details` — the token's RFC 9396 `authorization_details` do not
 *   cover the request; RFC 9396 registers no resource-server error, so this is an extension value
 *   (RFC 6750 §3.1 allows them)
 *
 * @example
 * ```ts
 * const status = (code: OAuthErrorCode) => (code === 'insufficient_scope' ? 403 : code === 'invalid_request' ? 400 : 401)
 * status('insufficient_user_authentication') // 401
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export type OAuthErrorCode =
  | 'insufficient_user_authentication'
  | 'invalid_token'
  | 'invalid_request'
  | 'insufficient_scope'
  | 'use_dpop_nonce'
  | 'invalid_dpop_proof'
  | 'insufficient_claims'
  | 'insufficient_authorization_details'
