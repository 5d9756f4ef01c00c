import { checkOptions, invalidArgument } from '@stepup/internal'
import {
  decodeClaimsChallenge,
  isScopeToken,
  parseOAuthChallenge,
  safeParseWwwAuthenticate,
  type WwwAuthenticateChallenge,
} from '@stepup/www-authenticate'
import {
  type AuthorizationDetail,
  canonicalJson,
  checkAuthorizationDetails,
} from './authorization-details.js'
import { StepUpError } from './errors.js'

/**
 * The fields every {@link StepUpChallenge} carries, whatever its `kind`.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.resource_metadata) console.log(challenge.scheme, challenge.scope, challenge.raw.params)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface StepUpChallengeBase {
  /** The authentication scheme, lower-cased: `bearer` or `dpop`. */
  readonly scheme: 'bearer' | 'dpop'
  /**
   * RFC 9728 `resource_metadata`: where to discover the authorization servers of the resource;
   * an `https:` URL, or `http:` on loopback (development).
   */
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
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'step_up') console.log(challenge.acr_values, challenge.max_age)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpAuthenticationChallenge extends StepUpChallengeBase {
  /** The kind: `insufficient_user_authentication`. */
  readonly kind: 'step_up'
  /** Acceptable ACR values in order of preference; one of them is required. */
  readonly acr_values?: readonly string[]
  /** Allowed seconds since the last active authentication. */
  readonly max_age?: number
  /**
   * Authorization details the token must also cover, named by the JSON error body; added by
   * {@link parseChallengeBody} (the header never carries them).
   */
  readonly authorization_details?: readonly AuthorizationDetail[]
}

/**
 * `insufficient_authorization_details`: the user authentication is sufficient, but the token's
 * RFC 9396 authorization details do not cover the request; the JSON error body names the details
 * to request (read them with {@link parseChallengeBody}).
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * const full = challenge && parseChallengeBody(challenge, response, await response.text())
 * if (full?.kind === 'insufficient_authorization_details') console.log(full.authorization_details)
 * ```
 * @see https://datatracker.ietf.org/doc/draft-zehavi-oauth-rar-metadata/
 */
export interface InsufficientAuthorizationDetailsChallenge extends StepUpChallengeBase {
  /** The kind: `insufficient_authorization_details`. */
  readonly kind: 'insufficient_authorization_details'
  /** The authorization details to request, from the JSON error body. */
  readonly authorization_details?: readonly AuthorizationDetail[]
}

/**
 * RFC 6750 `insufficient_scope`: the token lacks scope; `scope` says what is needed.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'insufficient_scope') console.log(challenge.scope)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface InsufficientScopeChallenge extends StepUpChallengeBase {
  /** The kind: `insufficient_scope`. */
  readonly kind: 'insufficient_scope'
}

/**
 * Microsoft Entra `insufficient_claims`: send `claims` as the authorization request parameter.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'insufficient_claims') url.searchParams.set('claims', challenge.claims)
 * ```
 * @see https://learn.microsoft.com/entra/identity-platform/claims-challenge
 */
export interface InsufficientClaimsChallenge extends StepUpChallengeBase {
  /** The kind: `insufficient_claims`. */
  readonly kind: 'insufficient_claims'
  /** The claims request, decoded from the challenge's base64 `claims` to JSON text. */
  readonly claims: string
}

/**
 * RFC 9449 `use_dpop_nonce`: retry with a DPoP proof that carries `nonce`.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response, { scheme: 'DPoP' })
 * if (challenge?.kind === 'use_dpop_nonce') retryWithNonce(challenge.nonce)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 */
export interface UseDpopNonceChallenge extends StepUpChallengeBase {
  /** The kind: `use_dpop_nonce`. */
  readonly kind: 'use_dpop_nonce'
  /** The `DPoP-Nonce` response header value. */
  readonly nonce: string
}

/**
 * The typed step-up signal {@link readStepUpChallenge} reads from a 401 or 403 response, one
 * variant per `kind`.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'step_up') await signInAgain(buildStepUpAuthorizationParams(challenge))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export type StepUpChallenge =
  | StepUpAuthenticationChallenge
  | InsufficientAuthorizationDetailsChallenge
  | InsufficientScopeChallenge
  | InsufficientClaimsChallenge
  | UseDpopNonceChallenge

/**
 * Which challenges {@link readStepUpChallenge} reads: by default `Bearer` and `DPoP`, or only the
 * scheme the token was sent with.
 *
 * @example
 * ```ts
 * readStepUpChallenge(response, { scheme: 'DPoP' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.2
 */
