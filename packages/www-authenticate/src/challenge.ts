/**
 * One parsed challenge or `Authorization` credentials: a lower-cased scheme with either a
 * `token68` or a null-prototype record of lower-cased parameter names and unescaped values.
 *
 * @example
 * ```ts
 * const [challenge] = parseWwwAuthenticate('Bearer error="insufficient_user_authentication", acr_values="myACR"')
 * challenge?.scheme // 'bearer'
 * challenge?.params.acr_values // 'myACR'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.3
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.2
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
 * A challenge or credentials to serialise with {@link serializeWwwAuthenticate} or
 * {@link serializeAuthorization}: the scheme is written as given and `params` may be left out.
 *
 * @example
 * ```ts
 * serializeWwwAuthenticate([{ scheme: 'Basic', params: { realm: 'simple' } }]) // 'Basic realm="simple"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.3
 */
export interface WwwAuthenticateChallengeInit {
  /** The auth-scheme, written as given (`Bearer`, `DPoP`); must be a `token`. */
  readonly scheme: string
  /** The token68 form; exclusive with a non-empty `params`. */
  readonly token68?: string | undefined
  /** The auth-params, names as given; values are quoted where needed (`realm` always). */
  readonly params?: Readonly<Record<string, string>> | undefined
}

/**
 * The limits every `parse*` and `safeParse*` function of this package takes as its second argument.
 *
 * @example
 * ```ts
 * const response = await fetch('https://api.example.com/accounts')
 * parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '', { maxLength: 64 * 1024 })
 * ```
 */
export interface ParseOptions {
  /**
   * Longest input accepted, in UTF-16 code units, counted over all field lines together;
   * longer input is rejected before any parsing. Default 16384 (16 KiB).
   */
  readonly maxLength?: number
}

/**
 * The result of a `safeParse*` function: `{ success: true, data }` or `{ success: false, error }`.
 *
 * @example
 * ```ts
 * const response = await fetch('https://api.example.com/accounts')
 * const result = safeParseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
 * if (!result.success) console.warn(result.error.code, result.error.offset)
 * ```
 */
export type SafeParseResult<T, E = Error> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: E }
