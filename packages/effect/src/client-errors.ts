import {
  type StepUpChallenge,
  StepUpError,
  type StepUpErrorCode,
  stepUpFailureCode,
} from '@stepup/client'
import type { Cause } from 'effect'
import * as Data from 'effect/Data'
import type { HttpClientResponse } from 'effect/http/HttpClientResponse'

/**
 * The fields of {@link WwwAuthenticateParseError}: where the value stopped matching the grammar
 * (never the value itself) and the `@stepup/www-authenticate` error.
 *
 * @example
 * ```ts
 * const fields: WwwAuthenticateParseErrorFields = { offset: 7 }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export interface WwwAuthenticateParseErrorFields {
  readonly offset: number
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
 * parseWwwAuthenticate(value).pipe(Effect.catchTag('WwwAuthenticateParseError', (e) => Effect.succeed(e.offset)))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export class WwwAuthenticateParseError extends WwwAuthenticateParseErrorBase {
  /** Always `'ERR_WWW_AUTHENTICATE_PARSE'`, as in `@stepup/www-authenticate`. */
  readonly code: 'ERR_WWW_AUTHENTICATE_PARSE' = 'ERR_WWW_AUTHENTICATE_PARSE'

  constructor(fields: WwwAuthenticateParseErrorFields) {
    super({ ...fields, message: `malformed WWW-Authenticate value at offset ${fields.offset}` })
  }
}

/**
 * Why a step-up stopped: the codes of `@stepup/client`'s `StepUpError`, plus
 * `ERR_STEP_UP_TIMEOUT` when `stepUp` took longer than the client's `stepUpTimeout`.
 *
 * @example
 * ```ts
 * const code: StepUpFailedCode = 'ERR_STEP_UP_LOOP'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-5
 */
export type StepUpFailedCode = StepUpErrorCode | 'ERR_STEP_UP_TIMEOUT'

/**
 * The fields of {@link StepUpFailed}.
 *
 * @example
 * ```ts
 * const fields: StepUpFailedFields = { code: 'ERR_STEP_UP_CANCELLED', challenge }
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
}

const MESSAGES: Record<StepUpFailedCode, string> = {
  ERR_STEP_UP_LOOP: 'the same challenge came back after a step-up',
  ERR_STEP_UP_LIMIT: 'more step-ups than allowed for one request',
  ERR_UNMET_AUTHENTICATION_REQUIREMENTS: 'the authorization server could not meet the requirements',
  ERR_STEP_UP_CANCELLED: 'the step-up was cancelled',
  ERR_STEP_UP_FAILED: 'the step-up did not complete',
  ERR_BODY_NOT_REPLAYABLE: 'a stream body cannot be replayed after a step-up',
  ERR_STEP_UP_TIMEOUT: 'the step-up took too long',
}

const StepUpFailedBase: new (
  fields: StepUpFailedFields & { readonly message: string },
) => Cause.YieldableError & {
  readonly _tag: 'StepUpFailed'
} & Readonly<StepUpFailedFields> = /*#__PURE__*/ Data.TaggedError('StepUpFailed')

/**
 * A step-up could not complete: a loop, too many step-ups, the user cancelled, the authorization
 * server answered `unmet_authentication_requirements`, a body that cannot be replayed, a timeout.
 *
 * @example
 * ```ts
 * client.get(url).pipe(Effect.catchTag('StepUpFailed', (e) => Effect.succeed(e.code)))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-5
 */
export class StepUpFailed extends StepUpFailedBase {
  constructor(fields: StepUpFailedFields) {
    super({ ...fields, message: MESSAGES[fields.code] })
  }

  /**
   * Classify what `stepUp` failed with, as `@stepup/client` does: the authorization server's
   * `unmet_authentication_requirements`, an `AbortError` (cancelled), or anything else.
   */
  static fromCause(cause: unknown, challenge?: StepUpChallenge): StepUpFailed {
    if (cause instanceof StepUpFailed) return cause
    if (cause instanceof StepUpError) {
      return new StepUpFailed({ code: cause.code, challenge: cause.challenge ?? challenge, cause })
    }
    return new StepUpFailed({ code: stepUpFailureCode(cause), challenge, cause })
  }
}
