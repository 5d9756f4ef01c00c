import { checkOptions, invalidArgument } from '@stepup/internal'
import {
  challengeKey,
  MAX_REDIRECTS,
  nextRedirectHop,
  normalizeAllowedOrigins,
  stepUpFailureCode,
} from '@stepup/internal/step-up'
import type { WwwAuthenticateChallenge } from '@stepup/www-authenticate'
import { isScopeToken } from '@stepup/www-authenticate'
import {
  buildStepUpAuthorizationParams,
  type StepUpAuthorizationParams,
  scopeTokens,
} from './authorization-params.js'
import {
  MAX_CHALLENGE_BODY,
  parseChallengeBody,
  readOAuthChallenges,
  readStepUpChallenge,
  type StepUpChallenge,
} from './challenge.js'
import { createDpopSigner, type DpopOptions, type DpopSigner } from './dpop.js'
import { StepUpError } from './errors.js'
import { readBody } from './read-body.js'
import { discoverResourceMetadata, type ProtectedResourceMetadata } from './resource-metadata.js'

/**
 * An access token with the `token_type` it was issued with (the token response's, RFC 6749
 * §5.1): `Bearer` is sent as `Authorization: Bearer`, `DPoP` as `Authorization: DPoP` with a
 * proof (RFC 9449 §7.1). Case-insensitive; any other type is refused.
 *
 * @example
 * ```ts
 * createStepUpFetch({
 *   allowedOrigins: ['https://api.example.com'],
 *   getAccessToken: () => ({ token: tokens.access_token, type: tokens.token_type }),
 *   stepUp,
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export interface TypedAccessToken {
  /** The access token. */
  readonly token: string
  /**
   * The `token_type`: `Bearer` or `DPoP`, in any case (oauth4webapi gives `bearer` or `dpop`);
   * any other string is refused when the token is used.
   */
  readonly type: 'Bearer' | 'DPoP' | (string & Record<never, never>)
}

/**
 * What `getAccessToken` and `stepUp` resolve: a {@link TypedAccessToken}, or a string, which is a
 * DPoP-bound token when the fetch has `dpop` and a Bearer token otherwise.
 *
 * @example
 * ```ts
 * createStepUpFetch({ allowedOrigins: ['https://api.example.com'], getAccessToken: () => token, stepUp })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export type AccessToken = string | TypedAccessToken

/**
 * What `stepUp` is told: the challenged request, and the parameters of the authorization request
 * that answers the challenge.
 *
 * @example
 * ```ts
 * createStepUpFetch({
 *   allowedOrigins: ['https://api.example.com'],
 *   getAccessToken,
 *   stepUp: (_challenge, { params, authorizationServer }) => authorizeInPopup(authorizationServer, params),
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface StepUpContext {
  /**
   * A copy of the request that got the challenge (buffered body, no `Authorization`), safe to
   * read; after redirects, that hop.
   */
  readonly request: Request
  /**
   * `buildStepUpAuthorizationParams(challenge, { currentScope, mode })` with the scope this fetch
   * holds: `currentScope` plus every scope an earlier step-up asked for, then the scopes and
   * authorization details the server names. Add them to your authorization request or PAR body.
   */
  readonly params: StepUpAuthorizationParams
  /**
   * When the challenge named `resource_metadata` (RFC 9728 §5.1): the resource identifier the
   * request was for (see `resources`), which the metadata's `resource` equals.
   */
  readonly resource?: string
  /** The checked protected resource metadata, when the challenge named `resource_metadata`. */
  readonly resourceMetadata?: ProtectedResourceMetadata
  /**
   * The first of the metadata's `authorization_servers` (an issuer identifier, RFC 8414): where
   * to step up. Absent when the challenge named no metadata or the metadata names none.
   */
  readonly authorizationServer?: string
}

/**
 * What `onInvalidToken` is told about a 401 `invalid_token` answer: the request, the response and
 * the challenge.
 *
 * @example
 * ```ts
 * createStepUpFetch({
 *   allowedOrigins: ['https://api.example.com'],
 *   getAccessToken,
 *   stepUp,
 *   onInvalidToken: ({ challenge }) => tokens.drop(challenge.params.error_description),
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface InvalidTokenContext {
  /**
   * A copy of the request that got the answer (buffered body, no `Authorization`), safe to read;
   * after redirects, that hop.
   */
  readonly request: Request
  /** The 401 response, returned unchanged to the caller after the hook. */
  readonly response: Response
  /** The `invalid_token` challenge. */
  readonly challenge: WwwAuthenticateChallenge
}

