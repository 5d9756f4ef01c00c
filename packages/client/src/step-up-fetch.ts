import type { WwwAuthenticateChallenge } from '@stepup/www-authenticate'
import {
  challengeKey,
  readOAuthChallenges,
  readStepUpChallenge,
  type StepUpChallenge,
} from './challenge.js'
import { StepUpError } from './errors.js'
import { invalidArg } from './invalid-arg.js'

/**
 * What `getAccessToken` and `stepUp` are told about the request being sent.
 *
 * @example
 * const stepUp = (challenge: StepUpChallenge, { request }: StepUpRequestContext) => resumeAfterLogin(request.url)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface StepUpRequestContext {
  /** A copy of the request (buffered body, no `Authorization`), safe to read. */
  readonly request: Request
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
   * resolves it. Reject with an `AbortError` when the user cancels, or with the authorization
   * server's error (an object whose `error` is `unmet_authentication_requirements`).
   */
  readonly stepUp: (
    challenge: StepUpChallenge,
    context: StepUpRequestContext,
  ) => string | Promise<string>
  /** The exact origins (`https://api.example.com`) that may receive the token. */
  readonly allowedOrigins: readonly string[]
  /** Step-ups allowed for one call; default 1. */
  readonly maxStepUps?: number
  /** Told about an `invalid_token` challenge (e.g. to drop a cached token); not a step-up. */
  readonly onInvalidToken?: (context: InvalidTokenContext) => void | Promise<void>
}

