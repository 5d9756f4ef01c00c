/** The `code` of every {@link WwwAuthenticateParseError}. */
export type WwwAuthenticateErrorCode = 'ERR_WWW_AUTHENTICATE_PARSE'

/**
 * Thrown when an untrusted `WWW-Authenticate` or `Authorization` value (or a `claims` challenge)
 * does not match its grammar; the message never repeats the input.
 *
 * @example
 * try {
 *   parseWwwAuthenticate('Bearer abc def')
 * } catch (error) {
 *   if (error instanceof WwwAuthenticateParseError) console.log(error.code, error.offset)
 * }
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export class WwwAuthenticateParseError extends Error {
  override readonly name: string = 'WwwAuthenticateParseError'
  /** Always `'ERR_WWW_AUTHENTICATE_PARSE'`. */
  readonly code: WwwAuthenticateErrorCode = 'ERR_WWW_AUTHENTICATE_PARSE'
  /**
   * Index of the offending character; for several field lines, an index into the lines joined
   * with `", "` (the value `Headers.get()` returns).
   */
  readonly offset: number

  constructor(message: string, offset: number, options?: ErrorOptions) {
    super(message, options)
    this.offset = offset
  }
}

/** A caller mistake: a `TypeError` carrying a Node-style `code`. */
export function argumentError(
  message: string,
  code: 'ERR_INVALID_ARG_VALUE' | 'ERR_INVALID_ARG_TYPE' = 'ERR_INVALID_ARG_VALUE',
): TypeError {
  return Object.assign(new TypeError(message), { code })
}
