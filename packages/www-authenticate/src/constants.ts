/**
 * RFC 9470 error code: the authentication event behind the access token is not strong or recent
 * enough; the challenge carries `acr_values` and/or `max_age`.
 *
 * @example
 * ```ts
 * const [challenge] = parseWwwAuthenticate('Bearer error="insufficient_user_authentication", acr_values="phr"')
 * const oauth = parseOAuthChallenge(challenge!)
 * if (oauth.error === INSUFFICIENT_USER_AUTHENTICATION) startStepUp(oauth.acr_values, oauth.max_age)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export const INSUFFICIENT_USER_AUTHENTICATION = 'insufficient_user_authentication'

/**
 * RFC 6750 error code: the access token is expired, revoked, malformed or otherwise invalid.
 *
 * @example
 * ```ts
 * createOAuthChallenge({ error: INVALID_TOKEN, error_description: 'The access token expired' })
 * // 'Bearer error="invalid_token", error_description="The access token expired"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export const INVALID_TOKEN = 'invalid_token'

/**
 * RFC 6750 error code: the request is missing a parameter, repeats one or is otherwise malformed.
 *
 * @example
 * ```ts
 * createOAuthChallenge({ error: INVALID_REQUEST }) // 'Bearer error="invalid_request"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export const INVALID_REQUEST = 'invalid_request'

/**
 * RFC 6750 error code: the access token lacks the scope the request needs (sent with 403).
 *
 * @example
 * ```ts
 * createOAuthChallenge({ error: INSUFFICIENT_SCOPE, scope: ['payments:write'] })
 * // 'Bearer error="insufficient_scope", scope="payments:write"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export const INSUFFICIENT_SCOPE = 'insufficient_scope'

/**
 * RFC 9449 error code: retry with a DPoP proof carrying the nonce from the `DPoP-Nonce` header.
 *
 * @example
 * ```ts
 * createOAuthChallenge({ scheme: 'DPoP', error: USE_DPOP_NONCE }) // 'DPoP error="use_dpop_nonce"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export const USE_DPOP_NONCE = 'use_dpop_nonce'

/**
 * RFC 9449 error code: the DPoP proof itself failed the checks of RFC 9449 §4.3.
 *
 * @example
 * ```ts
 * createOAuthChallenge({ scheme: 'DPoP', error: INVALID_DPOP_PROOF, algs: ['ES256'] })
 * // 'DPoP error="invalid_dpop_proof", algs="ES256"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export const INVALID_DPOP_PROOF = 'invalid_dpop_proof'

/**
 * Error code Microsoft Entra ID sends with a base64 `claims` challenge (conditional access,
 * continuous access evaluation); decode it with {@link decodeClaimsChallenge}.
 *
 * @example
 * ```ts
 * const [challenge] = parseWwwAuthenticate('Bearer error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ=="')
 * const oauth = parseOAuthChallenge(challenge!)
 * if (oauth.error === INSUFFICIENT_CLAIMS && oauth.claims) decodeClaimsChallenge(oauth.claims)
 * ```
 * @see https://learn.microsoft.com/entra/identity-platform/claims-challenge
 */
export const INSUFFICIENT_CLAIMS = 'insufficient_claims'

/**
 * Error code for a token whose RFC 9396 `authorization_details` do not cover the request; RFC 9396
 * registers no resource-server error, so this is an extension value (RFC 6750 §3.1 allows them).
 *
 * @example
 * ```ts
 * createOAuthChallenge({ error: INSUFFICIENT_AUTHORIZATION_DETAILS })
 * // 'Bearer error="insufficient_authorization_details"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-9
 */
export const INSUFFICIENT_AUTHORIZATION_DETAILS = 'insufficient_authorization_details'

/**
 * The union of the OAuth error codes this package names as constants, for code that maps each one
 * to a status or a response.
 *
 * @example
 * ```ts
 * const status = (code: OAuthErrorCode) => (code === INSUFFICIENT_SCOPE ? 403 : code === INVALID_REQUEST ? 400 : 401)
 * status(INSUFFICIENT_USER_AUTHENTICATION) // 401
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export type OAuthErrorCode =
  | typeof INSUFFICIENT_USER_AUTHENTICATION
  | typeof INVALID_TOKEN
  | typeof INVALID_REQUEST
  | typeof INSUFFICIENT_SCOPE
  | typeof USE_DPOP_NONCE
  | typeof INVALID_DPOP_PROOF
  | typeof INSUFFICIENT_CLAIMS
  | typeof INSUFFICIENT_AUTHORIZATION_DETAILS
