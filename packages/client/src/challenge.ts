import { checkOptions, invalidArgument } from '@stepup/internal'
import {
  decodeClaimsChallenge,
  isScopeToken,
  parseOAuthChallenge,
  safeParseWwwAuthenticate,
  type WwwAuthenticateChallenge,
} from '@stepup/www-authenticate'
import { type AuthorizationDetail, checkAuthorizationDetails } from './authorization-details.js'
import { StepUpError } from './errors.js'

/**
 * The fields every step-up challenge carries, whatever its `kind`.
 *
 * @inline
 */
interface ChallengeFields {
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
 * RFC 9470 `insufficient_user_authentication`.
 *
 * @inline
 */
interface StepUpAuthenticationChallenge extends ChallengeFields {
  /**
   * `step_up`: RFC 9470 `insufficient_user_authentication`, authenticate again, stronger or more
   * recently.
   */
  readonly kind: 'step_up'
  /** Acceptable ACR values in order of preference; one of them is required. */
  readonly acr_values?: readonly string[]
  /** Allowed seconds since the last active authentication. */
  readonly max_age?: number
  /**
   * Authorization details the token must also cover, named by the JSON error body (the header
   * never carries them); read when {@link readStepUpChallenge} is given the `body`.
   */
  readonly authorization_details?: readonly AuthorizationDetail[]
}

/**
 * draft-zehavi-oauth-rar-metadata `insufficient_authorization_details`.
 *
 * @inline
 */
interface InsufficientAuthorizationDetailsChallenge extends ChallengeFields {
  /**
   * `insufficient_authorization_details`: the user authentication is sufficient, but the token's
   * RFC 9396 authorization details do not cover the request; the JSON error body names the
   * details to request.
   */
  readonly kind: 'insufficient_authorization_details'
  /**
   * The authorization details to request, from the JSON error body; read when
   * {@link readStepUpChallenge} is given the `body`.
   */
  readonly authorization_details?: readonly AuthorizationDetail[]
}

/**
 * RFC 6750 `insufficient_scope`.
 *
 * @inline
 */
interface InsufficientScopeChallenge extends ChallengeFields {
  /** `insufficient_scope` (RFC 6750 §3.1): the token lacks scope; `scope` says what is needed. */
  readonly kind: 'insufficient_scope'
}

/**
 * Microsoft Entra `insufficient_claims`.
 *
 * @inline
 */
interface InsufficientClaimsChallenge extends ChallengeFields {
  /**
   * `insufficient_claims` (Microsoft Entra): send `claims` as the authorization request
   * parameter.
   */
  readonly kind: 'insufficient_claims'
  /** The claims request, decoded from the challenge's base64 `claims` to JSON text. */
  readonly claims: string
}

/**
 * RFC 9449 `use_dpop_nonce`.
 *
 * @inline
 */
interface UseDpopNonceChallenge extends ChallengeFields {
  /** `use_dpop_nonce` (RFC 9449 §9): retry with a DPoP proof that carries `nonce`. */
  readonly kind: 'use_dpop_nonce'
  /** The `DPoP-Nonce` response header value. */
  readonly nonce: string
}

/**
 * The typed step-up signal {@link readStepUpChallenge} reads from a 401 or 403 response, one
 * variant per `kind`; narrow it by `kind` (`Extract<StepUpChallenge, { kind: 'step_up' }>` names
 * one variant).
 *
 * - `step_up`: RFC 9470 `insufficient_user_authentication`, with `acr_values`, `max_age` and the
 *   `authorization_details` of the JSON body.
 * - `insufficient_authorization_details`: the token's RFC 9396 authorization details do not cover
 *   the request; `authorization_details` (from the JSON body) names those to request.
 * - `insufficient_scope`: RFC 6750, `scope` says what is needed.
 * - `insufficient_claims`: Microsoft Entra, with the decoded `claims` request.
 * - `use_dpop_nonce`: RFC 9449 §9, with the `nonce` to put in the next DPoP proof.
 *
 * Every variant carries `scheme`, `raw` and, when sent and valid, `resource_metadata`, `realm`,
 * `error_description` and `scope`.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'step_up') await signInAgain(buildStepUpAuthorizationParams(challenge))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9
 * @see https://datatracker.ietf.org/doc/draft-zehavi-oauth-rar-metadata/
 * @see https://learn.microsoft.com/entra/identity-platform/claims-challenge
 */
export type StepUpChallenge =
  | StepUpAuthenticationChallenge
  | InsufficientAuthorizationDetailsChallenge
  | InsufficientScopeChallenge
  | InsufficientClaimsChallenge
  | UseDpopNonceChallenge

const READ_OPTIONS = new Set(['scheme', 'body'])

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
 * `127.0.0.1`, `[::1]` — are informational: left out, never an error.)
 *
 * With `options.body`, the response's body text, the challenge's JSON error body is read too
 * (draft-zehavi-oauth-rar-metadata): when it is JSON (`application/json` or `+json`, at most
 * 64 KiB) and its `error` is the challenge's, its `authorization_details` are added to a
 * `step_up` challenge, so one new authorization request fixes the user authentication and the
 * details together, and are required on `insufficient_authorization_details`. Details that break
 * RFC 9396 §2 (not an array of objects with a non-empty string `type`, …), or an
 * `insufficient_authorization_details` without them, throw `ERR_CHALLENGE_INVALID` too. Other
 * kinds ignore the body.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.kind === 'step_up') redirectToLogin(buildStepUpAuthorizationParams(challenge))
 * ```
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response, { body: await response.text() })
 * if (challenge?.kind === 'insufficient_authorization_details') console.log(challenge.authorization_details)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 * @see https://datatracker.ietf.org/doc/draft-zehavi-oauth-rar-metadata/
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export function readStepUpChallenge(
  response: Response,
  options: {
    /**
     * Only read challenges of this scheme (the scheme of the token you sent, RFC 9449 §7.2);
     * default both.
     */
    readonly scheme?: 'Bearer' | 'DPoP'
    /**
     * The response's body text (`await response.text()`): read the `authorization_details` its
     * JSON error body names. Default: the body is not read.
     */
    readonly body?: string
  } = {},
): StepUpChallenge | undefined {
  checkOptions(options, READ_OPTIONS, 'readStepUpChallenge')
  const { scheme, body } = options
  if (scheme !== undefined && scheme !== 'Bearer' && scheme !== 'DPoP') {
    throw invalidArgument('readStepUpChallenge: scheme must be "Bearer" or "DPoP"')
  }
  if (body !== undefined && typeof body !== 'string') {
    throw invalidArgument('readStepUpChallenge: body must be the response body as a string', {
      code: 'ERR_INVALID_ARG_TYPE',
    })
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
  const challenge = out as unknown as StepUpChallenge
  return body === undefined ? challenge : parseChallengeBody(challenge, response, body)
}

/** The most bytes of a challenge's JSON error body that are read (as `@stepup/rar`'s limit). */
export const MAX_CHALLENGE_BODY = 65536

const encoder = /*#__PURE__*/ new TextEncoder()

function isJson(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

/**
 * @internal Adds to a challenge what its JSON error body says: the `authorization_details` to
 * request ({@link readStepUpChallenge} with `body`, and the step-up fetch).
 *
 * The body counts when it is JSON (`application/json` or `+json`, at most 64 KiB) and its `error`
 * is the challenge's. On `insufficient_user_authentication` its `authorization_details`, when
 * present, are added to the challenge, so one new authorization request fixes the user
 * authentication and the details together; on `insufficient_authorization_details` they are
 * required. Details that break RFC 9396 §2 (not an array of objects with a non-empty string
 * `type`, …), or an `insufficient_authorization_details` without them, throw a
 * {@link StepUpError} with code `ERR_CHALLENGE_INVALID`. Other kinds are returned unchanged.
 *
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
