import type { AcrRegistry } from '@stepup/acr'
import { checkOptions, invalidArgument } from '@stepup/internal'
import { isErrorDescription, isScopeToken } from '@stepup/www-authenticate'
import {
  type AssuranceChallenge,
  type ChallengeOptions,
  type ErrorResponse,
  toErrorResponse,
} from './challenge.js'
import {
  type AccessTokenClaims,
  type AuthorizationDetail,
  type AuthorizationDetailsRegistryLike,
  checkConfirmation,
} from './claims.js'
import type { DpopProofCheck } from './dpop.js'
import { AccessTokenError } from './errors.js'
import {
  type AssuranceReason,
  type AssuranceRequirement,
  checkRequirement,
  evaluateAssurance,
} from './evaluate.js'
import { extractAccessToken } from './extract.js'
import {
  bodyKind,
  decodeBody,
  INVALID_REQUEST,
  InvalidRequestError,
  normalizePath,
  readLimited,
} from './request-input.js'
import { isRiskPolicy, type RiskAssessment, type RiskPolicy } from './risk-policy.js'
import type { AccessTokenVerifier } from './verifier.js'

/**
 * A framework's request as a {@link StepUpGuard} reads it: method, request target, headers and a
 * body read only when a decision needs it.
 *
 * The target is origin-form or absolute; the headers are web `Headers`, or Node's
 * `headersDistinct` so that repeated lines are all seen.
 *
 * @example
 * ```ts
 * const guard = createStepUpGuard<Request>({ verify, requirement: { acr_values: ['phr'] } })
 * const body = (limit: number) => readRequestBody(request.headers.get('content-type'), request.clone().body, limit)
 * const outcome = await guard({ method: request.method, url: request.url, headers: request.headers, body }, request)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9
 */
export interface HttpRequestView {
  /** The request method, as sent. */
  readonly method: string
  /** The request target: origin-form (`/transfers?x=1`) or an absolute URL. */
  readonly url: string
  /** The request headers. */
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>
  /**
   * The decoded body (the JSON value, or an object for a form), reading at most `limit` bytes;
   * `undefined` when the request has no body. Throws {@link InvalidRequestError} when it is
   * larger than `limit`, of another media type, or does not decode.
   */
  body(limit: number): unknown
}

/**
 * Reads and decodes a JSON or form request body of at most `limit` bytes (RFC 6750 §2.2 form
 * bodies, RFC 8259 JSON): `undefined` for no body; {@link InvalidRequestError} when it is too
 * large, of another media type, or does not decode. Adapters whose framework does not parse
 * bodies use it for the `body()` of their {@link HttpRequestView}.
 *
 * @example
 * ```ts
 * const body = await readRequestBody(request.headers.get('content-type'), request.clone().body, 65536)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 */
export async function readRequestBody(
  contentType: string | null | undefined,
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null | undefined,
  limit: number,
): Promise<unknown> {
  if (body === null || body === undefined) return undefined
  const text = await readLimited(body, limit)
  if (text === '' && !contentType) return undefined
  return decodeBody(contentType, text)
}

const header = ({ headers: h }: HttpRequestView, name: string): string | undefined => {
  const v =
    typeof h.get === 'function' ? (h as Headers).get(name) : (h as Record<string, unknown>)[name]
  return Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : undefined
}

/**
 * What a route requires (the `requirement` option): a fixed requirement, a function of the
 * request returning one (or a promise of one), or a risk policy made by `createRiskPolicy`.
 *
 * @example
 * ```ts
 * createStepUpGuard<Request>({ verify, requirement: (req) => ({ max_age: req.method === 'DELETE' ? 0 : 300 }) })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type RequirementSource<R> =
  | AssuranceRequirement
  | ((request: R) => AssuranceRequirement | Promise<AssuranceRequirement>)
  | RiskPolicy

/**
 * What an adapter hands the route on success (`req.auth`): the verified claims, the token and
 * the decision (the requirement, the risk rules that fired, the result).
 *
 * @example
 * ```ts
 * const { claims, decision } = req.auth as StepUpAuth
 * ```
 */
export interface StepUpAuth {
  /** The verified claims of the access token. */
  readonly claims: AccessTokenClaims
  /** The access token as presented. */
  readonly token: string
  /** The requirement applied, the risk rules that fired and the result. */
  readonly decision: RiskAssessment
}

