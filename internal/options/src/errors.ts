/**
 * The one way a published package reports a caller mistake (a bad option, an impossible
 * definition, an argument of the wrong type): a `TypeError` with a Node-style `code`, thrown when
 * the factory or function is called, never for untrusted input.
 */

/** The codes Node.js itself uses for caller mistakes; a package may add its own (`ERR_ACR_CYCLE`). */
export type InvalidArgumentCode =
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_MISSING_ARGS'
  | 'ERR_INVALID_RETURN_VALUE'
  | 'ERR_UNKNOWN_OPTION'

/** What {@link invalidArgument} returns: a `TypeError` whose `code` is typed. */
export interface CodedTypeError<C extends string = InvalidArgumentCode> extends TypeError {
  readonly code: C
}

/**
 * The `TypeError` for a caller mistake: `message` says what is wrong, prefixed by the function or
 * factory it was given to (`createStepUpFetch: maxStepUps must be a positive integer`); `code`
 * defaults to `ERR_INVALID_ARG_VALUE`; `cause` is the underlying error, if any.
 */
export function invalidArgument<C extends string = 'ERR_INVALID_ARG_VALUE'>(
  message: string,
  options: { readonly code?: C; readonly cause?: unknown } = {},
): CodedTypeError<C> {
  const error =
    'cause' in options ? new TypeError(message, { cause: options.cause }) : new TypeError(message)
  return Object.assign(error, { code: options.code ?? ('ERR_INVALID_ARG_VALUE' as C) })
}
