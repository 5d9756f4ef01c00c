import { readStepUpChallenge as readFromResponse, type StepUpChallenge } from '@stepup/client'
import {
  type ParseOptions,
  safeParseWwwAuthenticate,
  type WwwAuthenticateChallenge,
} from '@stepup/www-authenticate'
import * as Effect from 'effect/Effect'
import type { HttpClientResponse } from 'effect/http/HttpClientResponse'
import { WwwAuthenticateParseError } from './client-errors.js'

/**
 * Parse an untrusted `WWW-Authenticate` value (or its field lines) with `@stepup/www-authenticate`,
 * failing with {@link WwwAuthenticateParseError} instead of throwing.
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
): Effect.Effect<WwwAuthenticateChallenge[], WwwAuthenticateParseError> =>
  Effect.suspend(() => {
    const result = safeParseWwwAuthenticate(value, options)
    return result.success
      ? Effect.succeed(result.data)
      : Effect.fail(
          new WwwAuthenticateParseError({ offset: result.error.offset, cause: result.error }),
        )
  })

/**
 * Read the step-up signal of an `HttpClient` response with `@stepup/client`'s
 * `readStepUpChallenge`: `insufficient_user_authentication`, `insufficient_scope`,
 * `insufficient_claims` or `use_dpop_nonce` on a 401/403, or `undefined`.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'step_up') yield* login(buildStepUpAuthorizationParams(challenge))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export function readStepUpChallenge(
  response: HttpClientResponse,
  options?: { readonly scheme?: 'Bearer' | 'DPoP' },
): StepUpChallenge | undefined {
  if (response.status !== 401 && response.status !== 403) return undefined
  return readFromResponse(
    new Response(null, { status: response.status, headers: response.headers }),
    options,
  )
}