/**
 * Reported to `onDecision` for every request: the outcome, and for logs only a readable
 * `reason`, the structured `reasons`, the rules that `fired` and the underlying failure in `cause`;
 * once the token is verified and the decision ran, the `acr_values` it asked for and the token's
 * `acr` and `sub`.
 *
 * @example
 * ```ts
 * const onDecision = (e: StepUpEvent) => e.status >= 500 && log.warn(e.reason, e.cause)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-9
 */
export interface StepUpEvent {
  /** Whether the request was let through. */
  readonly ok: boolean
  /** The status answered (200 when let through). */
  readonly status: number
  /** The OAuth `error` answered, when there was one. */
  readonly error?: string | undefined
  /** What was wrong, in words, for logs (never the token or the user's claims). */
  readonly reason?: string | undefined
  /** The structured reasons of a refused decision. */
  readonly reasons?: readonly AssuranceReason[] | undefined
  /** The names of the risk rules that fired. */
  readonly fired?: readonly string[] | undefined
  /** The underlying failure (a verifier or store error), for logs only. */
  readonly cause?: unknown
  /** The `acr_values` the decision asked for (the challenge's, RFC 9470 §3), once it ran. */
  readonly acr_values?: readonly string[] | undefined
  /** The verified token's `acr` claim, once the decision ran (RFC 9068 §2.2.1). */
  readonly acr?: string | undefined
  /**
   * The verified token's `sub`, once the decision ran. It identifies the user: keep it out of
   * logs and traces unless your policy allows it.
   */
  readonly sub?: string | undefined
}

/**
 * The options of {@link createStepUpGuard}, which the Express, Fastify, fetch, Hono, NestJS and
 * Effect adapters share.
 *
 * Unknown keys are refused (`ERR_UNKNOWN_OPTION`) when the guard is built.
 *
 * @example
 * ```ts
 * const guard = createStepUpGuard<Request>({ verify: verifier, requirement: { acr_values: ['phr'] }, realm: 'bank' })
 * ```
 */
export interface StepUpGuardOptions<R> {
  /** A verifier, or a function resolving a token to its claims (anything it throws is a 401). */
  readonly verify: AccessTokenVerifier | ((token: string, request: R) => Promise<AccessTokenClaims>)
  /**
   * What the route requires: a requirement object, a function of the request, or a policy made
   * by `createRiskPolicy` (default `{}`: any valid token).
   */
  readonly requirement?: RequirementSource<R> | undefined
  /** App-supplied risk signals for the policy (device, IP reputation, …); a throw is a 503. */
  readonly signals?:
    | ((request: R) => Record<string, unknown> | Promise<Record<string, unknown>>)
    | undefined
  /** The protection space, sent as `realm` in every challenge (RFC 9110 §11.5). */
  readonly realm?: string | undefined
  /** The RFC 9728 metadata URL, added to every challenge. */
  readonly resourceMetadata?: string | undefined
  /** Orders and compares `acr` values (default: the built-in classes). */
  readonly acrRegistry?: AcrRegistry | undefined
  /** Parses the body's `authorization_details` and decides coverage (a `@stepup/rar` registry). */
  readonly authorizationDetailsRegistry?: AuthorizationDetailsRegistryLike | undefined
  /**
   * Seconds of leeway for `auth_time` in the future and for `max_age` (default 0); the verifier
   * has its own for `exp` and `nbf`.
   */
  readonly clockTolerance?: number | undefined
  /**
   * The base64url SHA-256 thumbprint of the client certificate of this request's TLS connection,
   * for tokens bound to it (`cnf["x5t#S256"]`, RFC 8705 §3); without it such tokens are refused.
   */
  readonly certificateThumbprint?: ((request: R) => string | undefined) | undefined
  /** Largest request body read for a policy or a form-encoded token, in bytes (default 65536). */
  readonly bodyLimit?: number | undefined
  /**
   * Accept the DPoP scheme: `algs` for challenges; `verifyProof` checks the proof (RFC 9449 §4.3).
   * A refusal carrying a `nonce` (a `DpopProofError` of the nonce codes) is answered 401
   * `use_dpop_nonce` with that nonce in `DPoP-Nonce` (§9).
   */
  readonly dpop?:
    | {
        readonly algs: readonly string[]
        readonly verifyProof?: (
          proof: string | null,
          request: HttpRequestView,
          token: string,
        ) => Promise<DpopProofCheck>
      }
    | undefined
  /**
   * Add `Access-Control-Expose-Headers: WWW-Authenticate` (and `Retry-After` on a 503 that has
   * one) so browsers can read challenges.
   */
  readonly exposeChallenge?: boolean | undefined
  /** Told about every decision (see {@link StepUpEvent}); what it throws is ignored. */
  readonly onDecision?: ((event: StepUpEvent) => void) | undefined
  /** Epoch seconds (default the system clock). */
  readonly now?: (() => number) | undefined
}

