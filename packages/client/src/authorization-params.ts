import { checkOptions, invalidArgument } from '@stepup/internal'
import { canonicalJson } from '@stepup/internal/step-up'
import { isScopeToken } from '@stepup/www-authenticate'
import { type AuthorizationDetail, checkAuthorizationDetails } from './authorization-details.js'
import type { StepUpChallenge } from './challenge.js'

const PARAMS_OPTIONS = new Set(['currentScope', 'authorizationDetails', 'mode'])

/**
 * The parameters {@link buildStepUpAuthorizationParams} returns for the next authorization request
 * (or PAR body), under their wire names, as strings.
 *
 * @example
 * ```ts
 * const params = buildStepUpAuthorizationParams(challenge) // { acr_values: 'urn:bank:mfa', max_age: '0', prompt: 'login' }
 * const url = new URL(`https://as.example.com/authorize?${new URLSearchParams(params)}`)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export type StepUpAuthorizationParams = {
  /** The acceptable ACR values, space-separated, most preferred first (RFC 9470 §4). */
  acr_values?: string
  /** The allowed seconds since the last active authentication, as a decimal string. */
  max_age?: string
  /** `login` when `max_age` is 0: the user must authenticate now (OIDC Core §3.1.2.1). */
  prompt?: 'login'
  /** The scope held plus the scope the resource names, space-separated. */
  scope?: string
  /** An OIDC claims request (JSON): `mode: 'claims'`, or Entra's `insufficient_claims`. */
  claims?: string
  /** RFC 9396 authorization details as a JSON array. */
  authorization_details?: string
}

const WHERE = 'buildStepUpAuthorizationParams'

function tokens(
  name: string,
  list: readonly string[] | undefined,
  where: string = WHERE,
): readonly string[] {
  if (list !== undefined && !Array.isArray(list)) {
    throw invalidArgument(`${where}: ${name} must be a space-separated string or a list of strings`)
  }
  for (const t of list ?? []) {
    if (typeof t !== 'string' || !isScopeToken(t)) {
      throw invalidArgument(
        `${where}: ${name} holds ${JSON.stringify(String(t).slice(0, 64))}, which is not a scope token or ACR value (1*NQCHAR, RFC 6749 §3.3)`,
      )
    }
  }
  return list ?? []
}

/** @internal The scope tokens of a space-separated string or a list, checked. */
export function scopeTokens(
  name: string,
  scope: string | readonly string[] | undefined,
  where: string = WHERE,
): readonly string[] {
  return tokens(name, typeof scope === 'string' ? scope.split(' ').filter(Boolean) : scope, where)
}

function details(name: string, list: unknown): AuthorizationDetail[] {
  if (list === undefined) return []
  const checked = checkAuthorizationDetails(list, name)
  if (!checked.ok) throw invalidArgument(`${WHERE}: ${checked.reason}`)
  return checked.details
}

/**
 * Builds the parameters of the authorization request that answers a step-up challenge.
 *
 * `acr_values` keeps the challenge's order (space-joined), `max_age` is sent as given and
 * `prompt=login` is added when it is 0, `scope` is the union of `currentScope` and the
 * challenge's scope (current first, no duplicates: a step-up never drops a scope the client
 * holds), and Entra's `insufficient_claims` becomes `claims`. `authorization_details` is
 * `options.authorizationDetails` followed by the details the challenge names (from its JSON body,
 * read by {@link readStepUpChallenge} with `body`), each once. `use_dpop_nonce` is not answered
 * by an authorization request and is refused. Bad input throws a `TypeError`
 * (`ERR_INVALID_ARG_VALUE`) that says which value and why.
 *
 * @example
 * ```ts
 * const url = new URL(as.authorization_endpoint!)
 * for (const [k, v] of Object.entries(buildStepUpAuthorizationParams(challenge))) {
 *   url.searchParams.set(k, v)
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimsParameter
 */
export function buildStepUpAuthorizationParams(
  challenge: StepUpChallenge,
  options: {
    /** The scope the client already holds (space-separated or a list); kept first in `scope`. */
    readonly currentScope?: string | readonly string[]
    /**
     * RFC 9396 authorization details to send again, serialised to `authorization_details` before
     * those the challenge names (checked as `@stepup/rar`'s `encodeAuthorizationDetails` does).
     */
    readonly authorizationDetails?: readonly AuthorizationDetail[]
    /**
     * How to ask for the ACR: `acr_values` (default, RFC 9470 §4) or an OIDC `claims` parameter
     * with an essential `acr`, which makes the authorization server fail rather than downgrade
     * (`openid` is then added to `scope`: OIDC Core §5.5 defines `claims` for OpenID requests).
     * Never both: OIDC leaves their combination unspecified.
     */
    readonly mode?: 'acr_values' | 'claims'
  } = {},
): StepUpAuthorizationParams {
  checkOptions(options, PARAMS_OPTIONS, WHERE)
  const { currentScope, authorizationDetails, mode = 'acr_values' } = options
  if (mode !== 'acr_values' && mode !== 'claims') {
    throw invalidArgument(`${WHERE}: mode must be "acr_values" or "claims"`)
  }
  const out: StepUpAuthorizationParams = {}
  const kind = challenge?.kind
  let named: unknown
  if (kind === 'step_up') {
    const acr = tokens('acr_values', challenge.acr_values)
    if (acr.length > 0) {
      if (mode === 'claims') {
        out.claims = JSON.stringify({ id_token: { acr: { essential: true, values: acr } } })
      } else out.acr_values = acr.join(' ')
    }
    const maxAge = challenge.max_age
    if (maxAge !== undefined) {
      if (!Number.isSafeInteger(maxAge) || maxAge < 0) {
        throw invalidArgument(
          `${WHERE}: max_age ${maxAge} is not a non-negative integer (RFC 9470 §3)`,
        )
      }
      out.max_age = `${maxAge}`
      if (maxAge === 0) out.prompt = 'login'
    }
    named = challenge.authorization_details
  } else if (kind === 'insufficient_claims') {
    if (typeof challenge.claims !== 'string' || challenge.claims === '') {
      throw invalidArgument(`${WHERE}: an insufficient_claims challenge needs its decoded claims`)
    }
    out.claims = challenge.claims
  } else if (kind === 'insufficient_authorization_details') {
    named = challenge.authorization_details
  } else if (kind !== 'insufficient_scope') {
    throw invalidArgument(
      kind === 'use_dpop_nonce'
        ? `${WHERE}: a use_dpop_nonce challenge is answered with a new DPoP proof (RFC 9449 §9), not an authorization request`
        : `${WHERE}: expected a challenge from readStepUpChallenge`,
    )
  }
  const scope = [
    ...new Set([...scopeTokens('currentScope', currentScope), ...tokens('scope', challenge.scope)]),
  ]
  // OIDC Core §5.5: the claims parameter is defined for OpenID requests, which need `openid`.
  if (mode === 'claims' && kind === 'step_up' && out.claims && !scope.includes('openid')) {
    scope.unshift('openid')
  }
  if (scope.length > 0) out.scope = scope.join(' ')
  const seen = new Set<string>()
  const list: AuthorizationDetail[] = []
  for (const detail of [
    ...details('authorizationDetails', authorizationDetails),
    ...details('challenge.authorization_details', named),
  ]) {
    const key = canonicalJson(detail)
    if (!seen.has(key)) list.push(detail)
    seen.add(key)
  }
  if (list.length > 0) out.authorization_details = JSON.stringify(list)
  return out
}
