/**
 * The HTTP status a resource server answers with for each OAuth error code it can send, so
 * adapters never hard-code statuses: `invalid_request` 400 and `invalid_token` 401 (RFC 6750
 * §3.1), `insufficient_user_authentication` 401 (the convention of the RFC 9470 §3 examples),
 * `insufficient_scope` 403 (RFC 6750 §3.1), `insufficient_authorization_details` 403
 * (draft-zehavi-oauth-rar-metadata), the DPoP errors 401 (RFC 9449 §7.1) and
 * `temporarily_unavailable` 503 when the token could not be verified right now.
 *
 * @example
 * ```ts
 * OAUTH_ERROR_STATUS.insufficient_scope // 403
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export const OAUTH_ERROR_STATUS: {
  readonly invalid_request: 400
  readonly invalid_token: 401
  readonly insufficient_user_authentication: 401
  readonly insufficient_scope: 403
  readonly insufficient_authorization_details: 403
  readonly invalid_dpop_proof: 401
  readonly use_dpop_nonce: 401
  readonly temporarily_unavailable: 503
} = Object.freeze({
  invalid_request: 400,
  invalid_token: 401,
  insufficient_user_authentication: 401,
  insufficient_scope: 403,
  insufficient_authorization_details: 403,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  temporarily_unavailable: 503,
})

/**
 * An OAuth error code a resource server can answer with (a key of {@link OAUTH_ERROR_STATUS}).
 *
 * @example
 * ```ts
 * const error: OAuthErrorCode = 'insufficient_user_authentication'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type OAuthErrorCode = keyof typeof OAUTH_ERROR_STATUS