/**
 * The options of {@link createStepUpFetch}, checked once when it runs (unknown keys are
 * `ERR_UNKNOWN_OPTION`).
 *
 * @example
 * ```ts
 * createStepUpFetch({ allowedOrigins: ['https://api.example.com'], currentScope: 'openid accounts', getAccessToken, stepUp })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface StepUpFetchOptions {
  /** The fetch to send with; default `globalThis.fetch` (looked up at call time). */
  readonly fetch?: (request: Request) => Promise<Response>
  /**
   * The access token for a request; called once per call of the returned fetch. A string is a
   * DPoP-bound token when `dpop` is set, else a Bearer token; `{ token, type }` says which.
   */
  readonly getAccessToken: (context: {
    /** A copy of the request being sent (buffered body, no `Authorization`), safe to read. */
    readonly request: Request
  }) => AccessToken | Promise<AccessToken>
  /**
   * Gets a stronger token for a challenge (redirect and resume, popup, CIBA, device flow) and
   * resolves it (as `getAccessToken` does); `context.params` are the authorization request
   * parameters to send. Reject with an `AbortError` when the user cancels, or with the
   * authorization server's error (an object whose `error` is `unmet_authentication_requirements`).
   */
  readonly stepUp: (
    challenge: StepUpChallenge,
    context: StepUpContext,
  ) => AccessToken | Promise<AccessToken>
  /**
   * DPoP (RFC 9449): the key pair that signs a proof for every request sent with a DPoP-bound
   * token. With it, string tokens are DPoP-bound; resolve `{ token, type: 'Bearer' }` for one
   * that is not.
   */
  readonly dpop?: DpopOptions
  /**
   * Resource identifiers (RFC 9728 §1.2) of the APIs called, e.g.
   * `['https://api.example.com/v1']`: `https:` (or loopback `http:`) URLs on `allowedOrigins`,
   * without query or fragment. A request's resource is the longest one its URL falls under (same
   * origin, the path equal or below it), else its origin (`https://api.example.com`). The
   * metadata a challenge's `resource_metadata` names must have exactly that `resource`.
   */
  readonly resources?: readonly string[]
  /**
   * The exact origins (`https://api.example.com`) that may receive the token: `https:`, or
   * loopback `http:` (`localhost`, `127.0.0.1`, `[::1]`) for development (RFC 6750 §5.3).
   */
  readonly allowedOrigins: readonly string[]
  /**
   * `http:` origins of `allowedOrigins` that may receive the token without TLS anyway (a private
   * network you trust), e.g. `['http://api.internal']`. Anyone on the path can read and replay it.
   */
  readonly allowInsecureOrigins?: readonly string[]
  /**
   * The scope the app's token was requested with (space-separated or a list). Each step-up asks
   * for it plus what the server names, so no granted scope is dropped; later step-ups also keep
   * what earlier ones added.
   */
  readonly currentScope?: string | readonly string[]
  /** How `context.params` asks for the ACR: `acr_values` (default) or an OIDC `claims` request. */
  readonly mode?: 'acr_values' | 'claims'
  /** Step-ups allowed for one call; default 1. */
  readonly maxStepUps?: number
  /** Told about an `invalid_token` challenge (e.g. to drop a cached token); not a step-up. */
  readonly onInvalidToken?: (context: InvalidTokenContext) => void | Promise<void>
}

const OPTIONS = new Set([
  'fetch',
  'getAccessToken',
  'stepUp',
  'allowedOrigins',
  'allowInsecureOrigins',
  'currentScope',
  'mode',
  'maxStepUps',
  'onInvalidToken',
  'dpop',
  'resources',
])

