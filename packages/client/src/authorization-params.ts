import type { StepUpChallenge } from './challenge.js'
import { invalidArg, NQCHARS } from './invalid-arg.js'

/**
 * One RFC 9396 authorization details object: a `type` and type-specific members.
 *
 * @example
 * const detail: AuthorizationDetail = { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '123.50' } }
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export interface AuthorizationDetail {
  readonly type: string
  readonly [member: string]: unknown
}

/**
 * Options of {@link buildStepUpAuthorizationParams}.
 *
 * @example
 * const options: StepUpAuthorizationParamsOptions = { currentScope: 'openid accounts', mode: 'claims' }
 * @see https://openid.net/specs/openid-connect-core-1_0.html#acrSemantics
 */
export interface StepUpAuthorizationParamsOptions {
  /** The scope the client already holds (space-separated or a list); kept first in `scope`. */
  readonly currentScope?: string | readonly string[]
  /** RFC 9396 authorization details to send again, serialised to `authorization_details`. */
  readonly authorizationDetails?: readonly AuthorizationDetail[]
  /**
   * How to ask for the ACR: `acr_values` (default, RFC 9470 §4) or an OIDC `claims` parameter
   * with an essential `acr`, which makes the authorization server fail rather than downgrade.
   * Never both: OIDC leaves their combination unspecified.
   */
  readonly mode?: 'acr_values' | 'claims'
}

/**
 * Parameters to add to the next authorization request (or PAR body); wire names, string values.
 *
 * @example
 * const params: StepUpAuthorizationParams = { acr_values: 'urn:bank:mfa', max_age: '0', prompt: 'login' }
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export type StepUpAuthorizationParams = {
  acr_values?: string
  max_age?: string
  prompt?: 'login'
  scope?: string
  claims?: string
  authorization_details?: string
}

function tokens(name: string, list: readonly string[] | undefined): readonly string[] {
  for (const t of list ?? []) {
    if (typeof t !== 'string' || !NQCHARS.test(t))
      throw invalidArg(`${name} holds an invalid value`)
  }
  return list ?? []
}

/**
 * Builds the parameters of the authorization request that answers a step-up challenge.
 *
 * `acr_values` keeps the challenge's order (space-joined), `max_age` is sent as given and
 * `prompt=login` is added when it is 0, `scope` is the union of `currentScope` and the
 * challenge's scope (current first, no duplicates), and Entra's `insufficient_claims` becomes
 * `claims`. `use_dpop_nonce` is not answered by an authorization request and is refused.
 *
 * @example
 * ```ts
 * const url = new URL(as.authorization_endpoint!)
 * for (const [k, v] of Object.entries(buildStepUpAuthorizationParams(challenge))) {
 *   url.searchParams.set(k, v)
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export function buildStepUpAuthorizationParams(
  challenge: StepUpChallenge,
  options: StepUpAuthorizationParamsOptions = {},
): StepUpAuthorizationParams {
  const { currentScope, authorizationDetails, mode = 'acr_values' } = options
  if (mode !== 'acr_values' && mode !== 'claims')
    throw invalidArg('mode must be acr_values or claims')
  const out: StepUpAuthorizationParams = {}
  const kind = challenge?.kind
  if (kind === 'step_up') {
    const acr = tokens('acr_values', challenge.acr_values)
    if (acr.length > 0) {
      if (mode === 'claims') {
        out.claims = JSON.stringify({ id_token: { acr: { essential: true, values: acr } } })
      } else out.acr_values = acr.join(' ')
    }
    const maxAge = challenge.max_age
    if (maxAge !== undefined) {
      if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw invalidArg('max_age is invalid')
      out.max_age = `${maxAge}`
      if (maxAge === 0) out.prompt = 'login'
    }
  } else if (kind === 'insufficient_claims') {
    if (typeof challenge.claims !== 'string') throw invalidArg('claims is invalid')
    out.claims = challenge.claims
  } else if (kind !== 'insufficient_scope') {
    throw invalidArg('this challenge is not answered by authorization')
  }
  const held =
    typeof currentScope === 'string' ? currentScope.split(' ').filter(Boolean) : currentScope
  const scope = [...new Set([...tokens('currentScope', held), ...tokens('scope', challenge.scope)])]
  if (scope.length > 0) out.scope = scope.join(' ')
  if (authorizationDetails !== undefined) {
    if (
      !Array.isArray(authorizationDetails) ||
      !authorizationDetails.every((d) => typeof d?.type === 'string')
    ) {
      throw invalidArg('authorizationDetails must be an array of { type }')
    }
    out.authorization_details = JSON.stringify(authorizationDetails)
  }
  return out
}