const STEP_UP_OPTIONS: ReadonlySet<string> = new Set([
  'verify',
  'requirement',
  'signals',
  'realm',
  'resourceMetadata',
  'acrRegistry',
  'authorizationDetailsRegistry',
  'clockTolerance',
  'bodyLimit',
  'certificateThumbprint',
  'dpop',
  'exposeChallenge',
  'onDecision',
  'now',
])
const DPOP_OPTIONS: ReadonlySet<string> = new Set(['algs', 'verifyProof'])
/** Options the guard took under another name before 1.0, for the hint of the error refusing them. */
const RENAMED: ReadonlyMap<string, string> = new Map([
  ['policy', 'requirement'],
  ['acr', 'acrRegistry'],
  ['authorizationDetails', 'authorizationDetailsRegistry'],
])

/**
 * What a {@link StepUpGuard} resolves: allow with {@link StepUpAuth}, or the response to send.
 *
 * @example
 * ```ts
 * const outcome = await guard(view, request)
 * if (!outcome.ok) return new Response(outcome.body && JSON.stringify(outcome.body), { status: outcome.status, headers: outcome.headers })
 * console.log(outcome.auth.claims.sub)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export type StepUpOutcome =
  | { readonly ok: true; readonly auth: StepUpAuth }
  | ({ readonly ok: false } & ErrorResponse)

/**
 * The request guard {@link createStepUpGuard} returns, which never rejects: every failure is an
 * outcome (4xx, or 503 when something it depends on failed).
 *
 * @example
 * ```ts
 * const guard = createStepUpGuard<Request>({ verify })
 * const outcome = await guard(view, request)
 * ```
 */
export type StepUpGuard<R> = (view: HttpRequestView, request: R) => Promise<StepUpOutcome>

const GENERIC = new AccessTokenError('ERR_TOKEN_MALFORMED', 'access token refused')
const DEFAULT_BODY_LIMIT = 65_536

type Failure = { status: number; challenge: AssuranceChallenge }
const failure = (status: number, error: string, error_description: string): Failure => ({
  status,
  challenge: { error, error_description },
})
const DPOP_UNSUPPORTED = failure(401, 'invalid_dpop_proof', 'DPoP proofs are not accepted here')
const DPOP_INVALID = failure(401, 'invalid_dpop_proof', 'The DPoP proof is invalid')
const USE_DPOP_NONCE = failure(
  401,
  'use_dpop_nonce',
  'Resource server requires nonce in DPoP proof',
)
const UNAVAILABLE = failure(
  503,
  'temporarily_unavailable',
  'The request cannot be authorized right now',
)

/**
 * Checks guard options without building a guard, for an adapter whose verifier or registries arrive
 * later (Effect takes them from its layers per request): unknown keys (`adapterOptions` are
 * accepted), the requirement, `bodyLimit`, `dpop`, and the challenge parameters `realm`,
 * `resourceMetadata` and `dpop.algs`.
 *
 * `verify` is not required here; {@link createStepUpGuard} runs the same checks and also checks
 * `verify`. Throws the coded `TypeError`s of `@stepup/internal` (`ERR_UNKNOWN_OPTION`,
 * `ERR_INVALID_ARG_VALUE`, `ERR_INVALID_ARG_TYPE`).
 *
 * @example
 * ```ts
 * checkStepUpOptions({ requirement: { acr_values: ['phrh'], max_age: 60 }, realm: 'bank' }, 'requireAssurance')
 * ```
 */
export function checkStepUpOptions(
  options: Omit<StepUpGuardOptions<never>, 'verify'> & {
    readonly verify?: StepUpGuardOptions<never>['verify']
  },
  where = 'createStepUpGuard',
  adapterOptions: readonly string[] = [],
): void {
  prepare(options as StepUpGuardOptions<never>, where, adapterOptions)
}

/** What the checked options give the guard: its challenge parameters and fixed answers. */
interface Prepared {
  readonly challenge: ChallengeOptions
  readonly noCredentials: ErrorResponse
  readonly bodyLimit: number
}

