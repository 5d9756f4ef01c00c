const UNMET = 'unmet_authentication_requirements'

/** The codes {@link stepUpFailureCode} classifies a failed `stepUp` into. */
export type StepUpFailureCode =
  | 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS'
  | 'ERR_STEP_UP_CANCELLED'
  | 'ERR_STEP_UP_FAILED'

/**
 * Classifies what an app's `stepUp` failed with, for `@stepup/client`'s `createStepUpFetch` and
 * `@stepup/effect`'s `makeStepUpClient`: the authorization server's
 * `unmet_authentication_requirements` (as `error` or `cause.error`, e.g. oauth4webapi's errors),
 * an `AbortError` (the user cancelled), or anything else.
 *
 * @example
 * ```ts
 * stepUpFailureCode({ error: 'unmet_authentication_requirements' }) // 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-5
 * @see https://openid.net/specs/openid-connect-unmet-authentication-requirements-1_0.html
 */
export function stepUpFailureCode(error: unknown): StepUpFailureCode {
  const e = error as { error?: unknown; name?: unknown; cause?: { error?: unknown } } | undefined
  return e?.error === UNMET || e?.cause?.error === UNMET
    ? 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS'
    : e?.name === 'AbortError'
      ? 'ERR_STEP_UP_CANCELLED'
      : 'ERR_STEP_UP_FAILED'
}
