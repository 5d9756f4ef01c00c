import { checkOptions } from '@stepup/internal'
import type { WwwAuthenticateChallenge } from '@stepup/www-authenticate'
import { normalizeAllowedOrigins } from './allowed-origins.js'
import {
  buildStepUpAuthorizationParams,
  type StepUpAuthorizationParams,
  scopeTokens,
} from './authorization-params.js'
import {
  challengeKey,
  MAX_CHALLENGE_BODY,
  parseChallengeBody,
  readOAuthChallenges,
  readStepUpChallenge,
  type StepUpChallenge,
} from './challenge.js'
import { StepUpError } from './errors.js'
import { invalidArg } from './invalid-arg.js'
import { MAX_REDIRECTS, nextRedirectHop } from './redirect.js'

/**
 * What `getAccessToken` and `stepUp` are told about the request being sent.
 *
 * @example
 * const stepUp = (challenge: StepUpChallenge, { request }: StepUpRequestContext) => resumeAfterLogin(request.url)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface StepUpRequestContext {
  /**
   * A copy of the request (buffered body, no `Authorization`), safe to read. For `stepUp` and
   * `onInvalidToken`, the request that got the challenge: after redirects, that hop.
   */
  readonly request: Request
}

/**
 * What `stepUp` is told: the challenged request, and the parameters of the authorization request
 * that answers the challenge.
 *
 * @example
 * const stepUp = (_challenge: StepUpChallenge, { params }: StepUpContext) => authorizeInPopup(params)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface StepUpContext extends StepUpRequestContext {
  /**
   * `buildStepUpAuthorizationParams(challenge, { currentScope, mode })` with the scope this fetch
   * holds: `currentScope` plus every scope an earlier step-up asked for, then the scopes and
   * authorization details the server names. Add them to your authorization request or PAR body.
   */
  readonly params: StepUpAuthorizationParams
}

/**
 * What `onInvalidToken` is told.
 *
 * @example
 * const onInvalidToken = ({ challenge }: InvalidTokenContext) => tokens.drop(challenge.params.error_description)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface InvalidTokenContext extends StepUpRequestContext {
  /** The 401 response, returned unchanged to the caller after the hook. */
  readonly response: Response
  /** The `invalid_token` challenge. */
  readonly challenge: WwwAuthenticateChallenge
}

/**
 * Options of {@link createStepUpFetch}.
 *
 * @example
 * const options: StepUpFetchOptions = { allowedOrigins: ['https://api.example.com'], getAccessToken, stepUp }
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface StepUpFetchOptions {
  /** The fetch to send with; default `globalThis.fetch` (looked up at call time). */
  readonly fetch?: (request: Request) => Promise<Response>
  /** The access token for a request; called once per call of the returned fetch. */
  readonly getAccessToken: (context: StepUpRequestContext) => string | Promise<string>
  /**
   * Gets a stronger token for a challenge (redirect and resume, popup, CIBA, device flow) and
   * resolves it; `context.params` are the authorization request parameters to send. Reject with
   * an `AbortError` when the user cancels, or with the authorization server's error (an object
   * whose `error` is `unmet_authentication_requirements`).
   */
  readonly stepUp: (challenge: StepUpChallenge, context: StepUpContext) => string | Promise<string>
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
])

/**
 * A function with `fetch`'s signature that attaches the token and answers step-up challenges.
 *
 * @example
 * const api: StepUpFetch = createStepUpFetch(options)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export type StepUpFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

const UNMET = 'unmet_authentication_requirements'
const WHERE = 'createStepUpFetch'

/**
 * Classifies what an app's `stepUp` failed with: the authorization server's
 * `unmet_authentication_requirements` (as `error` or `cause.error`, e.g. oauth4webapi's errors),
 * an `AbortError` (the user cancelled), or anything else.
 *
 * @example
 * ```ts
 * stepUpFailureCode({ error: 'unmet_authentication_requirements' }) // 'ERR_UNMET_AUTHENTICATION_REQUIREMENTS'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-6
 */
export function stepUpFailureCode(
  error: unknown,
): 'ERR_UNMET_AUTHENTICATION_REQUIREMENTS' | 'ERR_STEP_UP_CANCELLED' | 'ERR_STEP_UP_FAILED' {
  const e = error as { error?: unknown; name?: unknown; cause?: { error?: unknown } } | undefined
  return e?.error === UNMET || e?.cause?.error === UNMET
    ? 'ERR_UNMET_AUTHENTICATION_REQUIREMENTS'
    : e?.name === 'AbortError'
      ? 'ERR_STEP_UP_CANCELLED'
      : 'ERR_STEP_UP_FAILED'
}

const REASONS = {
  ERR_UNMET_AUTHENTICATION_REQUIREMENTS:
    'the authorization server could not meet the requirements (unmet_authentication_requirements, RFC 9470 §6)',
  ERR_STEP_UP_CANCELLED: 'the user cancelled (stepUp rejected with an AbortError)',
  ERR_STEP_UP_FAILED: 'stepUp rejected; see cause',
}

function toStepUpError(error: unknown, challenge: StepUpChallenge): StepUpError {
  if (error instanceof StepUpError) return error
  const code = stepUpFailureCode(error)
  return new StepUpError(code, `stepUp failed: ${REASONS[code]}`, { challenge, cause: error })
}

