import { readStepUpChallenge as readFromResponse, type StepUpChallenge } from '@stepup/client'
import {
  type ParseOptions,
  safeParseWwwAuthenticate,
  type WwwAuthenticateChallenge,
} from '@stepup/www-authenticate'
import * as Effect from 'effect/Effect'
import type { HttpClientResponse } from 'effect/http/HttpClientResponse'
import { StepUpFailed, WwwAuthenticateParseError } from './client-errors.js'
import { StepUpAuthError } from './errors.js'

/**
 * Parses an untrusted `WWW-Authenticate` value (or its field lines) with `@stepup/www-authenticate`,
 * failing with a {@link StepUpAuthError} whose reason is `WwwAuthenticateParseError` instead of
 * throwing.
 *
 * @example
 * ```ts
 * const [challenge] = yield* parseWwwAuthenticate('Bearer error="insufficient_user_authentication", max_age=5')
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export const parseWwwAuthenticate = (
  value: string | readonly string[],
  options?: ParseOptions,
): Effect.Effect<WwwAuthenticateChallenge[], StepUpAuthError<'WwwAuthenticateParseError'>> =>
  Effect.suspend(() => {
    const result = safeParseWwwAuthenticate(value, options)
    return result.success
      ? Effect.succeed(result.data)
      : Effect.fail(
          new StepUpAuthError({
            reason: new WwwAuthenticateParseError({
              offset: result.error.offset,
              cause: result.error,
            }),
          }),
        )
  })

/**
 * Reads the step-up signal of a 401 or 403 `HttpClient` response with `@stepup/client`'s
 * `readStepUpChallenge`, or `undefined` when there is none.
 *
 * It is the preferred one of every challenge on every `WWW-Authenticate` line:
 * `insufficient_user_authentication` (`step_up`), then `insufficient_claims`,
 * `insufficient_authorization_details`, `insufficient_scope`, `use_dpop_nonce`.
 *
 * A challenge whose parameters are invalid (`max_age="-1"`) fails with the reason `StepUpFailed`
 * `ERR_CHALLENGE_INVALID`, so no sign-in is started for it.
 *
 * @example
 * ```ts
 * const challenge = yield* readStepUpChallenge(response)
 * if (challenge?.kind === 'step_up') yield* login(buildStepUpAuthorizationParams(challenge))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export function readStepUpChallenge(
  response: HttpClientResponse,
  options?: { readonly scheme?: 'Bearer' | 'DPoP' },
): Effect.Effect<StepUpChallenge | undefined, StepUpAuthError<'StepUpFailed'>> {
  if (response.status !== 401 && response.status !== 403) return Effect.succeed(undefined)
  return Effect.try({
    try: () =>
      readFromResponse(
        new Response(null, { status: response.status, headers: response.headers }),
        options,
      ),
    catch: (cause) => new StepUpAuthError({ reason: StepUpFailed.fromCause(cause) }),
  })
}
