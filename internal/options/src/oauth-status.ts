/**
 * The HTTP status a resource server answers with for each OAuth error code it can send, so that
 * adapters never hard-code statuses: the one table of `@stepup/assurance`'s decisions and of the
 * refusal codes of the Express and NestJS adapters (bundled into each at build time).
 *
 * `invalid_request` 400 and `invalid_token` 401 (RFC 6750 §3.1),
 * `insufficient_user_authentication` 401 (the convention of the RFC 9470 §3 examples),
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
} = /*#__PURE__*/ Object.freeze({
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
 * The keys of {@link OAUTH_ERROR_STATUS}; `@stepup/assurance` publishes the same union as
 * `ResourceServerErrorCode`.
 */
export type OAuthErrorStatusCode = keyof typeof OAUTH_ERROR_STATUS

/**
 * The `code` {@link refusalCode} gives a refused request, which the adapters' errors carry
 * (`StepUpHttpError` of `@stepup/express`, `StepUpException` of `@stepup/nestjs`).
 *
 * It is `ERR_ACCESS_` and the OAuth `error` of the answer in capitals, or
 * `ERR_ACCESS_UNAUTHENTICATED` when the request carried no credentials (a challenge without
 * `error`, RFC 6750 §3.1). Only
 * `ERR_ACCESS_INSUFFICIENT_USER_AUTHENTICATION` asks for a step-up; `ERR_ACCESS_INVALID_TOKEN`
 * asks for a new token. `ERR_ACCESS_DENIED` is any other OAuth error.
 *
 * @example
 * ```ts
 * const outcome = await guard(view, request)
 * if (!outcome.ok && refusalCode(outcome) === 'ERR_ACCESS_INSUFFICIENT_USER_AUTHENTICATION') console.log('step up')
 * ```
 */
export type RefusalCode =
  | 'ERR_ACCESS_UNAUTHENTICATED'
  | 'ERR_ACCESS_DENIED'
  | `ERR_ACCESS_${Uppercase<OAuthErrorStatusCode>}`

/**
 * The {@link RefusalCode} of a refusal: from the OAuth `error` of its JSON body, or
 * `ERR_ACCESS_UNAUTHENTICATED` for a body of `null` (no credentials were sent).
 *
 * @example
 * ```ts
 * refusalCode({ body: { error: 'invalid_token' } }) // 'ERR_ACCESS_INVALID_TOKEN'
 * refusalCode({ body: null }) // 'ERR_ACCESS_UNAUTHENTICATED'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function refusalCode(response: {
  readonly body: { readonly error: string } | null
}): RefusalCode {
  const error = response.body?.error
  if (error === undefined) return 'ERR_ACCESS_UNAUTHENTICATED'
  return Object.hasOwn(OAUTH_ERROR_STATUS, error)
    ? `ERR_ACCESS_${(error as OAuthErrorStatusCode).toUpperCase() as Uppercase<OAuthErrorStatusCode>}`
    : 'ERR_ACCESS_DENIED'
}