export interface ReadStepUpChallengeOptions {
  /** Only read challenges of this scheme (the scheme of the token you sent); default both. */
  readonly scheme?: 'Bearer' | 'DPoP'
}

const READ_OPTIONS = new Set(['scheme'])

type OAuthChallenge = ReturnType<typeof parseOAuthChallenge>

/**
 * The kinds, most preferred first: the user authentication, then what the token may do. A
 * challenge that asks for a new sign-in wins over one that asks only for more scope or details,
 * whatever their order in the header, since one new authorization request answers all of them.
 */
const KINDS: Record<string, StepUpChallenge['kind']> = {
  insufficient_user_authentication: 'step_up',
  insufficient_claims: 'insufficient_claims',
  insufficient_authorization_details: 'insufficient_authorization_details',
  insufficient_scope: 'insufficient_scope',
  use_dpop_nonce: 'use_dpop_nonce',
}
const RANK: Record<string, number> = Object.fromEntries(
  Object.values(KINDS).map((kind, rank) => [kind, rank]),
)

const FIELDS = ['resource_metadata', 'realm', 'error_description', 'scope']

/** What each parameter must be, for the message when the server sent something else. */
const SYNTAX: Record<string, string> = {
  max_age: 'is not a non-negative integer (RFC 9470 §3)',
  acr_values: 'is not a list of ACR values separated by single spaces (RFC 9470 §3)',
  scope: 'is not a list of scope tokens separated by single spaces (RFC 6750 §3)',
}

const quote = (value: string): string =>
  JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value)

function invalidChallenge(
  reason: string,
  response: Response,
  challenge?: StepUpChallenge,
): StepUpError {
  return new StepUpError('ERR_CHALLENGE_INVALID', `the server's ${reason}`, {
    challenge,
    response,
  })
}

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
 * Every `Bearer` and `DPoP` challenge of the response is read (all `WWW-Authenticate` field
 * lines, as `Headers.get()` joins them), and the most preferred one wins, whatever the header
 * order: `insufficient_user_authentication`, then `insufficient_claims`,
 * `insufficient_authorization_details`, `insufficient_scope`, and `use_dpop_nonce` (on 401, with
 * a valid `DPoP-Nonce` header). Any other status, a missing or malformed `WWW-Authenticate`, and
 * `invalid_token` give `undefined`.
 *
 * The winning challenge must be usable as sent: a `max_age`, `acr_values` or `scope` that breaks
 * its syntax, or an `insufficient_claims` whose `claims` does not decode, throws a
 * {@link StepUpError} with code `ERR_CHALLENGE_INVALID` saying which, so nobody is sent to sign in
 * for a requirement that cannot be met. (`realm`, `error_description` and a `resource_metadata`
 * that is neither an `https:` URL nor, for development, an `http:` URL on loopback — `localhost`,
 * `127.0.0.1`, `[::1]` — are informational: left out, never an error.) The JSON body, with the
 * `authorization_details` to request, is read by {@link parseChallengeBody}.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'step_up') redirectToLogin(buildStepUpAuthorizationParams(challenge))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function readStepUpChallenge(
  response: Response,
  options: ReadStepUpChallengeOptions = {},
): StepUpChallenge | undefined {
  checkOptions(options, READ_OPTIONS, 'readStepUpChallenge')
  const scheme = options.scheme
  if (scheme !== undefined && scheme !== 'Bearer' && scheme !== 'DPoP') {
    throw invalidArgument('readStepUpChallenge: scheme must be "Bearer" or "DPoP"')
  }
  let best: [kind: StepUpChallenge['kind'], OAuthChallenge, WwwAuthenticateChallenge] | undefined
  for (const [c, raw] of readOAuthChallenges(response, scheme)) {
    const kind = c.error !== undefined && Object.hasOwn(KINDS, c.error) ? KINDS[c.error] : undefined
    if (kind === undefined || (best && RANK[best[0]]! <= RANK[kind]!)) continue
    if (
      kind === 'use_dpop_nonce' &&
      (response.status !== 401 ||
        c.scheme !== 'dpop' ||
        !isScopeToken(response.headers.get('dpop-nonce') ?? ''))
    ) {
      continue
    }
    best = [kind, c, raw]
  }
  if (!best) return undefined
  const [kind, c, raw] = best
  const out: Record<string, unknown> = { kind, scheme: c.scheme, raw }
  const typed = c as unknown as Record<string, unknown>
  const names = kind === 'step_up' ? [...FIELDS, 'acr_values', 'max_age'] : FIELDS
  for (const name of names) {
    if (typed[name] !== undefined) out[name] = typed[name]
    else if (c.invalid.includes(name) && Object.hasOwn(SYNTAX, name)) {
      throw invalidChallenge(`${name} ${quote(c.params[name]!)} ${SYNTAX[name]}`, response)
    }
  }
  if (kind === 'insufficient_claims') {
    const claims = c.claims === undefined ? undefined : decodeClaims(c.claims)
    if (claims === undefined) {
      throw invalidChallenge(
        'insufficient_claims challenge has no claims parameter holding base64-encoded JSON',
        response,
      )
    }
    out.claims = claims
  } else if (kind === 'use_dpop_nonce') {
    out.nonce = response.headers.get('dpop-nonce')
  }
  return out as unknown as StepUpChallenge
}

