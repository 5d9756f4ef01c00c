import { checkOptions } from '@stepup/internal'
import type { StepUpChallenge } from './challenge.js'

/**
 * The union of the stable `code`s a {@link StepUpError} carries.
 *
 * - `ERR_STEP_UP_LOOP`: the replay met the same challenge again after a step-up.
 * - `ERR_STEP_UP_LIMIT`: more challenges than `maxStepUps` for one request.
 * - `ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS`: the authorization server answered the step-up with
 *   `error=unmet_authentication_requirements`.
 * - `ERR_STEP_UP_CANCELLED`: `stepUp` rejected with an `AbortError` (the user gave up).
 * - `ERR_STEP_UP_FAILED`: `stepUp` rejected for another reason, or resolved without a token.
 * - `ERR_BODY_NOT_REPLAYABLE`: the request body is a stream, so it could not be replayed.
 * - `ERR_CHALLENGE_INVALID`: the server's challenge cannot be acted on as sent (a `max_age`,
 *   `acr_values` or `scope` that breaks its syntax, undecodable `claims`, `authorization_details`
 *   that are not RFC 9396 objects); nobody was asked to sign in.
 * - `ERR_RESOURCE_METADATA_UNAVAILABLE`: the challenge's `resource_metadata` could not be fetched
 *   (network error, not `200`, no answer within 5 s); nobody was asked to sign in.
 * - `ERR_RESOURCE_METADATA_INVALID`: the `resource_metadata` URL is not `https:` (loopback `http:`
 *   is accepted for a loopback resource), or the document is not a JSON object of at most 64 KiB
 *   with a string `resource` and, when present, `authorization_servers` that are `https:` URLs.
 * - `ERR_RESOURCE_METADATA_MISMATCH`: the metadata's `resource` is not the resource the request
 *   was for (RFC 9728 §3.3); it is not used and no token is requested.
 * - `ERR_AUTHORIZATION_SERVER_MISMATCH`: the resource names its authorization servers and the
 *   popup step-up's is not among them (`@stepup/client/browser`).
 * - `ERR_POPUP_BLOCKED`: the browser blocked the popup and the full-page redirect could not be
 *   used instead (turned off, the request cannot be saved, or `sessionStorage` refused it).
 * - `ERR_STEP_UP_NOT_PENDING`: `resumeAfterRedirect` found no step-up saved in this tab for the
 *   callback's `state` (already used, another tab, older than 10 minutes, another client).
 *
 * @example
 * ```ts
 * const response = await api('https://api.example.com/transfers', { method: 'POST' }).catch((error) => {
 *   if (error instanceof StepUpError && error.code === 'ERR_STEP_UP_CANCELLED') return undefined
 *   throw error
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-5
 */
export type StepUpErrorCode =
  | 'ERR_STEP_UP_LOOP'
  | 'ERR_STEP_UP_LIMIT'
  | 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS'
  | 'ERR_STEP_UP_CANCELLED'
  | 'ERR_STEP_UP_FAILED'
  | 'ERR_BODY_NOT_REPLAYABLE'
  | 'ERR_CHALLENGE_INVALID'
  | 'ERR_RESOURCE_METADATA_UNAVAILABLE'
  | 'ERR_RESOURCE_METADATA_INVALID'
  | 'ERR_RESOURCE_METADATA_MISMATCH'
  | 'ERR_AUTHORIZATION_SERVER_MISMATCH'
  | 'ERR_POPUP_BLOCKED'
  | 'ERR_STEP_UP_NOT_PENDING'

const ERROR_OPTIONS = new Set(['challenge', 'response', 'cause'])

/**
 * Thrown by a step-up-aware fetch when a step-up cannot complete; `code` says why.
 *
 * @example
 * ```ts
 * try {
 *   await api('https://api.example.com/transfers', { method: 'POST', body })
 * } catch (error) {
 *   if (error instanceof StepUpError && error.code === 'ERR_STEP_UP_LOOP') showHelp(error.challenge)
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-5
 */
export class StepUpError extends Error {
  /** Always `StepUpError`. */
  override readonly name = 'StepUpError'
  /** Why the step-up stopped. */
  declare readonly code: StepUpErrorCode
  /** The challenge being answered, when there was one. */
  declare readonly challenge: StepUpChallenge | undefined
  /** The last response received, when there was one. */
  declare readonly response: Response | undefined

  constructor(
    code: StepUpErrorCode,
    message: string,
    options: {
      /** The challenge that started the step-up, when there was one. */
      readonly challenge?: StepUpChallenge | undefined
      /** The last response received, when there was one (its body is left unread). */
      readonly response?: Response | undefined
      /** The underlying error, e.g. what `stepUp` threw. */
      readonly cause?: unknown
    } = {},
  ) {
    checkOptions(options, ERROR_OPTIONS, 'StepUpError')
    super(message, options)
    Object.assign(this, { code, challenge: options.challenge, response: options.response })
  }
}