/**
 * The function {@link createStepUpFetch} returns: `fetch`'s signature, with the token attached and
 * step-up challenges answered.
 *
 * @example
 * ```ts
 * const api = createStepUpFetch({ allowedOrigins: ['https://api.example.com'], getAccessToken, stepUp })
 * const response = await api('https://api.example.com/accounts')
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export type StepUpFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

const WHERE = 'createStepUpFetch'

const REASONS = {
  ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS:
    'the authorization server could not meet the requirements (unmet_authentication_requirements, RFC 9470 §5)',
  ERR_STEP_UP_CANCELLED: 'the user cancelled (stepUp rejected with an AbortError)',
  ERR_STEP_UP_FAILED: 'stepUp rejected; see cause',
}

function toStepUpError(error: unknown, challenge: StepUpChallenge): StepUpError {
  if (error instanceof StepUpError) return error
  const code = stepUpFailureCode(error)
  return new StepUpError(code, `stepUp failed: ${REASONS[code]}`, { challenge, cause: error })
}

/** One request of a redirect chain, without `Authorization` and `DPoP`. */
interface Hop {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: ArrayBuffer | null
  /** The request the caller made (not a redirect), built from it to keep its mode, credentials… */
  readonly first: boolean
}

/** A token as it is sent: DPoP-bound or Bearer. */
interface Held {
  readonly token: string
  readonly dpop: boolean
}

const shown = (value: unknown): string => {
  const text = String(value)
  return JSON.stringify(text.length > 32 ? `${text.slice(0, 32)}…` : text)
}

/** The token `value` stands for, or why it is none. */
function heldOf(value: unknown, signer: DpopSigner | undefined): Held | string {
  if (typeof value === 'string') {
    return value === '' ? 'an empty string' : { token: value, dpop: signer !== undefined }
  }
  if (typeof value !== 'object' || value === null) return String(value)
  const { token, type } = value as { token?: unknown; type?: unknown }
  if (typeof token !== 'string' || token === '') return 'an object without a non-empty token'
  const kind = typeof type === 'string' ? type.toLowerCase() : undefined
  if (kind === 'bearer') return { token, dpop: false }
  if (kind === 'dpop') {
    return signer
      ? { token, dpop: true }
      : 'a DPoP token, but there is no dpop.keyPair to sign its proofs with'
  }
  return `a token of type ${shown(type)}; only Bearer and DPoP tokens are sent`
}

const TOKEN_SHAPE = "a non-empty string, or { token, type: 'Bearer' | 'DPoP' }"

/** Whether the response asks for the DPoP proof to carry a (new) nonce (RFC 9449 §9). */
function wantsNonce(response: Response): boolean {
  try {
    return readStepUpChallenge(response, { scheme: 'DPoP' })?.kind === 'use_dpop_nonce'
  } catch {
    return false
  }
}

