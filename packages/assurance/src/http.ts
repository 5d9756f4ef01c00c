import type { AcrRegistry } from '@stepup/acr'
import { type ChallengeOptions, type ErrorResponse, toErrorResponse } from './challenge.js'
import type {
  AccessTokenClaims,
  AuthorizationDetail,
  AuthorizationDetailsRegistryLike,
} from './claims.js'
import { AccessTokenError, argumentError } from './errors.js'
import {
  type AssuranceReason,
  type AssuranceRequirement,
  checkRequirement,
  evaluateAssurance,
} from './evaluate.js'
import { extractAccessToken } from './extract.js'
import type { RiskAssessment, RiskPolicy } from './risk-policy.js'
import type { AccessTokenVerifier } from './verifier.js'

/**
 * A framework's request as the guard reads it: method, URL (absolute or path + query), the
 * headers (web `Headers`, or Node's `headersDistinct` so repeated lines are all seen) and the
 * parsed body, read only when needed.
 *
 * @example
 * ```ts
 * const view: HttpRequestView = { method: req.method, url: req.url, headers: req.headersDistinct, body: () => req.body }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export interface HttpRequestView {
  readonly method: string
  readonly url: string
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>
  /** The parsed body: an object for JSON or form bodies, anything else otherwise. */
  body(): unknown
}

/**
 * Decode a JSON or form body, read through `text()` only when the content type is one of those;
 * anything else, or text that does not parse, is `undefined`. Adapters whose framework does not
 * parse bodies use it for the `body()` of their {@link HttpRequestView}.
 *
 * @example
 * ```ts
 * const body = await readRequestBody(request.headers.get('content-type'), () => request.clone().text())
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 */
export async function readRequestBody(
  contentType: string | null | undefined,
  text: () => Promise<string>,
): Promise<unknown> {
  const type = contentType?.toLowerCase() ?? ''
  const form = type.startsWith('application/x-www-form-urlencoded')
  if (!form && !/^application\/([\w.+-]*\+)?json\b/.test(type)) return undefined
  try {
    const raw = await text()
    return form ? Object.fromEntries(new URLSearchParams(raw)) : (JSON.parse(raw) as unknown)
  } catch {
    return undefined
  }
}

const header = ({ headers: h }: HttpRequestView, name: string): string | undefined => {
  const v =
    typeof h.get === 'function' ? (h as Headers).get(name) : (h as Record<string, unknown>)[name]
  return Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : undefined
}

/**
 * What a route requires: a fixed requirement, a function of the request, or a risk policy.
 *
 * @example
 * ```ts
 * const source: RequirementSource<Request> = (req) => ({ max_age: req.method === 'DELETE' ? 0 : 300 })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type RequirementSource<R> = RequirementInput<R> | RiskPolicy

/**
 * A fixed requirement or a function of the request (the `requirement` option; policies go in
 * `policy`, so a function's parameter is typed from context).
 *
 * @example
 * ```ts
 * const input: RequirementInput<Request> = { acr_values: ['phr'], max_age: 300 }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type RequirementInput<R> =
  | AssuranceRequirement
  | ((request: R) => AssuranceRequirement | Promise<AssuranceRequirement>)

/**
 * What an adapter hands the route on success (`req.auth`): the verified claims, the token and
 * the decision (the requirement, the risk rules that fired, the result).
 *
 * @example
 * ```ts
 * const { claims, decision } = req.auth as StepUpAuth
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpAuth {
  readonly claims: AccessTokenClaims
  readonly token: string
  readonly decision: RiskAssessment
}

/**
 * Reported to `onDecision` for every request: the outcome, and for logs only the structured
 * `reasons`, the rules that `fired` and the verification failure in `cause`.
 *
 * @example
 * ```ts
 * const onDecision = (e: StepUpEvent) => e.status >= 500 && log.warn(e.cause)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-9
 */
export interface StepUpEvent {
  readonly ok: boolean
  readonly status: number
  readonly error?: string | undefined
  readonly reasons?: readonly AssuranceReason[] | undefined
  readonly fired?: readonly string[] | undefined
  readonly cause?: unknown
}

