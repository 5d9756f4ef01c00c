import type { AssuranceFailure, ChallengeOptions, ErrorResponse } from '@stepup/assurance'
import type { Cause } from 'effect'
import * as Data from 'effect/Data'
import * as Effect from 'effect/Effect'
import * as HttpServerRespondable from 'effect/http/HttpServerRespondable'
import type * as HttpServerResponse from 'effect/http/HttpServerResponse'
import {
  type AssuranceDenied,
  InsufficientAuthorizationDetails,
  InsufficientScope,
  InsufficientUserAuthentication,
  type InvalidAuthorizationDetails,
  InvalidToken,
  toHttpServerResponse,
} from './assurance-errors.js'
import type { StepUpFailed, WwwAuthenticateParseError } from './client-errors.js'

/**
 * The union of the reasons a {@link StepUpAuthError} is raised for, each a tagged value with the
 * fields that case needs.
 *
 * On a resource server: the refused token or decision (`InvalidToken`,
 * `InsufficientUserAuthentication`, `InsufficientScope`, `InsufficientAuthorizationDetails`) or
 * unreadable `authorization_details` (`InvalidAuthorizationDetails`); on a client a malformed
 * challenge (`WwwAuthenticateParseError`) or a step-up that could not complete (`StepUpFailed`).
 *
 * @example
 * ```ts
 * program.pipe(Effect.catchTag('StepUpAuthError', (e) => Effect.succeed(e.reason._tag)))
 * ```
 */
export type StepUpAuthErrorReason =
  | AssuranceDenied
  | InvalidAuthorizationDetails
  | WwwAuthenticateParseError
  | StepUpFailed

const StepUpAuthErrorBase: new (fields: {
  readonly reason: StepUpAuthErrorReason
  readonly message: string
  readonly cause?: unknown
}) => Cause.YieldableError & {
  readonly _tag: 'StepUpAuthError'
  readonly reason: StepUpAuthErrorReason
} = /*#__PURE__*/ Data.TaggedError('StepUpAuthError')

/** What a client-side reason answers with when a server handler fails with it: a bare 500. */
const SERVER_ERROR: ErrorResponse = { status: 500, headers: {}, body: null }

/**
 * The one error of `@stepup/effect`, whose `reason` (a {@link StepUpAuthErrorReason}) says what
 * happened; handle one case with `Effect.catchReason`.
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
export class StepUpAuthError<R extends StepUpAuthErrorReason = StepUpAuthErrorReason>
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

  declare readonly reason: R

  constructor(fields: { readonly reason: R }) {
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
// biome-ignore lint/correctness/noUnusedVariables: a merged declaration repeats the class's type parameter
export interface StepUpAuthError<R extends StepUpAuthErrorReason = StepUpAuthErrorReason>
  extends HttpServerRespondable.Respondable {}

/**
 * Map a failed `evaluateAssurance` result to its {@link StepUpAuthError}, field for field.
 *
 * @example
 * ```ts
 * const result = evaluateAssurance(claims, requirement)
 * if (!result.ok) return yield* fromAssuranceFailure(result)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function fromAssuranceFailure(failure: AssuranceFailure): StepUpAuthError<AssuranceDenied> {
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
