/**
 * The union of the `code`s a {@link WwwAuthenticateError} carries.
 *
 * - `ERR_WWW_AUTHENTICATE_MALFORMED`: an untrusted `WWW-Authenticate` or `Authorization` value
 *   (or a `claims` challenge) does not match its grammar ({@link WwwAuthenticateParseError}).
 *
 * @example
 * ```ts
 * const result = safeParseWwwAuthenticate('Bearer realm="unclosed')
 * if (!result.success && result.error.code === 'ERR_WWW_AUTHENTICATE_MALFORMED') console.log(result.error.offset) // 13
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export type WwwAuthenticateErrorCode = 'ERR_WWW_AUTHENTICATE_MALFORMED'

/**
 * The base class of the errors this package throws for untrusted input, with a stable `code`.
 *
 * Caller mistakes are `TypeError`s with a Node-style `code` instead.
 *
 * @example
 * ```ts
 * try {
 *   parseWwwAuthenticate('Bearer realm="unclosed')
 * } catch (error) {
 *   if (error instanceof WwwAuthenticateError) console.log(error.code)
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export abstract class WwwAuthenticateError extends Error {
  /** The class name. */
  override readonly name: string = 'WwwAuthenticateError'
  /** Why the value was refused; stable, for branching and logs. */
  abstract readonly code: WwwAuthenticateErrorCode

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * Thrown when an untrusted `WWW-Authenticate` or `Authorization` value (or a `claims` challenge)
 * does not match its grammar; the message never repeats the input.
 *
 * @example
 * ```ts
 * try {
 *   parseWwwAuthenticate('Bearer abc def')
 * } catch (error) {
 *   if (error instanceof WwwAuthenticateParseError) console.log(error.code, error.offset)
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export class WwwAuthenticateParseError extends WwwAuthenticateError {
  /** `'ERR_WWW_AUTHENTICATE_MALFORMED'`, the `code` of every instance. */
  static readonly code: 'ERR_WWW_AUTHENTICATE_MALFORMED' = 'ERR_WWW_AUTHENTICATE_MALFORMED'
  override readonly name: string = 'WwwAuthenticateParseError'
  readonly code: 'ERR_WWW_AUTHENTICATE_MALFORMED' = WwwAuthenticateParseError.code
  /**
   * Index of the offending character; for several field lines, an index into the lines joined
   * with `", "` (the value `Headers.get()` returns).
   */
  readonly offset: number

  constructor(message: string, offset: number, options?: { cause?: unknown }) {
    super(message, options)
    this.offset = offset
  }
}