function prepare(
  options: StepUpGuardOptions<never>,
  where: string,
  adapterOptions: readonly string[],
): Prepared {
  const known = adapterOptions.length
    ? new Set([...STEP_UP_OPTIONS, ...adapterOptions])
    : STEP_UP_OPTIONS
  for (const key in options) {
    const now = Object.hasOwn(options, key) ? RENAMED.get(key) : undefined
    if (now !== undefined && !known.has(key))
      throw invalidArgument(`${where}: unknown option "${key}" (did you mean "${now}"?)`, {
        code: 'ERR_UNKNOWN_OPTION',
      })
  }
  checkOptions(options, known, where)
  const { dpop, requirement } = options
  if (dpop !== undefined) checkOptions(dpop, DPOP_OPTIONS, `${where}: dpop`)
  if (requirement !== undefined && typeof requirement !== 'function' && !isRiskPolicy(requirement))
    checkRequirement(requirement)
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 0)
    throw invalidArgument(`${where}: bodyLimit must be a non-negative integer`)
  const challenge: ChallengeOptions = {
    schemes: dpop ? ['Bearer', 'DPoP'] : ['Bearer'],
    ...(dpop && { algs: dpop.algs }),
    ...(options.realm !== undefined && { realm: options.realm }),
    ...(options.resourceMetadata !== undefined && { resource_metadata: options.resourceMetadata }),
  }
  // The answer to a request without credentials (RFC 6750 §3.1: a challenge without error);
  // rendering it here also checks `realm`, `resourceMetadata` and `dpop.algs`.
  const noCredentials = toErrorResponse({ status: 401, challenge: {} }, challenge)
  Object.freeze(noCredentials.headers)
  return { challenge, noCredentials, bodyLimit }
}

