/**
 * The union of the `code`s on the `TypeError`s this package throws for a bad definition or argument.
 *
 * They are thrown when a registry or preset is created, never for untrusted input.
 *
 * - `ERR_INVALID_ARG_TYPE`: an argument has the wrong JavaScript type.
 * - `ERR_UNKNOWN_OPTION`: an option, definition or `amr` rule has a key this package does not
 *   know (a typo such as `satisfy`); the message names the nearest known key.
 * - `ERR_INVALID_ARG_VALUE`: a definition or argument is malformed.
 * - `ERR_ACR_DUPLICATE`: a value or alias is defined twice (a built-in included).
 * - `ERR_ACR_UNKNOWN_REFERENCE`: `satisfies` names a value that is not defined.
 * - `ERR_ACR_CYCLE`: the `satisfies` relations form a cycle.
 *
 * @example
 * ```ts
 * try {
 *   createAcrRegistry([{ value: 'a', satisfies: ['b'] }])
 * } catch (error) {
 *   ;(error as AcrRegistryTypeError).code // 'ERR_ACR_UNKNOWN_REFERENCE'
 * }
 * ```
 */
export type AcrRegistryErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_UNKNOWN_OPTION'
  | 'ERR_ACR_DUPLICATE'
  | 'ERR_ACR_UNKNOWN_REFERENCE'
  | 'ERR_ACR_CYCLE'

/**
 * The `TypeError` thrown for a caller mistake, with a stable Node-style `code`.
 *
 * @example
 * ```ts
 * const error = (() => {
 *   try {
 *     createAcrRegistry([{ value: 'phr' }])
 *   } catch (e) {
 *     return e as AcrRegistryTypeError
 *   }
 * })()
 * error?.code // 'ERR_ACR_DUPLICATE'
 * ```
 */
export interface AcrRegistryTypeError extends TypeError {
  readonly code: AcrRegistryErrorCode
}
