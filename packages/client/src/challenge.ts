import {
  decodeClaimsChallenge,
  parseOAuthChallenge,
  safeParseWwwAuthenticate,
  type WwwAuthenticateChallenge,
} from '@stepup/www-authenticate'
import { NQCHARS } from './invalid-arg.js'

/**
 * What every typed challenge carries, whatever its kind.
 *
 * @example
 * const base: StepUpChallengeBase = { scheme: 'bearer', raw: { scheme: 'bearer', params: {} } }
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface StepUpChallengeBase {
  /** The authentication scheme, lower-cased: `bearer` or `dpop`. */
  readonly scheme: 'bearer' | 'dpop'
  /** RFC 9728 `resource_metadata`: where to discover the authorization servers of the resource. */
  readonly resource_metadata?: string
  /** The `realm` of the challenge. */
  readonly realm?: string
  /** The `error_description` of the challenge (for developers, not for end users). */
  readonly error_description?: string
  /** The `scope` tokens the resource asks for, in the order sent. */
  readonly scope?: readonly string[]
  /** The challenge exactly as parsed from `WWW-Authenticate`. */
  readonly raw: WwwAuthenticateChallenge
}

/**
 * RFC 9470 `insufficient_user_authentication`: authenticate again, stronger or more recently.
 *
 * @example
 * if (challenge.kind === 'step_up') console.log(challenge.acr_values, challenge.max_age)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpAuthenticationChallenge extends StepUpChallengeBase {
  readonly kind: 'step_up'
  /** Acceptable ACR values in order of preference; one of them is required. */
  readonly acr_values?: readonly string[]
  /** Allowed seconds since the last active authentication. */
  readonly max_age?: number
}

/**
 * RFC 6750 `insufficient_scope`: the token lacks scope; `scope` says what is needed.
 *
 * @example
 * if (challenge.kind === 'insufficient_scope') console.log(challenge.scope)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface InsufficientScopeChallenge extends StepUpChallengeBase {
  readonly kind: 'insufficient_scope'
}

/**
 * Microsoft Entra `insufficient_claims`: send `claims` as the authorization request parameter.
 *
 * @example
 * if (challenge.kind === 'insufficient_claims') url.searchParams.set('claims', challenge.claims)
 * @see https://learn.microsoft.com/entra/identity-platform/claims-challenge
 */
export interface InsufficientClaimsChallenge extends StepUpChallengeBase {
  readonly kind: 'insufficient_claims'
  /** The claims request, decoded from the challenge's base64 `claims` to JSON text. */
  readonly claims: string
}

/**
 * RFC 9449 `use_dpop_nonce`: retry with a DPoP proof that carries `nonce`.
 *
 * @example
 * if (challenge.kind === 'use_dpop_nonce') retryWithNonce(challenge.nonce)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export interface UseDpopNonceChallenge extends StepUpChallengeBase {
  readonly kind: 'use_dpop_nonce'
  /** The `DPoP-Nonce` response header value. */
  readonly nonce: string
}

/**
 * A typed step-up signal read from a response; switch on `kind`.
 *
 * @example
 * const challenge: StepUpChallenge | undefined = readStepUpChallenge(response)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export type StepUpChallenge =
  | StepUpAuthenticationChallenge
  | InsufficientScopeChallenge
  | InsufficientClaimsChallenge
  | UseDpopNonceChallenge

/**
 * Options of {@link readStepUpChallenge}.
 *
 * @example
 * readStepUpChallenge(response, { scheme: 'DPoP' })
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.2
 */
export interface ReadStepUpChallengeOptions {
  /** Only read challenges of this scheme (the scheme of the token you sent); default both. */
  readonly scheme?: 'Bearer' | 'DPoP'
}

type OAuthChallenge = ReturnType<typeof parseOAuthChallenge>

const KINDS: Record<string, StepUpChallenge['kind']> = {
  insufficient_user_authentication: 'step_up',
  insufficient_scope: 'insufficient_scope',
  insufficient_claims: 'insufficient_claims',
  use_dpop_nonce: 'use_dpop_nonce',
}

const FIELDS = ['resource_metadata', 'realm', 'error_description', 'scope']

/** @internal Typed OAuth challenges of a 401/403 response, optionally of one scheme. */
export function readOAuthChallenges(
  response: Response,
  scheme?: string,
): [OAuthChallenge, WwwAuthenticateChallenge][] {
  const value = response.headers.get('www-authenticate')
  if ((response.status !== 401 && response.status !== 403) || value === null) return []
  const parsed = safeParseWwwAuthenticate(value)
  if (!parsed.success) return []
  const wanted = scheme?.toLowerCase()
  const out: [OAuthChallenge, WwwAuthenticateChallenge][] = []
  for (const raw of parsed.data) {
    const s = raw.scheme.toLowerCase()
    if ((s === 'bearer' || s === 'dpop') && (!wanted || s === wanted)) {
      out.push([parseOAuthChallenge(raw), raw])
    }
  }
  return out
}

function decodeClaims(value: string): string | undefined {
  try {
    return JSON.stringify(decodeClaimsChallenge(value))
  } catch {
    return undefined
  }
}

/**
 * Reads the step-up signal of a 401 or 403 response, or `undefined` when there is none.
 *
 * The first `Bearer` or `DPoP` challenge whose `error` is `insufficient_user_authentication`,
 * `insufficient_scope`, `insufficient_claims` (with a decodable `claims`) or `use_dpop_nonce`
 * (on 401, with a valid `DPoP-Nonce` header) wins. Any other status, a missing or malformed
 * `WWW-Authenticate`, and `invalid_token` give `undefined`.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'step_up') redirectToLogin(buildStepUpAuthorizationParams(challenge))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export function readStepUpChallenge(
  response: Response,
  options: ReadStepUpChallengeOptions = {},
): StepUpChallenge | undefined {
  for (const [c, raw] of readOAuthChallenges(response, options.scheme)) {
    const kind = c.error !== undefined && Object.hasOwn(KINDS, c.error) ? KINDS[c.error] : undefined
    if (kind === undefined) continue
    const out: Record<string, unknown> = { kind, scheme: raw.scheme.toLowerCase(), raw }
    const typed = c as unknown as Record<string, unknown>
    for (const name of kind === 'step_up' ? [...FIELDS, 'acr_values', 'max_age'] : FIELDS) {
      if (typed[name] !== undefined) out[name] = typed[name]
    }
    if (kind === 'insufficient_claims') {
      const claims = c.claims === undefined ? undefined : decodeClaims(c.claims)
      if (claims === undefined) continue
      out.claims = claims
    } else if (kind === 'use_dpop_nonce') {
      const nonce = response.headers.get('dpop-nonce')
      if (response.status !== 401 || out.scheme !== 'dpop' || !nonce || !NQCHARS.test(nonce))
        continue
      out.nonce = nonce
    }
    return out as unknown as StepUpChallenge
  }
  return undefined
}

/**
 * A stable identity of a challenge — what the client must obtain, ignoring `realm`, the
 * description and the raw header — for single flight and loop detection.
 *
 * @example
 * ```ts
 * const same = challengeKey(first) === challengeKey(second)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function challengeKey(c: StepUpChallenge): string {
  const { raw: _raw, realm: _realm, error_description: _description, ...rest } = c
  return JSON.stringify(rest, Object.keys(rest).sort())
}
