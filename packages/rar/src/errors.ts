/** One problem found in untrusted `authorization_details`, as the error's `issues` list them. */
export type AuthorizationDetailsIssue = AuthorizationDetailsError['issues'][number]

/**
 * The union of the stable `code`s of `@stepup/rar` errors.
 *
 * - `ERR_AUTHORIZATION_DETAILS_INVALID`: untrusted `authorization_details` are not valid JSON,
 *   not RFC 9396 objects, or break a registered type's rules (RFC 9396 §5).
 *
 * @example
 * ```ts
 * const result = createAuthorizationDetailsRegistry([]).safeParse('not json')
 * if (!result.success && result.error.code === 'ERR_AUTHORIZATION_DETAILS_INVALID') console.log(result.error.error) // 'invalid_authorization_details'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-5
 */
export type AuthorizationDetailsErrorCode = 'ERR_AUTHORIZATION_DETAILS_INVALID'

/**
 * Thrown when untrusted `authorization_details` are not valid, with the OAuth `error` to answer with.
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
  /** `'ERR_AUTHORIZATION_DETAILS_INVALID'`, the `code` of every instance. */
  static readonly code: 'ERR_AUTHORIZATION_DETAILS_INVALID' = 'ERR_AUTHORIZATION_DETAILS_INVALID'
  override readonly name: 'AuthorizationDetailsError' = 'AuthorizationDetailsError'
  /** Stable machine-readable code. */
  readonly code: AuthorizationDetailsErrorCode = AuthorizationDetailsError.code
  /** The OAuth error code to answer with (RFC 9396 §5). */
  readonly error: 'invalid_authorization_details' = 'invalid_authorization_details'
  /** Every problem found, in document order. */
  readonly issues: readonly {
    /** Path into the `authorization_details` array, e.g. `[0, 'actions']`; `[]` for the whole value. */
    readonly path: readonly (string | number)[]
    /** What is wrong, without echoing the offending value. */
    readonly message: string
  }[]

  constructor(
    issues: readonly { readonly path: readonly (string | number)[]; readonly message: string }[],
    options?: { cause?: unknown },
  ) {
    const first = issues[0]
    super(
      `Invalid authorization_details${first ? ` at [${first.path}]: ${first.message}` : ''}`,
      options,
    )
    this.issues = issues
  }
}

/** Shorthand for an error with one issue. */
export function invalid(
  message: string,
  path: readonly (string | number)[] = [],
): AuthorizationDetailsError {
  return new AuthorizationDetailsError([{ path, message }])
}
