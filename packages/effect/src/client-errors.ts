import { type StepUpChallenge, StepUpError, type StepUpErrorCode } from '@stepup/client'
import { stepUpFailureCode } from '@stepup/internal/step-up'
import type { Cause } from 'effect'
import * as Data from 'effect/Data'
import type { HttpClientResponse } from 'effect/http/HttpClientResponse'

/**
 * The fields of the reason `WwwAuthenticateParseError`: where the value stopped matching the grammar
 * (never the value itself) and the `@stepup/www-authenticate` error.
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * parseWwwAuthenticate('Bearer realm="unclosed').pipe(
 *   Effect.catchReason('StepUpAuthError', 'WwwAuthenticateParseError', (e) => Effect.succeed(e.offset)), // 13
 * )
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export interface WwwAuthenticateParseErrorFields {
  /** Index of the offending character in the value (lines joined with `", "`). */
  readonly offset: number
  /** The `@stepup/www-authenticate` parse error. */
  readonly cause?: unknown
}

const WwwAuthenticateParseErrorBase: new (
  fields: WwwAuthenticateParseErrorFields & { readonly message: string },
) => Cause.YieldableError & {
  readonly _tag: 'WwwAuthenticateParseError'
} & Readonly<WwwAuthenticateParseErrorFields> = /*#__PURE__*/ Data.TaggedError(
  'WwwAuthenticateParseError',
)

/**
 * An untrusted `WWW-Authenticate` value did not match the RFC 9110 §11.6.1 grammar.
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * parseWwwAuthenticate(value).pipe(Effect.catchReason('StepUpAuthError', 'WwwAuthenticateParseError', (e) => Effect.succeed(e.offset)))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export class WwwAuthenticateParseError extends WwwAuthenticateParseErrorBase {
  /** Always `'ERR_WWW_AUTHENTICATE_MALFORMED'`, as in `@stepup/www-authenticate`. */
  readonly code: 'ERR_WWW_AUTHENTICATE_MALFORMED' = 'ERR_WWW_AUTHENTICATE_MALFORMED'

  constructor(fields: WwwAuthenticateParseErrorFields) {
    super({ ...fields, message: `malformed WWW-Authenticate value at offset ${fields.offset}` })
  }
}

/**
 * The union of the codes that say why a step-up stopped: those of `@stepup/client`'s
 * `StepUpError`, plus `ERR_STEP_UP_TIMEOUT` when `stepUp` took longer than `stepUpTimeout`.
 *
 * @example
 * ```ts
 * client.get('https://api.example.com/transfers').pipe(
 *   Effect.catchReason('StepUpAuthError', 'StepUpFailed', (e) => Effect.succeed(e.code === 'ERR_STEP_UP_CANCELLED' ? 'cancelled' : e.code)),
 * )
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-5
 */
export type StepUpFailedCode = StepUpErrorCode | 'ERR_STEP_UP_TIMEOUT'

/**
 * The fields of the reason `StepUpFailed`: the code, and the challenge, response and cause behind it.
 *
 * @example
 * ```ts
 * client.get('https://api.example.com/transfers').pipe(
 *   Effect.catchReason('StepUpAuthError', 'StepUpFailed', (e) => Effect.logWarning(e.code, e.challenge?.kind, e.response?.status)),
 * )
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-5
 */
export interface StepUpFailedFields {
  readonly code: StepUpFailedCode
  /** The challenge being answered, when there was one. */
  readonly challenge?: StepUpChallenge | undefined
  /** The last response received, when there was one (its body left unread). */
  readonly response?: HttpClientResponse | undefined
  /** The underlying failure, e.g. what `stepUp` failed with. */
  readonly cause?: unknown
  /** What happened and what to do; by default the description of `code`. */
  readonly message?: string
}

const MESSAGES: Record<StepUpFailedCode, string> = {
  ERR_STEP_UP_LOOP:
    'the same challenge came back after a step-up: the new token still does not meet it (is the authorization server honouring acr_values and max_age?)',
  ERR_STEP_UP_LIMIT: 'more step-ups than maxStepUps allows for one request',
  ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS:
    'the authorization server could not meet the requirements (unmet_authentication_requirements, RFC 9470 §5)',
  ERR_STEP_UP_CANCELLED: 'the user cancelled the step-up (stepUp failed with an AbortError)',
  ERR_STEP_UP_FAILED: 'the step-up did not complete: stepUp failed (see cause) or gave no token',
  ERR_BODY_NOT_REPLAYABLE:
    'a stream body cannot be replayed after a step-up; send bytes, text or form data',
  ERR_CHALLENGE_INVALID: "the server's challenge cannot be acted on as sent",
  ERR_STEP_UP_TIMEOUT: 'the step-up took longer than stepUpTimeout',
  ERR_RESOURCE_METADATA_UNAVAILABLE: "the resource's metadata (RFC 9728) could not be fetched",
  ERR_RESOURCE_METADATA_INVALID:
    "the resource's metadata is not https: or not a valid RFC 9728 document",
  ERR_RESOURCE_METADATA_MISMATCH: "the resource's metadata names another resource (RFC 9728 §3.3)",
  ERR_AUTHORIZATION_SERVER_MISMATCH: 'the resource does not list this authorization server',
  ERR_POPUP_BLOCKED: 'the step-up popup was blocked and the full-page redirect could not be used',
  ERR_STEP_UP_NOT_PENDING: 'no step-up is pending for this callback',
}

const StepUpFailedBase: new (
  fields: StepUpFailedFields & { readonly message: string },
) => Cause.YieldableError & {
  readonly _tag: 'StepUpFailed'
} & Readonly<StepUpFailedFields> = /*#__PURE__*/ Data.TaggedError('StepUpFailed')

/**
 * A step-up could not complete: a loop, too many step-ups, the user cancelled, the authorization
 * server answered `unmet_authentication_requirements`, a body that cannot be replayed, a challenge
 * that cannot be acted on as sent, a timeout.
 *
 * @example
 * ```ts
 * client.get(url).pipe(Effect.catchReason('StepUpAuthError', 'StepUpFailed', (e) => Effect.succeed(e.code)))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-5
 */
export class StepUpFailed extends StepUpFailedBase {
  constructor(fields: StepUpFailedFields) {
    super({ ...fields, message: fields.message ?? MESSAGES[fields.code] })
  }

  /**
   * Classify what `stepUp` failed with, as `@stepup/client` does: the authorization server's
   * `unmet_authentication_requirements`, an `AbortError` (cancelled), or anything else.
   */
  static fromCause(cause: unknown, challenge?: StepUpChallenge): StepUpFailed {
    if (cause instanceof StepUpFailed) return cause
    if (cause instanceof StepUpError) {
      return new StepUpFailed({
        code: cause.code,
        challenge: cause.challenge ?? challenge,
        cause,
        message: cause.message,
      })
    }
    return new StepUpFailed({ code: stepUpFailureCode(cause), challenge, cause })
  }
}