/**
 * Options shared by the Express, Fastify and fetch adapters.
 *
 * @example
 * ```ts
 * const options: StepUpGuardOptions<Request> = { verify: verifier, requirement: { acr_values: ['phr'] }, realm: 'bank' }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpGuardOptions<R> {
  /** A verifier, or a function resolving a token to its claims (anything it throws is a 401). */
  readonly verify: AccessTokenVerifier | ((token: string, request: R) => Promise<AccessTokenClaims>)
  readonly requirement?: RequirementInput<R> | undefined
  readonly policy?: RiskPolicy | undefined
  /** App-supplied risk signals for the policy (device, IP reputation, …). */
  readonly signals?:
    | ((request: R) => Record<string, unknown> | Promise<Record<string, unknown>>)
    | undefined
  readonly realm?: string | undefined
  /** The RFC 9728 metadata URL, added to every challenge. */
  readonly resourceMetadata?: string | undefined
  readonly acr?: AcrRegistry | undefined
  readonly authorizationDetails?: AuthorizationDetailsRegistryLike | undefined
  readonly clockTolerance?: number | undefined
  /** Accept the DPoP scheme: `algs` for challenges; `verifyProof` checks the proof, returning its key's `jkt`. */
  readonly dpop?:
    | {
        readonly algs: readonly string[]
        readonly verifyProof?: (
          proof: string | null,
          request: HttpRequestView,
          token: string,
        ) => Promise<string>
      }
    | undefined
  /** Add `Access-Control-Expose-Headers: WWW-Authenticate` so browsers can read challenges. */
  readonly exposeChallenge?: boolean | undefined
  readonly onDecision?: ((event: StepUpEvent) => void) | undefined
  /** Epoch seconds (default the system clock). */
  readonly now?: (() => number) | undefined
}