/**
 * Builds the framework-neutral guard every adapter wraps: extract the token (RFC 6750 §2), check a
 * DPoP proof, verify, check the sender constraint, record the proof, resolve the requirement or
 * policy (reading the body, at most `bodyLimit` bytes, only after the token is verified), evaluate,
 * and render any failure (challenge with `realm`, `resource_metadata`, DPoP `algs`).
 *
 * It fails closed: a body or target a policy cannot read is `400 invalid_request`; a throw from the
 * verifier's infrastructure, a store, a rule, `signals` or `requirement` is `503` without a
 * challenge, the cause going to `onDecision`. Options are checked here, once; unknown keys throw
 * (`where` names the caller in the message; an adapter lists the keys it reads itself in
 * `adapterOptions`, which are accepted and ignored here).
 *
 * @example
 * ```ts
 * const guard = createStepUpGuard({ verify, requirement: { scope: ['accounts:read'] } })
 * const outcome = await guard(view, request)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function createStepUpGuard<R>(
  options: StepUpGuardOptions<R>,
  where = 'createStepUpGuard',
  adapterOptions: readonly string[] = [],
): StepUpGuard<R> {
  const { challenge, noCredentials, bodyLimit } = prepare(
    options as StepUpGuardOptions<never>,
    where,
    adapterOptions,
  )
  const { verify, signals, dpop, onDecision, now, certificateThumbprint } = options
  const requirement: RequirementSource<R> = options.requirement ?? {}
  const verifier = typeof verify === 'function' ? undefined : verify
  if (typeof verify !== 'function' && typeof verify?.verify !== 'function') {
    throw invalidArgument(`${where}: verify must be a function or an access token verifier`, {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  }
  const evaluate = {
    ...(options.acrRegistry && { acrRegistry: options.acrRegistry }),
    ...(options.authorizationDetailsRegistry && {
      authorizationDetailsRegistry: options.authorizationDetailsRegistry,
    }),
    ...(options.clockTolerance !== undefined && { clockTolerance: options.clockTolerance }),
  }
  const done = (event: StepUpEvent, outcome: StepUpOutcome): StepUpOutcome => {
    try {
      onDecision?.(event)
    } catch {
      // A logging hook that throws must not change the answer, nor make the guard reject.
    }
    return outcome
  }
  const deny = (
    failure: Failure,
    scheme: 'Bearer' | 'DPoP',
    event: Omit<StepUpEvent, 'ok' | 'status'> = {},
    nonce?: string,
  ): StepUpOutcome => {
    const res =
      failure.status === 401 && failure.challenge.error === undefined && scheme === 'Bearer'
        ? noCredentials
        : toErrorResponse(failure, { ...challenge, scheme })
    const sent = nonce === undefined ? res.headers : { ...res.headers, 'dpop-nonce': nonce }
    const headers = options.exposeChallenge
      ? {
          ...sent,
          'access-control-expose-headers':
            'retry-after' in res.headers
              ? 'WWW-Authenticate, Retry-After'
              : nonce === undefined
                ? 'WWW-Authenticate'
                : 'WWW-Authenticate, DPoP-Nonce',
        }
      : sent
    return done(
      { ok: false, status: res.status, error: res.body?.error, ...event },
      { ok: false, ...res, headers },
    )
  }
  /** A request the decision cannot read (400), or a dependency that failed (503). */
  const refuse = (cause: unknown, scheme: 'Bearer' | 'DPoP'): StepUpOutcome =>
    cause instanceof InvalidRequestError
      ? deny(failure(400, 'invalid_request', wireText(cause.message)), scheme, {
          reason: cause.message,
          cause,
        })
      : deny(UNAVAILABLE, scheme, { reason: describe(cause), cause })

  /** The body, read once: checked against the limit, its media type and its shape. */
  const readBody = async (view: HttpRequestView): Promise<Record<string, unknown> | undefined> => {
    const length = Number(header(view, 'content-length') ?? 0)
    if (length > bodyLimit) throw new InvalidRequestError(INVALID_REQUEST.tooLarge)
    const body = await view.body(bodyLimit)
    if (body === undefined) return undefined
    if (!bodyKind(header(view, 'content-type')))
      throw new InvalidRequestError(INVALID_REQUEST.unsupported)
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new InvalidRequestError(INVALID_REQUEST.notObject)
    return body as Record<string, unknown>
  }

  const guard = async (view: HttpRequestView, request: R): Promise<StepUpOutcome> => {
    // RFC 6750 §2.2: a form-encoded body may carry the token, so it is read (within the limit)
    // before verification; any other body waits until the token is verified.
    let body: Record<string, unknown> | undefined
    let bodyRead = false
    if (bodyKind(header(view, 'content-type')) === 'form' && view.method !== 'GET') {
      try {
        body = await readBody(view)
        bodyRead = true
      } catch (cause) {
        return refuse(cause, 'Bearer')
      }
    }
    const field = body?.['access_token']
    const extracted = extractAccessToken(
      {
        authorization: header(view, 'authorization'),
        // No query string, no query token (in any encoding): skip parsing the URL on the hot path.
        query: view.url.includes('?') && hasQueryToken(view.url),
        body: typeof field === 'string' ? field : null,
      },
      { schemes: challenge.schemes ?? ['Bearer'] },
    )
    if (!extracted.ok) return deny(extracted, 'Bearer')
    const { token, scheme } = extracted
    let claims: AccessTokenClaims
    let proof: DpopProofCheck | undefined
    try {
      const x5tS256 = certificateThumbprint?.(request)
      if (scheme === 'DPoP') {
        if (!dpop?.verifyProof) return deny(DPOP_UNSUPPORTED, scheme)
        try {
          proof = await dpop.verifyProof(header(view, 'dpop') ?? null, view, token)
        } catch (cause) {
          const nonce = dpopNonceOf(cause)
          return nonce === undefined
            ? deny(DPOP_INVALID, scheme, { reason: describe(cause), cause })
            : deny(USE_DPOP_NONCE, scheme, { reason: describe(cause), cause }, nonce)
        }
      }
      const presentation = {
        scheme,
        ...(proof && { jkt: proof.jkt }),
        ...(x5tS256 !== undefined && { x5tS256 }),
      }
      claims = verifier
        ? await verifier.verify(token, presentation)
        : await (verify as (t: string, r: R) => Promise<AccessTokenClaims>)(token, request)
      // A verifier checks the sender constraint itself (with its own `cnf` checks); an app's
      // function may not, so its claims are checked here: a `cnf` that cannot be confirmed is refused.
      if (!verifier) checkConfirmation(claims, presentation)
    } catch (cause) {
      const err = cause instanceof AccessTokenError && cause.temporary ? cause : GENERIC
      return deny(err, scheme, { reason: describe(cause), cause })
    }
    // RFC 9449 §11.1: the proof's jti is recorded only for a verified token bound to its key, so
    // proofs sent without a valid token cannot fill the replay store. A replay is 401; a store
    // that fails (or a key over its quota) is 503.
    if (proof) {
      try {
        await proof.consume()
      } catch (cause) {
        const code = (cause as { code?: unknown } | null)?.code
        return typeof code === 'string' && code.startsWith('ERR_DPOP')
          ? deny(DPOP_INVALID, scheme, { reason: describe(cause), cause })
          : deny(UNAVAILABLE, scheme, { reason: describe(cause), cause })
      }
    }
    let decision: RiskAssessment
    try {
      const t = now?.() ?? Math.floor(Date.now() / 1000)
      const source = typeof requirement === 'function' ? await requirement(request) : requirement
      if (isRiskPolicy(source)) {
        if (!bodyRead) body = await readBody(view)
        const details = readDetails(body, options.authorizationDetailsRegistry)
        const context = {
          claims,
          request: {
            method: view.method,
            url: view.url,
            path: normalizePath(view.url),
            headers: view.headers,
          },
          ...(details && { details }),
          ...(signals && { signals: await signals(request) }),
          now: t,
        }
        decision = await source.decide(context, { ...evaluate, now: t })
      } else {
        const result = evaluateAssurance(claims, source, { ...evaluate, now: t })
        decision = { requirement: source, fired: [], singleUse: false, result }
      }
    } catch (cause) {
      return refuse(cause, scheme)
    }
    const { result } = decision
    if (!result.ok)
      return deny(result, scheme, {
        reason: describeReasons(result.reasons),
        reasons: result.reasons,
        fired: decision.fired,
        ...held(decision, claims),
      })
    return done(
      { ok: true, status: 200, fired: decision.fired, ...held(decision, claims) },
      { ok: true, auth: { claims, token, decision } },
    )
  }
  return async (view, request) => {
    try {
      return await guard(view, request)
    } catch (cause) {
      // Anything not foreseen above (a hook that throws, a hostile header) is an outage, never a pass.
      return refuse(cause, 'Bearer')
    }
  }
}

