import { invalidArgument } from '@stepup/internal'
import type { AuthorizationDetail } from './detail-type.js'
import { AuthorizationDetailsError, type AuthorizationDetailsIssue } from './errors.js'
import { copyJson } from './json.js'
import { checkStructure } from './structure.js'

const ENCODE_LIMITS = { maxDetails: 2 ** 31, maxBytes: 2 ** 31, maxDepth: 1000 }

/**
 * Serialises authorization details to the JSON text sent as the `authorization_details`
 * request parameter; `URLSearchParams` then applies the form encoding.
 *
 * Refuses (with a `TypeError`) anything that is not an array of objects with a non-empty string
 * `type` and well-typed common fields, or that JSON cannot carry losslessly. The output never
 * contains raw control characters: JSON escapes them inside strings.
 *
 * @example
 * ```ts
 * const body = new URLSearchParams({ response_type: 'code', client_id: 's6BhdRkqt3' })
 * body.set('authorization_details', encodeAuthorizationDetails([{ type: 'account_information', actions: ['list_accounts'] }]))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-3
 */
export function encodeAuthorizationDetails(details: readonly AuthorizationDetail[]): string {
  const issues: AuthorizationDetailsIssue[] = []
  try {
    const value = copyJson(details, ENCODE_LIMITS)
    if (checkStructure(value, issues)) return JSON.stringify(value)
    throw new AuthorizationDetailsError(issues)
  } catch (error) {
    throw error instanceof AuthorizationDetailsError
      ? invalidArgument(error.message, { cause: error })
      : error
  }
}
