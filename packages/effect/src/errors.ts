import type {
  AccessTokenError,
  AssuranceFailure,
  ChallengeOptions,
  ErrorResponse,
} from '@stepup/assurance'
import type { Cause } from 'effect'
import * as Data from 'effect/Data'
import * as Effect from 'effect/Effect'
import * as HttpServerRespondable from 'effect/http/HttpServerRespondable'
import type * as HttpServerResponse from 'effect/http/HttpServerResponse'
import {
  type DecisionFields,
  InsufficientAuthorizationDetails,
  InsufficientScope,
  InsufficientUserAuthentication,
  type InvalidAuthorizationDetailsFields,
  InvalidToken,
  type InvalidTokenFields,
  toHttpServerResponse,
} from './assurance-errors.js'
import type { StepUpFailedFields, WwwAuthenticateParseErrorFields } from './client-errors.js'

/** What every reason has (each is an `Error`): the `_tag` naming it, its message and cause. */
interface Reason<Tag extends string> {
  /** The name of the reason, to match with `Effect.catchReason` or `reason._tag === …`. */
  readonly _tag: Tag
  /** What happened, without anything from the token or the untrusted input. */
  readonly message: string
  /** The underlying failure, for logs only. */
  readonly cause?: unknown
}

/**
 * The reason `InvalidToken`: the access token was refused (401 `invalid_token`), or could not be
 * checked right now (`temporary`, 503).
 *
 * @inline
 */