/**
 * The guard's answer: allow with {@link StepUpAuth}, or the response to send.
 *
 * @example
 * ```ts
 * const outcome: StepUpOutcome = await guard(view, req)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export type StepUpOutcome =
  | { readonly ok: true; readonly auth: StepUpAuth }
  | ({ readonly ok: false } & ErrorResponse)

/**
 * A request guard built by {@link createStepUpGuard}.
 *
 * @example
 * ```ts
 * const guard: StepUpGuard<Request> = createStepUpGuard({ verify })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type StepUpGuard<R> = (view: HttpRequestView, request: R) => Promise<StepUpOutcome>

const isPolicy = (v: unknown): v is RiskPolicy => typeof v === 'function' && 'decide' in v
const GENERIC = new AccessTokenError('ERR_TOKEN_MALFORMED', 'access token refused')

/**
 * Build the framework-neutral guard every adapter wraps: extract the token (RFC 6750 §2), check
 * a DPoP proof, verify, resolve the requirement or policy, evaluate, and render any failure
 * (challenge with `realm`, `resource_metadata`, DPoP `algs`; 503 without challenge when the
 * verifier is unavailable). Options are checked here, once.
 *
 * @example
 * ```ts
 * const guard = createStepUpGuard({ verify, requirement: { scope: ['accounts:read'] } })
 * const outcome = await guard(viewFetchRequest(request), request)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function createStepUpGuard<R>(options: StepUpGuardOptions<R>): StepUpGuard<R> {
  const { verify, policy, signals, dpop, onDecision, now } = options
  const requirement: RequirementSource<R> = policy ?? options.requirement ?? {}
  const verifier = typeof verify === 'function' ? undefined : verify
  if (typeof verify !== 'function' && typeof verify?.verify !== 'function') {
    throw argumentError(
      'verify must be a function or an access token verifier',
      'ERR_INVALID_ARG_TYPE',
    )
  }
  if (policy && options.requirement)
    throw argumentError('give either requirement or policy, not both')
  if (typeof requirement !== 'function') checkRequirement(requirement)
  const challenge: ChallengeOptions = {
    schemes: dpop ? ['Bearer', 'DPoP'] : ['Bearer'],
    ...(dpop && { algs: dpop.algs }),
    ...(options.realm !== undefined && { realm: options.realm }),
    ...(options.resourceMetadata !== undefined && { resource_metadata: options.resourceMetadata }),
  }
  toErrorResponse({ status: 401, challenge: {} }, challenge)
  const evaluate = {
    ...(options.acr && { acr: options.acr }),
    ...(options.authorizationDetails && { authorizationDetails: options.authorizationDetails }),
    ...(options.clockTolerance !== undefined && { clockTolerance: options.clockTolerance }),
  }
  const done = (event: StepUpEvent, outcome: StepUpOutcome): StepUpOutcome => {
    onDecision?.(event)
    return outcome
  }
  const deny = (
    failure: { status: number; challenge: object },
    scheme: 'Bearer' | 'DPoP',
    event: Omit<StepUpEvent, 'ok' | 'status'> = {},
  ): StepUpOutcome => {
    const res = toErrorResponse(failure, { ...challenge, scheme })
    const headers = options.exposeChallenge
      ? { ...res.headers, 'access-control-expose-headers': 'WWW-Authenticate' }
      : res.headers
    return done(
      { ok: false, status: res.status, error: res.body?.error, ...event },
      { ok: false, ...res, headers },
    )
  }
  return async (view, request) => {
    const form = header(view, 'content-type')
      ?.toLowerCase()
      .startsWith('application/x-www-form-urlencoded')
    const body = form || isPolicy(requirement) ? await view.body() : undefined
    const field =
      form && typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>)['access_token']
        : undefined
    const extracted = extractAccessToken(
      {
        authorization: header(view, 'authorization'),
        // No query string, no query token (in any encoding): skip parsing the URL on the hot path.
        query:
          view.url.includes('?') &&
          new URL(view.url, 'http://localhost').searchParams.has('access_token'),
        body: view.method !== 'GET' && typeof field === 'string' ? field : null,
      },
      { schemes: challenge.schemes ?? ['Bearer'] },
    )
    if (!extracted.ok) return deny(extracted, 'Bearer')
    const { token, scheme } = extracted
    let claims: AccessTokenClaims
    try {
      let jkt: string | undefined
      if (scheme === 'DPoP') {
        if (!dpop?.verifyProof) return deny(DPOP_UNSUPPORTED, scheme)
        try {
          jkt = await dpop.verifyProof(header(view, 'dpop') ?? null, view, token)
        } catch (cause) {
          return deny(DPOP_INVALID, scheme, { cause })
        }
      }
      if (verifier)
        claims = await verifier.verify(token, { scheme, ...(jkt !== undefined && { jkt }) })
      else {
        claims = await (verify as (t: string, r: R) => Promise<AccessTokenClaims>)(token, request)
        if (claims.cnf?.jkt !== jkt)
          throw new AccessTokenError('ERR_TOKEN_DPOP_MISMATCH', 'sender constraint mismatch')
      }
    } catch (cause) {
      const err = cause instanceof AccessTokenError && cause.temporary ? cause : GENERIC
      return deny(err, scheme, { cause })
    }
    let details: readonly AuthorizationDetail[] | undefined
    const source =
      typeof requirement === 'function' && !isPolicy(requirement)
        ? await requirement(request)
        : requirement
    const t = now?.() ?? Math.floor(Date.now() / 1000)
    let decision: RiskAssessment
    if (isPolicy(source)) {
      const raw =
        typeof body === 'object' && body !== null
          ? (body as Record<string, unknown>)['authorization_details']
          : undefined
      if (raw !== undefined) {
        try {
          details = options.authorizationDetails
            ? options.authorizationDetails.parse(raw)
            : assertDetails(raw)
        } catch (cause) {
          return deny(INVALID_DETAILS, scheme, { cause })
        }
      }
      const context = {
        claims,
        request: { method: view.method, url: view.url, headers: view.headers },
        ...(details && { details }),
        ...(signals && { signals: await signals(request) }),
        now: t,
      }
      decision = await source.decide(context, { ...evaluate, now: t })
    } else {
      const result = evaluateAssurance(claims, source, { ...evaluate, now: t })
      decision = { requirement: source, fired: [], singleUse: false, result }
    }
    const { result } = decision
    if (!result.ok) return deny(result, scheme, { reasons: result.reasons, fired: decision.fired })
    return done(
      { ok: true, status: 200, fired: decision.fired },
      { ok: true, auth: { claims, token, decision } },
    )
  }
}

const DPOP_UNSUPPORTED = {
  status: 401,
  challenge: {
    error: 'invalid_dpop_proof',
    error_description: 'DPoP proofs are not accepted here yet',
  },
}
const DPOP_INVALID = {
  status: 401,
  challenge: { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' },
}
const INVALID_DETAILS = {
  status: 400,
  challenge: {
    error: 'invalid_request',
    error_description: 'The authorization_details of the request are invalid',
  },
}

function assertDetails(raw: unknown): readonly AuthorizationDetail[] {
  const ok =
    Array.isArray(raw) &&
    raw.every((d) => typeof d === 'object' && d !== null && typeof d.type === 'string')
  if (!ok) throw new TypeError('authorization_details must be an array of objects with a type')
  return raw
}

/**
 * Options of {@link createProtectedResourceMetadata}: RFC 9728 §2 members under their wire names,
 * plus the `@stepup/rar` registry whose types (and JSON Schemas) are advertised.
 *
 * @example
 * ```ts
 * const options: ProtectedResourceMetadataOptions = {
 *   resource: 'https://api.example.com',
 *   authorization_servers: ['https://as.example.com'],
 *   acr_values_supported: ['phr', 'phrh'],
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface ProtectedResourceMetadataOptions {
  /** The resource identifier: an https URL (http only on loopback) without query or fragment. */
  readonly resource: string
  readonly authorization_servers?: readonly string[]
  readonly scopes_supported?: readonly string[]
  readonly bearer_methods_supported?: readonly ('header' | 'body' | 'query')[]
  readonly resource_name?: string
  readonly resource_documentation?: string
  /** The acr values the API may ask for in step-up challenges. */
  readonly acr_values_supported?: readonly string[]
  readonly dpop_signing_alg_values_supported?: readonly string[]
  readonly dpop_bound_access_tokens_required?: boolean
  /** Advertised as `authorization_details_types_supported` and `…_types_metadata`. */
  readonly authorizationDetails?: {
    typesSupported(): readonly string[]
    toJSONSchema?(): Readonly<Record<string, unknown>>
  }
}

