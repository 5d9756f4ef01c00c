/**
 * One parsed challenge (or `Authorization` credentials): a lower-cased scheme with either a
 * `token68` or a null-prototype record of lower-cased parameter names and unescaped values.
 *
 * @example
 * const challenge: WwwAuthenticateChallenge = {
 *   scheme: 'bearer',
 *   params: { error: 'insufficient_user_authentication', acr_values: 'myACR' },
 * }
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.3
 */
export interface WwwAuthenticateChallenge {
  /** The auth-scheme, lower-cased (`bearer`, `dpop`, `basic`, …). */
  readonly scheme: string
  /** The token68 form, present only when the challenge carries one instead of parameters. */
  readonly token68?: string
  /** The auth-params: names lower-cased, quoted-strings unescaped; empty when `token68` is set. */
  readonly params: Readonly<Record<string, string>>
}

/**
 * What {@link serializeWwwAuthenticate} and {@link serializeAuthorization} accept: a challenge whose
 * scheme is written as given and whose `params` may be left out.
 *
 * @example
 * const init: WwwAuthenticateChallengeInit = { scheme: 'Basic', params: { realm: 'simple' } }
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.3
 */
export interface WwwAuthenticateChallengeInit {
  readonly scheme: string
  readonly token68?: string | undefined
  readonly params?: Readonly<Record<string, string>> | undefined
}

/**
 * Options for the parsers.
 *
 * @example
 * const options: ParseOptions = { maxLength: 64 * 1024 }
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.1.2
 */
export interface ParseOptions {
  /**
   * Longest input accepted, in UTF-16 code units, counted over all field lines together;
   * longer input is rejected before any parsing. Default 16384 (16 KiB).
   */
  readonly maxLength?: number
}

/**
 * The result of a `safeParse*` function: the parsed value, or the parse error.
 *
 * @example
 * const result: SafeParseResult<number> = { success: true, data: 1 }
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export type SafeParseResult<T, E = Error> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: E }