/**
 * A function with `fetch`'s signature that attaches the token and answers step-up challenges.
 *
 * @example
 * const api: StepUpFetch = createStepUpFetch(options)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export type StepUpFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

const UNMET = 'unmet_authentication_requirements'
const ORIGINS = 'allowedOrigins must list origins such as https://api.example.com'

function toOrigin(value: unknown): string {
  let url: URL | undefined
  try {
    url = new URL(value as string)
  } catch {}
  if (
    !url ||
    !/^https?:$/.test(url.protocol) ||
    url.href !== `${url.origin}/` ||
    url.host.includes('*')
  ) {
    throw invalidArg(ORIGINS)
  }
  return url.origin
}

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

function toStepUpError(error: unknown, challenge: StepUpChallenge): StepUpError {
  if (error instanceof StepUpError) return error
  const code = stepUpFailureCode(error)
  return new StepUpError(code, `stepUp failed: ${code}`, { challenge, cause: error })
}

/**
 * Creates a fetch that sends `Authorization: Bearer` to `allowedOrigins` only and answers
 * RFC 9470 step-up challenges: one shared `stepUp` call per challenge, one replay of the same
 * bytes, and a {@link StepUpError} instead of a loop.
 *
 * Bodies are read into memory once before sending (a `ReadableStream` in `init.body` is refused;
 * a `Request` passed in is read in full). Redirects are followed here, hop by hop, and the token
 * is sent only while every hop stays on an allowed origin; where a runtime hides redirects
 * (browsers), the `opaqueredirect` response is returned as is.
 *
 * @example
 * ```ts
 * const api = createStepUpFetch({
 *   allowedOrigins: ['https://api.example.com'],
 *   getAccessToken: () => tokens.current,
 *   stepUp: async (challenge) => (tokens.current = await signInAgain(challenge)),
 * })
 * const response = await api('https://api.example.com/transfers', { method: 'POST', body })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export function createStepUpFetch(options: StepUpFetchOptions): StepUpFetch {
  const { getAccessToken, stepUp, onInvalidToken, maxStepUps = 1 } = options ?? {}
  const fetchImpl = options?.fetch ?? ((request: Request) => globalThis.fetch(request))
  for (const [name, fn] of [
    ['getAccessToken', getAccessToken],
    ['stepUp', stepUp],
    ['fetch', fetchImpl],
    ['onInvalidToken', onInvalidToken ?? stepUp],
  ] as const) {
    if (typeof fn !== 'function') {
      throw invalidArg(`${name} must be a function`, 'ERR_INVALID_ARG_TYPE')
    }
  }
  if (!Number.isSafeInteger(maxStepUps) || maxStepUps < 1) {
    throw invalidArg('maxStepUps must be a positive integer')
  }
  const list = options.allowedOrigins
  if (!Array.isArray(list) || list.length === 0) {
    throw invalidArg(ORIGINS)
  }
  const origins = new Set(list.map(toOrigin))
  const inflight = new Map<string, Promise<string>>()
  const finished = new Map<string, [epoch: number, token: string]>()
  let epoch = 0

  const share = (key: string, sentAt: number, challenge: StepUpChallenge, request: Request) => {
    const last = finished.get(key)
    if (last && last[0] > sentAt) return Promise.resolve(last[1])
    let pending = inflight.get(key)
    if (!pending) {
      pending = Promise.resolve({ request })
        .then((context) => stepUp(challenge, context))
        .then(
          (token) => {
            inflight.delete(key)
            if (typeof token !== 'string' || token === '') {
              throw new StepUpError('ERR_STEP_UP_FAILED', 'stepUp did not resolve a token', {
                challenge,
              })
            }
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
    const headers = new Headers(base.headers)
    headers.delete('authorization')
    const context = () => ({
      get request() {
        return new Request(base, { headers, body: bytes })
      },
    })

    const send = async (token: string): Promise<[Response, boolean, string]> => {
      let url = base.url
      let method = base.method
      let data = bytes
      let authorized = true
      const h = new Headers(headers)
      for (let hop = 0; ; hop++) {
        authorized &&= origins.has(new URL(url).origin)
        if (authorized) h.set('authorization', `Bearer ${token}`)
        else h.delete('authorization')
        const redirect = follow ? 'manual' : base.redirect
        const next = { method, headers: h, body: data, redirect }
        const response = await fetchImpl(
          hop === 0 ? new Request(base, next) : new Request(url, { ...next, signal: base.signal }),
        )
        const location = response.headers.get('location')
        if (!follow || !location || !/^30[12378]$/.test(`${response.status}`)) {
          return [response, authorized, url]
        }
        if (hop === 20) throw new TypeError('too many redirects')
        const status = response.status
        if (
          status === 303 ? method !== 'GET' && method !== 'HEAD' : status < 303 && method === 'POST'
        ) {
          method = 'GET'
          data = null
          for (const [name] of [...h]) if (name.startsWith('content-')) h.delete(name)
        }
        url = new URL(location, url).href
        await response.body?.cancel()
      }
    }

    const seen: string[] = []
    let token = await getAccessToken(context())
    if (typeof token !== 'string' || token === '') {
      throw invalidArg('getAccessToken must resolve a token', 'ERR_INVALID_RETURN_VALUE')
    }
    for (;;) {
      const sentAt = epoch
      const [response, authorized, url] = await send(token)
      if (!authorized) return response
      const challenge = readStepUpChallenge(response, { scheme: 'Bearer' })
      if (!challenge) {
        const invalid = readOAuthChallenges(response, 'bearer').find(
          ([c]) => c.error === 'invalid_token',
        )
        if (invalid && onInvalidToken) {
          await onInvalidToken({ ...context(), response, challenge: invalid[1] })
        }
        return response
      }
      const key = `${new URL(url).origin} ${challengeKey(challenge)}`
      if (seen.includes(key)) {
        throw new StepUpError('ERR_STEP_UP_LOOP', 'the challenge repeated after a step-up', {
          challenge,
          response,
        })
      }
      if (seen.push(key) > maxStepUps) {
        throw new StepUpError('ERR_STEP_UP_LIMIT', 'too many step-ups for one request', {
          challenge,
          response,
        })
      }
      await response.body?.cancel()
      base.signal.throwIfAborted()
      const aborted = new Promise<never>((_, reject) => {
        base.signal.addEventListener('abort', () => reject(base.signal.reason), { once: true })
      })
      token = await Promise.race([share(key, sentAt, challenge, context().request), aborted])
    }
  }
}
