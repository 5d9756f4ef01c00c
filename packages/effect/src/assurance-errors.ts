import {
  AccessTokenError,
  type AssuranceChallenge,
  type AssuranceReason,
  type ChallengeOptions,
  type ErrorResponse,
  toErrorResponse,
} from '@stepup/assurance'
import type { AuthorizationDetailsError } from '@stepup/rar'
import type { Cause } from 'effect'
import * as Data from 'effect/Data'
import * as HttpServerResponse from 'effect/http/HttpServerResponse'
import type {
  InsufficientAuthorizationDetailsReason,
  InsufficientScopeReason,
  InsufficientUserAuthenticationReason,
  InvalidAuthorizationDetailsReason,
  InvalidTokenReason,
} from './errors.js'

/**
 * The fields every refusal reason carries: the status, the OAuth `error`, the typed challenge
 * values, the serialised `WWW-Authenticate` value (none for a 503) and the audit `reasons`.
 */
export interface DeniedFields {
  /** The HTTP status to answer with. */
  readonly status: number
  /** The OAuth `error` code of the challenge. */
  readonly error: string
  /** The challenge's parameters: `error_description`, `acr_values`, `max_age`, `scope`, … */
  readonly challenge: AssuranceChallenge
  /** The serialised `WWW-Authenticate` value; none for a 503. */
  readonly wwwAuthenticate: string | undefined
  /** Why, for audit logs (never sent). */
  readonly reasons: readonly AssuranceReason[]
}

/**
 * The fields of the reason `InvalidToken`: a verification failure (`code` from the verifier) or
 * malformed claims found by `evaluate`, with `temporary` marking a 503 (JWKS or introspection down).
 */
export interface InvalidTokenFields extends DeniedFields {
  /** 401, or 503 when `temporary`. */
  readonly status: 401 | 503
  /** `invalid_token`, or `temporarily_unavailable` when `temporary`. */
  readonly error: 'invalid_token' | 'temporarily_unavailable'
  /** The verifier's code; `undefined` when the verifier threw something else. */
  readonly code: AccessTokenError['code'] | undefined
  /** The token could not be checked right now (JWKS or introspection down): a 503. */
  readonly temporary: boolean
  /** With `temporary`: the seconds after which to try again, sent as `Retry-After`. */
  readonly retryAfter?: number | undefined
  /** The underlying failure, for logs only. */
  readonly cause?: unknown
}

type Denied<Tag extends string, F> = new (
  fields: F & { readonly message: string },
) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<F>

const render = (self: DeniedFields, options?: ChallengeOptions): ErrorResponse =>
  toErrorResponse(self, options)

/**
 * Turns an `ErrorResponse` of `@stepup/assurance` into an Effect `HttpServerResponse` with the
 * same status, headers and JSON body the Express, Fastify and fetch adapters send.
 */
export function toHttpServerResponse(res: ErrorResponse): HttpServerResponse.HttpServerResponse {
  const { 'content-type': contentType, ...headers } = res.headers
  const options = { status: res.status, headers }
  return res.body === null
    ? HttpServerResponse.empty(options)
    : HttpServerResponse.text(JSON.stringify(res.body), {
        ...options,
        contentType: contentType ?? 'application/json',
      })
}

const message = (f: DeniedFields): string => f.challenge.error_description ?? f.error

const InvalidTokenBase: Denied<'InvalidToken', InvalidTokenFields> =
  /*#__PURE__*/ Data.TaggedError('InvalidToken')

/**
 * The reason `InvalidToken`: the access token was refused (401 `invalid_token`), or could not be
 * checked right now (`temporary`, 503); nothing from the token is in the message or challenge.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class InvalidToken extends InvalidTokenBase implements InvalidTokenReason {
  constructor(fields: InvalidTokenFields) {
    super({ ...fields, message: message(fields) })
  }

  /** Build from a verifier failure; anything that is not an `AccessTokenError` is a generic 401. */
  static fromCause(cause: unknown): InvalidToken {
    const known = cause instanceof AccessTokenError
    const err = known ? cause : new AccessTokenError('ERR_TOKEN_MALFORMED', 'access token refused')
    const res = toErrorResponse(err)
    return new InvalidToken({
      status: err.status,
      error: err.error,
      challenge: err.challenge,
      wwwAuthenticate: res.headers['www-authenticate'],
      reasons: [],
      code: known ? err.code : undefined,
      temporary: err.temporary,
      ...(err.retryAfter !== undefined && { retryAfter: err.retryAfter }),
      cause,
    })
  }

  /** The `AccessTokenError` the core adapters understand (the original one when there was one). */
  toAccessTokenError(): AccessTokenError {
    if (this.cause instanceof AccessTokenError) return this.cause
    const code = this.temporary
      ? 'ERR_VERIFIER_UNAVAILABLE'
      : (this.code ?? 'ERR_TOKEN_CLAIM_INVALID')
    return new AccessTokenError(code, this.message, { cause: this, retryAfter: this.retryAfter })
  }

  /** The response to send: status, `WWW-Authenticate` (rendered with `options`) and JSON body. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse {
    return render(this, options)
  }
}

/**
 * The fields of a refused decision (`InsufficientUserAuthentication`, `InsufficientScope`,
 * `InsufficientAuthorizationDetails`): those of `AssuranceFailure` from `evaluateAssurance`.
 */