/**
 * The document to serve, rendered once: its `/.well-known/oauth-protected-resource[/path]`
 * path, response headers and JSON body.
 *
 * @example
 * ```ts
 * const { path, headers, body } = createProtectedResourceMetadata({ resource: 'https://api.example.com/v1' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export interface ProtectedResourceMetadata {
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly document: Readonly<Record<string, unknown>>
}

/**
 * Build the RFC 9728 protected resource metadata document and the path it is served at (the
 * well-known suffix inserted between host and path); empty lists are omitted (§3.2).
 *
 * @example
 * ```ts
 * createProtectedResourceMetadata({ resource: 'https://rs.example.com/resource1' }).path
 * // '/.well-known/oauth-protected-resource/resource1'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function createProtectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): ProtectedResourceMetadata {
  const { authorizationDetails: registry, ...members } = options
  let url: URL | undefined
  try {
    url = new URL(options.resource)
  } catch {}
  const loopback =
    url?.hostname === 'localhost' || url?.hostname === '127.0.0.1' || url?.hostname === '[::1]'
  if (
    !url ||
    !(url.protocol === 'https:' || (loopback && url.protocol === 'http:')) ||
    url.search ||
    url.hash ||
    options.resource.includes('#')
  ) {
    throw argumentError('resource must be an https URL without query or fragment')
  }
  const document: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(members)) if (!Array.isArray(v) || v.length) document[k] = v
  const types = registry?.typesSupported() ?? []
  if (types.length) document['authorization_details_types_supported'] = [...types]
  const schemas = registry?.toJSONSchema?.()
  if (schemas && types.length) {
    document['authorization_details_types_metadata'] = Object.fromEntries(
      Object.entries(schemas).map(([type, schema]) => [type, { schema }]),
    )
  }
  return {
    path: `/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}`,
    headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
    body: JSON.stringify(document),
    document,
  }
}