/** @internal The body of a response as text, or `null` when it is longer than `limit` bytes. */
export async function readBody(response: Response, limit: number): Promise<string | null> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      return null
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
}

/** One request of a redirect chain, without `Authorization`. */
interface Hop {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: ArrayBuffer | null
  /** The request the caller made (not a redirect), built from it to keep its mode, credentials… */
  readonly first: boolean
}

/**
 * Creates a fetch that sends `Authorization: Bearer` to `allowedOrigins` only and answers
 * RFC 9470 step-up challenges: one shared `stepUp` call per challenge, one replay of the same
 * bytes, and a {@link StepUpError} instead of a loop.
 *
 * Options are checked here, once: unknown keys (`ERR_UNKNOWN_OPTION`), and origins that are not
 * `https:` or loopback unless listed in `allowInsecureOrigins` (RFC 6750 §5.3).
 *
 * Of the challenges a 401/403 carries, the step-up one wins ({@link readStepUpChallenge});
 * `insufficient_authorization_details` and `insufficient_scope` are answered too, and a
 * challenge whose parameters or JSON body are invalid ends with `ERR_INVALID_CHALLENGE` before
 * `stepUp` runs. `stepUp` gets the authorization request parameters in `context.params`.
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
      throw invalidArg(`${WHERE}: ${name} must be a function`, 'ERR_INVALID_ARG_TYPE')
    }
  }
  if (!Number.isSafeInteger(maxStepUps) || maxStepUps < 1) {
    throw invalidArg(`${WHERE}: maxStepUps must be a positive integer (default 1)`)
  }
  if (mode !== undefined && mode !== 'acr_values' && mode !== 'claims') {
    throw invalidArg(`${WHERE}: mode must be "acr_values" or "claims"`)
  }
  let held = scopeTokens('currentScope', options.currentScope, WHERE)
  let origins: Set<string>
  try {
    origins = normalizeAllowedOrigins(options.allowedOrigins, options.allowInsecureOrigins ?? [])
  } catch (error) {
    ;(error as Error).message = `${WHERE}: ${(error as Error).message}`
    throw error
  }
  const inflight = new Map<string, Promise<string>>()
  const finished = new Map<string, [epoch: number, token: string]>()
  let epoch = 0

  const share = (key: string, sentAt: number, challenge: StepUpChallenge, request: Request) => {
    const last = finished.get(key)
    if (last && last[0] > sentAt) return Promise.resolve(last[1])
    let pending = inflight.get(key)
    if (!pending) {
      let params: StepUpAuthorizationParams = {}
      pending = Promise.resolve()
        .then(() => {
          params = buildStepUpAuthorizationParams(challenge, {
            currentScope: held,
            ...(mode && { mode }),
          })
          return stepUp(challenge, { request, params })
        })
        .then(
          (token) => {
            inflight.delete(key)
            if (typeof token !== 'string' || token === '') {
              throw new StepUpError(
                'ERR_STEP_UP_FAILED',
                'stepUp did not resolve a token: resolve the new access token (a non-empty string)',
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
    const requestOf = (hop: Hop, init: RequestInit = {}) => {
      const all = { method: hop.method, headers: hop.headers, body: hop.body, ...init }
      return hop.first
        ? new Request(base, all)
        : new Request(hop.url, { ...all, signal: base.signal })
    }

    /** Sends `start`, then follows redirects one hop at a time (fetch's rules, at most 20). */
    const send = async (start: Hop, token: string): Promise<[Response, Hop, boolean]> => {
      let hop = start
      let authorized = true
      for (let redirects = 0; ; redirects++) {
        authorized &&= origins.has(new URL(hop.url).origin)
        const headers = new Headers(hop.headers)
        if (authorized) headers.set('authorization', `Bearer ${token}`)
        const redirect = follow ? 'manual' : base.redirect
        const response = await fetchImpl(requestOf(hop, { headers, redirect }))
        // A fetch that followed redirects itself: which request met the challenge is unknown, so
        // none is replayed and the response goes back as it is.
        if (response.redirected) return [response, hop, false]
        const next = follow
          ? nextRedirectHop(hop.url, hop.method, response.status, response.headers.get('location'))
          : undefined
        if (!next) return [response, hop, authorized]
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
    let token = await getAccessToken({
      get request() {
        return requestOf(first)
      },
    })
    if (typeof token !== 'string' || token === '') {
      throw invalidArg(
        'getAccessToken must resolve the access token (a non-empty string)',
        'ERR_INVALID_RETURN_VALUE',
      )
    }
    let hop = first
    for (;;) {
      const sentAt = epoch
      const [response, challenged, authorized] = await send(hop, token)
      if (!authorized) return response
      let challenge = readStepUpChallenge(response, { scheme: 'Bearer' })
      if (!challenge) {
        const invalid = readOAuthChallenges(response, 'bearer').find(
          ([c]) => c.error === 'invalid_token',
        )
        if (invalid && onInvalidToken) {
          await onInvalidToken({ request: requestOf(challenged), response, challenge: invalid[1] })
        }
        return response
      }
      if (challenge.kind === 'step_up' || challenge.kind === 'insufficient_authorization_details') {
        const text = await readBody(response.clone(), MAX_CHALLENGE_BODY)
        challenge = parseChallengeBody(challenge, response, text)
      }
      const key = `${new URL(challenged.url).origin} ${challengeKey(challenge)}`
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