export interface DecisionFields<E extends string> extends DeniedFields {
  /** 401 for `insufficient_user_authentication`, 403 otherwise. */
  readonly status: 401 | 403
  /** The OAuth `error` code of the challenge. */
  readonly error: E
  /** The serialised `WWW-Authenticate` value. */
  readonly wwwAuthenticate: string
}

const InsufficientUserAuthenticationBase: Denied<
  'InsufficientUserAuthentication',
  DecisionFields<'insufficient_user_authentication'>
> = /*#__PURE__*/ Data.TaggedError('InsufficientUserAuthentication')

/**
 * The reason `InsufficientUserAuthentication` (RFC 9470): the authentication behind the token is
 * too weak or too old; `challenge` carries the `acr_values` and/or `max_age` to ask for.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export class InsufficientUserAuthentication
  extends InsufficientUserAuthenticationBase
  implements InsufficientUserAuthenticationReason
{
  constructor(fields: DecisionFields<'insufficient_user_authentication'>) {
    super({ ...fields, message: message(fields) })
  }

  /** The response to send: status, `WWW-Authenticate` (rendered with `options`) and JSON body. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse {
    return render(this, options)
  }
}

const InsufficientScopeBase: Denied<
  'InsufficientScope',
  DecisionFields<'insufficient_scope'>
> = /*#__PURE__*/ Data.TaggedError('InsufficientScope')

/**
 * The reason `InsufficientScope` (RFC 6750, 403): the token lacks scope; `challenge.scope` says
 * what is needed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class InsufficientScope extends InsufficientScopeBase implements InsufficientScopeReason {
  constructor(fields: DecisionFields<'insufficient_scope'>) {
    super({ ...fields, message: message(fields) })
  }

  /** The response to send: status, `WWW-Authenticate` (rendered with `options`) and JSON body. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse {
    return render(this, options)
  }
}

const InsufficientAuthorizationDetailsBase: Denied<
  'InsufficientAuthorizationDetails',
  DecisionFields<'insufficient_authorization_details'>
> = /*#__PURE__*/ Data.TaggedError('InsufficientAuthorizationDetails')

/**
 * The reason `InsufficientAuthorizationDetails` (403): the token's `authorization_details` do not
 * cover the request; the uncovered details are in `challenge.authorization_details` and the body.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export class InsufficientAuthorizationDetails
  extends InsufficientAuthorizationDetailsBase
  implements InsufficientAuthorizationDetailsReason
{
  constructor(fields: DecisionFields<'insufficient_authorization_details'>) {
    super({ ...fields, message: message(fields) })
  }

  /** The response to send: status, `WWW-Authenticate` (rendered with `options`) and JSON body. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse {
    return render(this, options)
  }
}

/**
 * The fields of the reason `InvalidAuthorizationDetails`: every issue found (path and problem, never
 * the offending value) and the `@stepup/rar` error.
 */
export interface InvalidAuthorizationDetailsFields {
  /** Every issue found: its path and problem, never the offending value. */
  readonly issues: AuthorizationDetailsError['issues']
  /** The `@stepup/rar` error, when there was one. */
  readonly cause?: AuthorizationDetailsError | undefined
}

const InvalidAuthorizationDetailsBase: Denied<
  'InvalidAuthorizationDetails',
  InvalidAuthorizationDetailsFields
> = /*#__PURE__*/ Data.TaggedError('InvalidAuthorizationDetails')

const INVALID_DETAILS = {
  status: 400,
  challenge: {
    error: 'invalid_request',
    error_description: 'The authorization_details of the request are invalid',
  },
} as const

/**
 * The reason `InvalidAuthorizationDetails`: untrusted `authorization_details` did not parse; a
 * resource server answers 400 `invalid_request`, as the other adapters do for such a body.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-5
 */
export class InvalidAuthorizationDetails
  extends InvalidAuthorizationDetailsBase
  implements InvalidAuthorizationDetailsReason
{
  /** The OAuth error an authorization server returns for it (RFC 9396 §5). */
  readonly error: 'invalid_authorization_details' = 'invalid_authorization_details'

  constructor(fields: InvalidAuthorizationDetailsFields) {
    const first = fields.issues[0]
    super({
      ...fields,
      message: `Invalid authorization_details${first ? ` at [${first.path}]: ${first.message}` : ''}`,
    })
  }

  /** The response a resource server sends: 400 `invalid_request` with its challenge. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse {
    return toErrorResponse(INVALID_DETAILS, options)
  }
}