/** What the decision asked for and what the token held, for `onDecision` (never the token). */
const held = (decision: RiskAssessment, claims: AccessTokenClaims) => ({
  acr_values: decision.requirement.acr_values,
  acr: claims.acr,
  sub: claims.sub,
})

/**
 * The nonce a proof refusal asks the client to use (a `DpopProofError` of the nonce codes), when
 * it can go in a `DPoP-Nonce` header as is (`1*NQCHAR`, RFC 9449 §8.1); else `undefined`.
 */
function dpopNonceOf(cause: unknown): string | undefined {
  const { code, nonce } = (cause ?? {}) as { code?: unknown; nonce?: unknown }
  return typeof code === 'string' &&
    code.startsWith('ERR_DPOP_NONCE') &&
    typeof nonce === 'string' &&
    isScopeToken(nonce)
    ? nonce
    : undefined
}

function hasQueryToken(url: string): boolean {
  try {
    return new URL(url, 'http://localhost').searchParams.has('access_token')
  } catch {
    // A target that does not parse as a URL may still name a query token: refuse it all the same.
    return /[?&]access_token=/.test(url)
  }
}

function readDetails(
  body: Record<string, unknown> | undefined,
  registry: AuthorizationDetailsRegistryLike | undefined,
): readonly AuthorizationDetail[] | undefined {
  const raw = body?.['authorization_details']
  if (raw === undefined) return undefined
  try {
    return registry ? registry.parse(raw) : assertDetails(raw)
  } catch (cause) {
    throw new InvalidRequestError(INVALID_REQUEST.details, { cause })
  }
}

function assertDetails(raw: unknown): readonly AuthorizationDetail[] {
  const ok =
    Array.isArray(raw) &&
    raw.every((d) => typeof d === 'object' && d !== null && typeof d.type === 'string')
  if (!ok) throw new TypeError('authorization_details must be an array of objects with a type')
  return raw
}

/** RFC 6750 §3: `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E. */
const wireText = (text: string): string =>
  Array.from(text, (c) => (isErrorDescription(c) ? c : '')).join('')

const describe = (cause: unknown): string =>
  cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)

/** The audit reasons in words: `acr_not_satisfied (acr: one of phrh)`. */
export function describeReasons(reasons: readonly AssuranceReason[]): string {
  return reasons
    .map((r) => {
      const required = Array.isArray(r.required)
        ? `one of ${r.required.join(' ')}`
        : r.required !== undefined
          ? `within ${r.required} s`
          : undefined
      const missing = r.missing
        ?.map((m) => (typeof m === 'string' ? m : `${m.type} detail`))
        .join(', ')
      const what = required ?? (missing ? `missing ${missing}` : undefined)
      return `${r.code} (${r.rule}${what ? `: ${what}` : ''})`
    })
    .join('; ')
}