/** Checks `resources`: URLs on allowed origins, longest path first. */
function resourceList(list: unknown, origins: Set<string>): { id: string; url: URL }[] {
  if (list === undefined) return []
  if (!Array.isArray(list)) {
    throw invalidArgument(`${WHERE}: resources must be a list of resource identifiers`, {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  }
  const out = list.map((id: unknown, index) => {
    let url: URL | undefined
    try {
      url = typeof id === 'string' && !/[?#]/.test(id) ? new URL(id) : undefined
    } catch {}
    if (!url) {
      throw invalidArgument(
        `${WHERE}: resources[${index}] ${shown(id)} is not a resource identifier: an absolute URL without query or fragment, such as "https://api.example.com/v1" (RFC 9728 §1.2)`,
      )
    }
    if (!origins.has(url.origin)) {
      throw invalidArgument(
        `${WHERE}: resources[${index}] ${shown(id)} is not on one of allowedOrigins; list ${shown(url.origin)} there`,
      )
    }
    return { id: id as string, url }
  })
  return out.sort((a, b) => b.url.pathname.length - a.url.pathname.length)
}

/**
 * Creates a fetch that sends the access token to `allowedOrigins` only — `Authorization: Bearer`,
 * or `Authorization: DPoP` with a DPoP proof — and answers RFC 9470 step-up challenges: one shared
 * `stepUp` call per challenge, one replay of the same bytes, and a {@link StepUpError} instead of
 * a loop.
 *
 * Options are checked here, once: unknown keys (`ERR_UNKNOWN_OPTION`), origins that are not
 * `https:` or loopback unless listed in `allowInsecureOrigins` (RFC 6750 §5.3), a `dpop.keyPair`
 * that cannot sign proofs, `resources` that are not URLs on those origins.
 *
 * Of the challenges a 401/403 carries — of the scheme the token was sent with — the step-up one
 * wins ({@link readStepUpChallenge}); `insufficient_authorization_details` and
 * `insufficient_scope` are answered too, and a challenge whose parameters or JSON body are
 * invalid ends with `ERR_CHALLENGE_INVALID` before `stepUp` runs. `stepUp` gets the
 * authorization request parameters in `context.params`.
 *
 * DPoP (RFC 9449 §7.1): with a DPoP-bound token each request (each redirect hop, each replay)
 * carries a new proof for its method and URL, with `ath` and the origin's last `DPoP-Nonce`. A
 * `401` with `DPoP error="use_dpop_nonce"` and a `DPoP-Nonce` is sent again once with that nonce
 * (§9); the nonce is kept per origin and updated from every `DPoP-Nonce` the origin sends.
 *
 * Discovery (RFC 9728): when the challenge names `resource_metadata`, the document is fetched
 * (`https:`, 5 s, 64 KiB) and its `resource` must equal the resource the request was for (see
 * `resources`), or the call ends with `ERR_RESOURCE_METADATA_MISMATCH` and `stepUp` is not
 * called; `stepUp` gets `context.resourceMetadata` and `context.authorizationServer`.
 *
 * Replay rule: only the request whose answer was the challenge is sent again. The server refused
 * it (401, 403), so it did not apply it. Redirects are followed here, hop by hop
 * (`redirect: 'manual'` underneath), so that after a redirect only the challenged hop is
 * re-issued: a `POST` answered with `303` may have been applied and is never sent again, nor is
 * any earlier hop, idempotent or not (RFC 9110 §9.2.2). The token is sent only while every hop
 * stays on an allowed origin; where a runtime hides redirects (browsers), the `opaqueredirect`
 * response is returned as is, and so is a response that the given `fetch` reached by following
 * redirects itself (`response.redirected`). Bodies are read into memory once before sending (a
 * `ReadableStream` in `init.body` is refused; a `Request` passed in is read in full).
 *
 * @example
 * ```ts
 * const api = createStepUpFetch({
 *   allowedOrigins: ['https://api.example.com'],
 *   currentScope: 'openid accounts',
 *   getAccessToken: () => tokens.current,
 *   stepUp: async (_challenge, { params }) => (tokens.current = await signInAgain(params)),
 * })
 * const response = await api('https://api.example.com/transfers', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ to: 'alice', amount: 5000 }),
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-5.3
 */
export function createStepUpFetch(options: StepUpFetchOptions): StepUpFetch {
  checkOptions(options, OPTIONS, WHERE)
  const { getAccessToken, stepUp, onInvalidToken, maxStepUps = 1, mode } = options ?? {}
  const fetchImpl = options?.fetch ?? ((request: Request) => globalThis.fetch(request))
  for (const [name, fn] of [
    ['getAccessToken', getAccessToken],
    ['stepUp', stepUp],
    ['fetch', fetchImpl],
    ['onInvalidToken', onInvalidToken ?? stepUp],
  ] as const) {
    if (typeof fn !== 'function') {
      throw invalidArgument(`${WHERE}: ${name} must be a function`, {
        code: 'ERR_INVALID_ARG_TYPE',
      })
    }
  }
  if (!Number.isSafeInteger(maxStepUps) || maxStepUps < 1) {
    throw invalidArgument(`${WHERE}: maxStepUps must be a positive integer (default 1)`)
  }
  if (mode !== undefined && mode !== 'acr_values' && mode !== 'claims') {
    throw invalidArgument(`${WHERE}: mode must be "acr_values" or "claims"`)
  }
  let held = scopeTokens('currentScope', options.currentScope, WHERE)
  let origins: Set<string>
  try {
    origins = normalizeAllowedOrigins(options.allowedOrigins, options.allowInsecureOrigins ?? [])
  } catch (error) {
    ;(error as Error).message = `${WHERE}: ${(error as Error).message}`
    throw error
  }
  const signer = options.dpop === undefined ? undefined : createDpopSigner(options.dpop, WHERE)
  const resources = resourceList(options.resources, origins)
  /** The resource identifier a request URL is for: the longest listed one, else its origin. */
  const resourceOf = (href: string): string => {
    const url = new URL(href)
    for (const { id, url: r } of resources) {
      const path = r.pathname
      if (
        r.origin === url.origin &&
        (path === '/' ||
          url.pathname === path ||
          url.pathname.startsWith(path.replace(/\/?$/, '/')))
      ) {
        return id
      }
    }
    return url.origin
  }
  /** The last `DPoP-Nonce` of each allowed origin (RFC 9449 §8.2, §9). */
  const nonces = new Map<string, string>()
  const inflight = new Map<string, Promise<Held>>()
  const finished = new Map<string, [epoch: number, token: Held]>()
  let epoch = 0

  const share = (key: string, sentAt: number, challenge: StepUpChallenge, request: Request) => {
    const last = finished.get(key)
    if (last && last[0] > sentAt) return Promise.resolve(last[1])
    let pending = inflight.get(key)
    if (!pending) {
      let params: StepUpAuthorizationParams = {}
      pending = Promise.resolve()
        .then(async () => {
          params = buildStepUpAuthorizationParams(challenge, {
            currentScope: held,
            ...(mode && { mode }),
          })
          const url = challenge.resource_metadata
          if (url === undefined) return stepUp(challenge, { request, params })
          const resource = resourceOf(request.url)
          const resourceMetadata = await discoverResourceMetadata(
            url,
            resource,
            fetchImpl,
            challenge,
          )
          const authorizationServer = resourceMetadata.authorization_servers?.[0]
          return stepUp(challenge, {
            request,
            params,
            resource,
            resourceMetadata,
            ...(authorizationServer !== undefined && { authorizationServer }),
          })
        })
        .then(
          (value) => {
            inflight.delete(key)
            const token = heldOf(value, signer)
            if (typeof token === 'string') {
              throw new StepUpError(
                'ERR_STEP_UP_FAILED',
                `stepUp did not resolve a token: resolve the new access token (${TOKEN_SHAPE}); it resolved ${token}`,
                { challenge },
              )
            }
            held = [...new Set([...held, ...(params.scope?.split(' ') ?? [])])]
            finished.set(key, [++epoch, token])
            if (finished.size > 64) finished.delete(finished.keys().next().value as string)
            return token
          },
          (error: unknown) => {
            inflight.delete(key)
            throw toStepUpError(error, challenge)
          },
        )
      inflight.set(key, pending)
    }
    return pending
  }

  return async (input, init) => {
    const body = init?.body as { getReader?: unknown; [Symbol.asyncIterator]?: unknown } | null
    const stream =
      typeof body === 'object' &&
      body !== null &&
      (typeof body.getReader === 'function' || Symbol.asyncIterator in body)
    const base = new Request(input, stream ? ({ ...init, duplex: 'half' } as RequestInit) : init)
    if (!origins.has(new URL(base.url).origin)) return fetchImpl(base)
    if (stream) {
      throw new StepUpError(
        'ERR_BODY_NOT_REPLAYABLE',
        'a stream body cannot be replayed after a step-up; send bytes, a string, a Blob or FormData',
      )
    }
    const bytes = base.body ? await base.arrayBuffer() : null
    const follow = base.redirect === 'follow'
    const first: Hop = {
      url: base.url,
      method: base.method,
      headers: new Headers(base.headers),
      body: bytes,
      first: true,
    }
    first.headers.delete('authorization')
    first.headers.delete('dpop')
    const requestOf = (hop: Hop, init: RequestInit = {}) => {
      const all = { method: hop.method, headers: hop.headers, body: hop.body, ...init }
      if (!hop.first) return new Request(hop.url, { ...all, signal: base.signal })
      const request = new Request(base, all)
      // Some runtimes (Bun) merge the given headers into the source request's instead of
      // replacing them: drop what the hop does not carry (the caller's own Authorization).
      const kept = new Headers(all.headers)
      for (const name of [...request.headers.keys()]) {
        if (!kept.has(name)) request.headers.delete(name)
      }
      return request
    }

    /**
     * Sends one hop with the token; a DPoP-bound token gets a new proof each time, and a
     * `use_dpop_nonce` answer is sent again once, with the nonce it gave (RFC 9449 §9).
     */
    const authorized = async (hop: Hop, token: Held, redirect: RequestRedirect) => {
      const origin = new URL(hop.url).origin
      for (let retried = false; ; retried = true) {
        const headers = new Headers(hop.headers)
        headers.set('authorization', `${token.dpop ? 'DPoP' : 'Bearer'} ${token.token}`)
        if (token.dpop) {
          const nonce = nonces.get(origin)
          headers.set('dpop', await signer!.proof(hop.method, hop.url, token.token, nonce))
        }
        const response = await fetchImpl(requestOf(hop, { headers, redirect }))
        if (!token.dpop) return response
        const nonce = response.headers.get('dpop-nonce')
        if (nonce !== null && isScopeToken(nonce)) nonces.set(origin, nonce)
        if (retried || !wantsNonce(response)) return response
        await response.body?.cancel()
      }
    }

    /** Sends `start`, then follows redirects one hop at a time (fetch's rules, at most 20). */
    const send = async (start: Hop, token: Held): Promise<[Response, Hop, boolean]> => {
      let hop = start
      let allowed = true
      for (let redirects = 0; ; redirects++) {
        allowed &&= origins.has(new URL(hop.url).origin)
        const redirect = follow ? 'manual' : base.redirect
        const response = allowed
          ? await authorized(hop, token, redirect)
          : await fetchImpl(requestOf(hop, { redirect }))
        // A fetch that followed redirects itself: which request met the challenge is unknown, so
        // none is replayed and the response goes back as it is.
        if (response.redirected) return [response, hop, false]
        const next = follow
          ? nextRedirectHop(hop.url, hop.method, response.status, response.headers.get('location'))
          : undefined
        if (!next) return [response, hop, allowed]
        if (redirects === MAX_REDIRECTS) throw new TypeError('too many redirects')
        await response.body?.cancel()
        const kept = new Headers(hop.headers)
        if (next.dropBody) {
          for (const [name] of [...kept]) if (name.startsWith('content-')) kept.delete(name)
        }
        const data = next.dropBody ? null : hop.body
        hop = { url: next.url, method: next.method, headers: kept, body: data, first: false }
      }
    }

    const seen: string[] = []
    const given = heldOf(
      await getAccessToken({
        get request() {
          return requestOf(first)
        },
      }),
      signer,
    )
    if (typeof given === 'string') {
      throw invalidArgument(
        `getAccessToken must resolve the access token (${TOKEN_SHAPE}); it resolved ${given}`,
        { code: 'ERR_INVALID_RETURN_VALUE' },
      )
    }
    let token = given
    let hop = first
    for (;;) {
      const sentAt = epoch
      const [response, challenged, allowed] = await send(hop, token)
      if (!allowed) return response
      let challenge = readStepUpChallenge(response, { scheme: token.dpop ? 'DPoP' : 'Bearer' })
      // A second use_dpop_nonce right after the retry with the nonce: the server's answer.
      if (!challenge || challenge.kind === 'use_dpop_nonce') {
        const invalid = readOAuthChallenges(response, token.dpop ? 'dpop' : 'bearer').find(
          ([c]) => c.error === 'invalid_token',
        )
        if (!challenge && invalid && onInvalidToken) {
          await onInvalidToken({ request: requestOf(challenged), response, challenge: invalid[1] })
        }
        return response
      }
      if (challenge.kind === 'step_up' || challenge.kind === 'insufficient_authorization_details') {
        const text = await readBody(response.clone(), MAX_CHALLENGE_BODY)
        challenge = parseChallengeBody(challenge, response, text)
      }
      const where = new URL(challenged.url).origin
      const resource =
        challenge.resource_metadata === undefined ? '' : ` ${resourceOf(challenged.url)}`
      const key = `${where}${resource} ${challengeKey(challenge)}`
      if (seen.includes(key)) {
        throw new StepUpError(
          'ERR_STEP_UP_LOOP',
          'the same challenge came back after a step-up: the new token still does not meet it (is the authorization server honouring acr_values and max_age?)',
          { challenge, response },
        )
      }
      if (seen.push(key) > maxStepUps) {
        throw new StepUpError(
          'ERR_STEP_UP_LIMIT',
          `more than ${maxStepUps} step-up${maxStepUps === 1 ? '' : 's'} for one request (maxStepUps)`,
          { challenge, response },
        )
      }
      await response.body?.cancel()
      base.signal.throwIfAborted()
      const aborted = new Promise<never>((_, reject) => {
        base.signal.addEventListener('abort', () => reject(base.signal.reason), { once: true })
      })
      token = await Promise.race([share(key, sentAt, challenge, requestOf(challenged)), aborted])
      hop = challenged
    }
  }
}
