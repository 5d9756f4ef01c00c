/** One problem found in untrusted `authorization_details`: where it is and what is wrong. */
export interface AuthorizationDetailsIssue {
  /** Path into the `authorization_details` array, e.g. `[0, 'actions']`; `[]` for the whole value. */
  readonly path: readonly (string | number)[]
  /** What is wrong, without echoing the offending value. */
  readonly message: string
}

/** The stable error codes of `@stepup/rar` errors. */
export type AuthorizationDetailsErrorCode = 'ERR_INVALID_AUTHORIZATION_DETAILS'

/**
 * Thrown when untrusted `authorization_details` is not valid; `error` is the OAuth error to return.
 *
 * @example
 * ```ts
 * try {
 *   registry.parse(form.get('authorization_details'))
 * } catch (e) {
 *   if (e instanceof AuthorizationDetailsError) return Response.json({ error: e.error }, { status: 400 })
 *   throw e
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-5
 */
export class AuthorizationDetailsError extends Error {
  override readonly name: 'AuthorizationDetailsError' = 'AuthorizationDetailsError'
  /** Stable machine-readable code. */
  readonly code: AuthorizationDetailsErrorCode = 'ERR_INVALID_AUTHORIZATION_DETAILS'
  /** The OAuth error code to answer with (RFC 9396 §5). */
  readonly error: 'invalid_authorization_details' = 'invalid_authorization_details'
  /** Every problem found, in document order. */
  readonly issues: readonly AuthorizationDetailsIssue[]

  constructor(issues: readonly AuthorizationDetailsIssue[]) {
    const first = issues[0]
    super(`Invalid authorization_details${first ? ` at [${first.path}]: ${first.message}` : ''}`)
    this.issues = issues
  }
}

/** Builds the `TypeError` thrown for caller mistakes. */
export function invalidArgument(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' as const })
}

/** Shorthand for an error with one issue. */
export function invalid(
  message: string,
  path: readonly (string | number)[] = [],
): AuthorizationDetailsError {
  return new AuthorizationDetailsError([{ path, message }])
}