export interface InvalidTokenReason extends Reason<'InvalidToken'>, InvalidTokenFields {
  /** The underlying failure, for logs only. */
  readonly cause?: unknown
  /** The `AccessTokenError` the core adapters understand (the original one when there was one). */
  toAccessTokenError(): AccessTokenError
  /** The response to send: status, `WWW-Authenticate` (rendered with `options`) and JSON body. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse
}

/** A refused decision: the fields of `AssuranceFailure` from `evaluateAssurance`. */
interface DecisionReason<Tag extends string, E extends string>
  extends Reason<Tag>,
    DecisionFields<E> {
  /** The response to send: status, `WWW-Authenticate` (rendered with `options`) and JSON body. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse
}

/**
 * The reason `InsufficientUserAuthentication` (RFC 9470, 401): the authentication behind the
 * token is too weak or too old; `challenge` carries the `acr_values` and/or `max_age` to ask for.
 *
 * @inline
 */
export interface InsufficientUserAuthenticationReason
  extends DecisionReason<'InsufficientUserAuthentication', 'insufficient_user_authentication'> {}

/**
 * The reason `InsufficientScope` (RFC 6750, 403): the token lacks scope; `challenge.scope` says
 * what is needed.
 *
 * @inline
 */
export interface InsufficientScopeReason
  extends DecisionReason<'InsufficientScope', 'insufficient_scope'> {}

/**
 * The reason `InsufficientAuthorizationDetails` (403): the token's `authorization_details` do not
 * cover the request, or its single-use grant was spent; the uncovered details are in
 * `challenge.authorization_details`.
 *
 * @inline
 */
export interface InsufficientAuthorizationDetailsReason
  extends DecisionReason<
    'InsufficientAuthorizationDetails',
    'insufficient_authorization_details'
  > {}

/**
 * The reason `InvalidAuthorizationDetails`: untrusted `authorization_details` did not parse; a
 * resource server answers 400 `invalid_request`.
 *
 * @inline
 */
export interface InvalidAuthorizationDetailsReason
  extends Reason<'InvalidAuthorizationDetails'>,
    InvalidAuthorizationDetailsFields {
  /** The `@stepup/rar` error, when there was one. */
  readonly cause?: InvalidAuthorizationDetailsFields['cause']
  /** The OAuth error an authorization server returns for it (RFC 9396 §5). */
  readonly error: 'invalid_authorization_details'
  /** The response a resource server sends: 400 `invalid_request` with its challenge. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse
}

/**
 * The reason `WwwAuthenticateParseError`: an untrusted `WWW-Authenticate` value did not match the
 * RFC 9110 §11.6.1 grammar.
 *
 * @inline
 */
export interface WwwAuthenticateParseErrorReason
  extends Reason<'WwwAuthenticateParseError'>,
    WwwAuthenticateParseErrorFields {
  /** The `@stepup/www-authenticate` parse error. */
  readonly cause?: unknown
  /** Always `'ERR_WWW_AUTHENTICATE_MALFORMED'`, as in `@stepup/www-authenticate`. */
  readonly code: 'ERR_WWW_AUTHENTICATE_MALFORMED'
}

/**
 * The reason `StepUpFailed`: a step-up could not complete (a loop, too many step-ups, the user
 * cancelled, `unmet_authentication_requirements`, a body that cannot be replayed, a challenge that
 * cannot be acted on as sent, a timeout).
 *
 * @inline
 */
export interface StepUpFailedReason
  extends Reason<'StepUpFailed'>,
    Omit<StepUpFailedFields, 'message'> {
  /** Why the step-up stopped, e.g. `ERR_STEP_UP_LOOP` or `ERR_STEP_UP_CANCELLED`. */
  readonly code: StepUpFailedFields['code']
  /** The underlying failure, e.g. what `stepUp` failed with. */
  readonly cause?: unknown
}

/**
 * The union of the reasons a {@link StepUpAuthError} is raised for, each an `Error` whose `_tag`
 * names it, with the fields that case needs: narrow with `Effect.catchReason` or `reason._tag`.
 *
 * On a resource server: the refused token or decision (`InvalidToken`,
 * `InsufficientUserAuthentication`, `InsufficientScope`, `InsufficientAuthorizationDetails`) or
 * unreadable `authorization_details` (`InvalidAuthorizationDetails`); on a client a malformed
 * challenge (`WwwAuthenticateParseError`) or a step-up that could not complete (`StepUpFailed`).
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * import * as Match from 'effect/Match'
 * evaluate(claims, { acr_values: ['phrh'] }).pipe(
 *   Effect.catchTag('StepUpAuthError', (e) =>
 *     Effect.succeed(
 *       Match.value(e.reason).pipe(
 *         Match.tag('InsufficientUserAuthentication', (reason) => reason.challenge.acr_values),
 *         Match.orElse((reason) => reason.status),
 *       ),
 *     ),
 *   ),
 * )
 * ```
 */
export type StepUpAuthErrorReason =
  | InvalidTokenReason
  | InsufficientUserAuthenticationReason
  | InsufficientScopeReason
  | InsufficientAuthorizationDetailsReason
  | InvalidAuthorizationDetailsReason
  | WwwAuthenticateParseErrorReason
  | StepUpFailedReason

/**
 * The reasons a decision of `evaluateAssurance` (or of a risk policy) fails with.
 *
 * @inline
 */
export type DecisionTag =
  | 'InvalidToken'
  | 'InsufficientUserAuthentication'
  | 'InsufficientScope'
  | 'InsufficientAuthorizationDetails'

const StepUpAuthErrorBase: new (fields: {
  readonly reason: StepUpAuthErrorReason
  readonly message: string
  readonly cause?: unknown
}) => Cause.YieldableError & {
  /** Always `'StepUpAuthError'`, to match with `Effect.catchTag`. */
  readonly _tag: 'StepUpAuthError'
  readonly reason: StepUpAuthErrorReason
} = /*#__PURE__*/ Data.TaggedError('StepUpAuthError')

/** What a client-side reason answers with when a server handler fails with it: a bare 500. */
const SERVER_ERROR: ErrorResponse = { status: 500, headers: {}, body: null }

/**
 * The one error of `@stepup/effect`, whose `reason` (a {@link StepUpAuthErrorReason}) says what
 * happened; handle one case with `Effect.catchReason`. The type parameter names the reasons an
 * Effect can fail with: `evaluate` fails with `StepUpAuthError<'InvalidToken' |
 * 'InsufficientUserAuthentication' | 'InsufficientScope' | 'InsufficientAuthorizationDetails'>`.
 *
 * It implements `HttpServerRespondable`, so a handler that fails with it is answered with the same
 * status, `WWW-Authenticate` challenge and JSON body as the Express, Fastify and fetch adapters
 * send (a client-side reason is a bare 500, as any other failure).
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * evaluate(claims, { acr_values: ['phrh'] }).pipe(
 *   Effect.catchReason('StepUpAuthError', 'InsufficientUserAuthentication', (reason) =>
 *     Effect.succeed(reason.challenge.acr_values),
 *   ),
 * )
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below only adds the respondable method the static block installs
export class StepUpAuthError<
    Tag extends StepUpAuthErrorReason['_tag'] = StepUpAuthErrorReason['_tag'],
  >
  extends StepUpAuthErrorBase
  implements HttpServerRespondable.Respondable
{
  static {
    // Rendered by Effect's HTTP server when a handler fails with it: the key is the one
    // `effect/http/HttpServerRespondable` exports, never a copy of its text.
    Object.defineProperty(StepUpAuthError.prototype, HttpServerRespondable.symbol, {
      value(this: StepUpAuthError): Effect.Effect<HttpServerResponse.HttpServerResponse> {
        return Effect.succeed(toHttpServerResponse(this.toErrorResponse()))
      },
      writable: true,
      configurable: true,
    })
  }

  /** What happened: the {@link StepUpAuthErrorReason} whose `_tag` is `Tag`. */
  declare readonly reason: StepUpAuthErrorReason & {
    /** The reason's name, one of `Tag`. */
    readonly _tag: Tag
  }

  constructor(fields: { readonly reason: StepUpAuthErrorReason & { readonly _tag: Tag } }) {
    const { reason } = fields
    super({
      reason,
      message: reason.message,
      ...(reason.cause !== undefined && { cause: reason.cause }),
    })
  }

  /** The response a resource server sends: status, `WWW-Authenticate` (with `options`), body. */
  toErrorResponse(options?: ChallengeOptions): ErrorResponse {
    const reason: StepUpAuthErrorReason = this.reason
    return reason._tag === 'WwwAuthenticateParseError' || reason._tag === 'StepUpFailed'
      ? SERVER_ERROR
      : reason.toErrorResponse(options)
  }
}

// Types the method the static block installs under the platform's key (a computed name in the
// class body cannot be typed under isolatedDeclarations).
export interface StepUpAuthError<
  // biome-ignore lint/correctness/noUnusedVariables: a merged declaration repeats the class's type parameter
  Tag extends StepUpAuthErrorReason['_tag'] = StepUpAuthErrorReason['_tag'],
> extends HttpServerRespondable.Respondable {}

/** Map a failed `evaluateAssurance` result to its {@link StepUpAuthError}, field for field. */
export function fromAssuranceFailure(failure: AssuranceFailure): StepUpAuthError<DecisionTag> {
  const { ok: _ok, ...fields } = failure
  switch (fields.error) {
    case 'invalid_token':
      return new StepUpAuthError({
        reason: new InvalidToken({
          ...fields,
          status: 401,
          error: 'invalid_token',
          code: 'ERR_TOKEN_CLAIM_INVALID',
          temporary: false,
        }),
      })
    case 'insufficient_scope':
      return new StepUpAuthError({
        reason: new InsufficientScope({ ...fields, error: fields.error }),
      })
    case 'insufficient_authorization_details':
      return new StepUpAuthError({
        reason: new InsufficientAuthorizationDetails({ ...fields, error: fields.error }),
      })
    case 'insufficient_user_authentication':
      return new StepUpAuthError({
        reason: new InsufficientUserAuthentication({ ...fields, error: fields.error }),
      })
  }
}