/** The most bytes of a challenge's JSON error body that are read (as `@stepup/rar`'s limit). */
export const MAX_CHALLENGE_BODY = 65536

const encoder = /*#__PURE__*/ new TextEncoder()

function isJson(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

/**
 * Adds to a challenge what its JSON error body says: the `authorization_details` to request.
 *
 * The body counts when it is JSON (`application/json` or `+json`, at most 64 KiB) and its `error`
 * is the challenge's. On `insufficient_user_authentication` its `authorization_details`, when
 * present, are added to the challenge, so one new authorization request fixes the user
 * authentication and the details together; on `insufficient_authorization_details` they are
 * required. Details that break RFC 9396 §2 (not an array of objects with a non-empty string
 * `type`, …), or an `insufficient_authorization_details` without them, throw a
 * {@link StepUpError} with code `ERR_CHALLENGE_INVALID`. Other kinds are returned unchanged.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * const full = challenge && parseChallengeBody(challenge, response, await response.text())
 * ```
 * @see https://datatracker.ietf.org/doc/draft-zehavi-oauth-rar-metadata/
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export function parseChallengeBody(
  challenge: StepUpChallenge,
  response: Response,
  body: string | null,
): StepUpChallenge {
  const kind = challenge?.kind
  if (kind !== 'step_up' && kind !== 'insufficient_authorization_details') return challenge
  let json: unknown
  if (
    typeof body === 'string' &&
    isJson(response.headers.get('content-type')) &&
    (body.length * 3 <= MAX_CHALLENGE_BODY || encoder.encode(body).length <= MAX_CHALLENGE_BODY)
  ) {
    try {
      json = JSON.parse(body)
    } catch {}
  }
  const error = challenge.raw.params.error
  const named =
    typeof json === 'object' && json !== null && (json as { error?: unknown }).error === error
      ? (json as { authorization_details?: unknown }).authorization_details
      : undefined
  if (named === undefined) {
    if (kind === 'step_up') return challenge
    throw invalidChallenge(
      'insufficient_authorization_details came without a JSON body { "error": "insufficient_authorization_details", "authorization_details": [ … ] } naming the details to request',
      response,
      challenge,
    )
  }
  const checked = checkAuthorizationDetails(named, 'authorization_details')
  if (!checked.ok) throw invalidChallenge(checked.reason, response, challenge)
  if (checked.details.length === 0) {
    if (kind === 'step_up') return challenge
    throw invalidChallenge(
      'insufficient_authorization_details names no authorization_details to request',
      response,
      challenge,
    )
  }
  return { ...challenge, authorization_details: checked.details }
}

/**
 * A stable identity of a challenge — what the client must obtain, ignoring `realm`, the
 * description and the raw header — for single flight and loop detection. Object members are
 * compared whatever their order, at every level (`authorization_details` included).
 *
 * @example
 * ```ts
 * const same = challengeKey(first) === challengeKey(second)
 * ```
 */
export function challengeKey(c: StepUpChallenge): string {
  const { raw: _raw, realm: _realm, error_description: _description, ...rest } = c
  return canonicalJson(rest)
}
