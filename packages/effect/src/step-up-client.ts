import {
  buildStepUpAuthorizationParams,
  readStepUpChallenge,
  type StepUpAuthorizationParams,
  type StepUpChallenge,
  StepUpError,
} from '@stepup/client'
import { checkOptions, invalidArgument } from '@stepup/internal'
import { challengeKey, nextRedirectHop, normalizeAllowedOrigins } from '@stepup/internal/step-up'
import {
  parseOAuthChallenge,
  safeParseWwwAuthenticate,
  type WwwAuthenticateChallenge,
} from '@stepup/www-authenticate'
import * as Deferred from 'effect/Deferred'
import * as Duration from 'effect/Duration'
import * as Effect from 'effect/Effect'
import * as FetchHttpClient from 'effect/http/FetchHttpClient'
import * as HttpBody from 'effect/http/HttpBody'
import * as HttpClient from 'effect/http/HttpClient'
import * as HttpClientError from 'effect/http/HttpClientError'
import * as HttpClientRequest from 'effect/http/HttpClientRequest'
import type { HttpClientResponse } from 'effect/http/HttpClientResponse'
import * as Url from 'effect/http/Url'
import * as Option from 'effect/Option'
import * as Result from 'effect/Result'
import * as Schedule from 'effect/Schedule'
import { StepUpFailed } from './client-errors.js'
import { StepUpAuthError } from './errors.js'

/**
 * What `onInvalidToken` is told: the request (without `Authorization`), the 401 response that
 * is returned unchanged, and the `invalid_token` challenge.
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * const client = yield* makeStepUpClient({
 *   ...options,
 *   onInvalidToken: ({ challenge, response }) => Effect.log(response.status, challenge.params.error_description),
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface InvalidTokenContext {
  /** The request that got the 401, without `Authorization`. */
  readonly request: HttpClientRequest.HttpClientRequest
  /** The 401 response, returned unchanged after the hook. */
  readonly response: HttpClientResponse
  /** The `invalid_token` challenge. */
  readonly challenge: WwwAuthenticateChallenge
}

/**
 * The options of {@link makeStepUpClient}: the token and step-up Effects, the origins that may see
 * the token, the scope held, and the replaceable retry `Schedule` and timeouts.
 *
 * @example
 * ```ts
 * const client = yield* makeStepUpClient({
 *   allowedOrigins: ['https://api.example.com'],
 *   getAccessToken: () => Ref.get(currentToken),
 *   stepUp: (challenge) => signInAgain(challenge),
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface StepUpClientOptions<E, R1, R2> {
  /** The access token for a request; run once per request sent through the client. */
  readonly getAccessToken: (
    request: HttpClientRequest.HttpClientRequest,
  ) => Effect.Effect<string, E, R1>
  /**
   * Get a stronger token for a challenge (redirect and resume, popup, CIBA, device flow), given
   * the challenged request and `params`, the authorization request parameters to send (as
   * `@stepup/client`'s `createStepUpFetch` gives them). Fail with an `AbortError` when the user
   * cancels, or with the authorization server's error (an object whose `error` is
   * `unmet_authentication_requirements`); every failure becomes a `StepUpAuthError` with reason `StepUpFailed`. Concurrent
   * requests meeting the same challenge share one run.
   */
  readonly stepUp: (
    challenge: StepUpChallenge,
    request: HttpClientRequest.HttpClientRequest,
    params: StepUpAuthorizationParams,
  ) => Effect.Effect<string, unknown, R2>
  /**
   * The exact origins (`https://api.example.com`) that may receive the token: `https:`, or
   * loopback `http:` (`localhost`, `127.0.0.1`, `[::1]`) for development (RFC 6750 §5.3).
   */
  readonly allowedOrigins: readonly string[]
  /** `http:` origins of `allowedOrigins` that may receive the token without TLS anyway. */
  readonly allowInsecureOrigins?: readonly string[]
  /**
   * The scope the token was requested with; each step-up asks for it plus what the server names,
   * and later step-ups keep what earlier ones added.
   */
  readonly currentScope?: string | readonly string[]
  /** How `params` asks for the ACR: `acr_values` (default) or an OIDC `claims` request. */
  readonly mode?: 'acr_values' | 'claims'
  /** Step-ups allowed for one request; default 1. */
  readonly maxStepUps?: number
  /**
   * How transport failures (including timeouts) of idempotent requests are retried; default
   * exponential from 100 ms, at most 2 retries (RFC 9110 §9.2.2: idempotent methods only). Use
   * `Schedule.recurs(0)` to never retry.
   */
  readonly retry?: Schedule.Schedule<unknown, HttpClientError.HttpClientError>
  /** Time allowed for each attempt; default 30 seconds. */
  readonly timeout?: Duration.Input
  /** Time allowed for one `stepUp` run; default 5 minutes. */
  readonly stepUpTimeout?: Duration.Input
  /** Told about an `invalid_token` challenge (e.g. to drop a cached token); not a step-up. */
  readonly onInvalidToken?: (context: InvalidTokenContext) => Effect.Effect<void>
}

const OPTIONS = new Set([
  'getAccessToken',
  'stepUp',
  'allowedOrigins',
  'allowInsecureOrigins',
  'currentScope',
  'mode',
  'maxStepUps',
  'retry',
  'timeout',
  'stepUpTimeout',
  'onInvalidToken',
])

/** The default `retry`: exponential from 100 ms, at most 2 retries. */
const DEFAULT_RETRY: Schedule.Schedule<unknown> = /*#__PURE__*/ Schedule.max([
  Schedule.exponential('100 millis'),
  Schedule.recurs(2),
])

/** RFC 9110 §9.2.2: the methods a transport failure may be retried for. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])
/** As fetch: the most redirects followed for one request. */
const MAX_REDIRECTS = 20
const WHERE = 'makeStepUpClient'
/** A challenge to build `params` for when checking `currentScope` and `mode`. */
const PROBE: StepUpChallenge = {
  kind: 'insufficient_scope',
  scheme: 'bearer',
  raw: { scheme: 'bearer', params: {} },
}

/** Re-label a coded TypeError of `@stepup/client` as this function's. */
function relabel(run: () => void): void {
  try {
    run()
  } catch (error) {
    const e = error as Error
    e.message = `${WHERE}: ${e.message.replace(/^buildStepUpAuthorizationParams: /, '')}`
    throw e
  }
}

/** The absolute URL a request goes to (its `urlParams` and hash included), if it has one. */
function urlOf(request: HttpClientRequest.HttpClientRequest): URL | undefined {
  const url = Url.make(request.url, request.urlParams, Option.getOrUndefined(request.hash))
  return Result.isSuccess(url) ? url.success : undefined
}

/** The response as a web `Response` (headers only), when its status may carry a challenge. */
function asWebResponse(response: HttpClientResponse): Response | undefined {
  if (response.status !== 401 && response.status !== 403) return undefined
  return new Response(null, { status: response.status, headers: response.headers })
}

function invalidTokenChallenge(web: Response): WwwAuthenticateChallenge | undefined {
  const value = web.headers.get('www-authenticate')
  const parsed = value === null ? undefined : safeParseWwwAuthenticate(value)
  if (!parsed?.success) return undefined
  return parsed.data.find(
    (c) => c.scheme.toLowerCase() === 'bearer' && parseOAuthChallenge(c).error === 'invalid_token',
  )
}

/** One request of a redirect chain (without `Authorization`) and its absolute URL. */
interface Hop {
  readonly request: HttpClientRequest.HttpClientRequest
  readonly url: string
}

/**
 * Wraps the `HttpClient` in context with the step-up behaviour of `@stepup/client`'s
 * `createStepUpFetch`, through the same shared rules.
 *
 * `Authorization: Bearer` goes only to `allowedOrigins` (exact origins, `https:` or loopback unless
 * `allowInsecureOrigins` opts in, RFC 6750 §5.3); of a response's challenges the step-up one wins,
 * and one whose parameters or JSON body are invalid fails with `ERR_CHALLENGE_INVALID` before
 * `stepUp` runs; one shared `stepUp` run per challenge (single flight), then one replay; the same
 * challenge again, or more than `maxStepUps`, fails with the reason `StepUpFailed` instead of
 * looping.
 *
 * A stream body fails with `ERR_BODY_NOT_REPLAYABLE` before anything is sent. Options are checked
 * when this is called, unknown keys included (`ERR_UNKNOWN_OPTION`).
 *
 * Replay rule: only the request whose answer was the challenge is sent again (the server refused
 * it). Redirects are followed here, one hop at a time (`FetchHttpClient` is given
 * `redirect: 'manual'`), so after a redirect only the challenged hop is re-issued: a `POST`
 * answered with `303` may have been applied and is never sent again (RFC 9110 §9.2.2). Transport
 * failures are retried for idempotent methods only. A `RequestInit` in context whose `redirect`
 * is `'manual'` or `'error'` is left alone, and redirects with it; a response that the underlying
 * client reached by following redirects itself is returned as it is, never answered.
 *
 * @example
 * ```ts
 * const api = yield* makeStepUpClient({
 *   allowedOrigins: ['https://api.example.com'],
 *   currentScope: 'openid accounts',
 *   getAccessToken: () => Ref.get(currentToken),
 *   stepUp: (_challenge, _request, params) =>
 *     Effect.tap(signInAgain(params), (t) => Ref.set(token, t)),
 * })
 * const response = yield* api.post('https://api.example.com/transfers', { body })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-5.3
 */
export function makeStepUpClient<E = never, R1 = never, R2 = never>(
  options: StepUpClientOptions<E, R1, R2>,
): Effect.Effect<
  HttpClient.HttpClient.With<
    HttpClientError.HttpClientError | StepUpAuthError<'StepUpFailed'> | E,
    R1 | R2
  >,
  never,
  HttpClient.HttpClient
> {
  checkOptions(options, OPTIONS, WHERE)
  const { getAccessToken, stepUp, onInvalidToken, maxStepUps = 1, mode } = options ?? {}
  for (const [name, fn] of [
    ['getAccessToken', getAccessToken],
    ['stepUp', stepUp],
    ['onInvalidToken', onInvalidToken ?? stepUp],
  ] as const) {
    if (typeof fn !== 'function')
      throw invalidArgument(`${WHERE}: ${name} must be a function`, {
        code: 'ERR_INVALID_ARG_TYPE',
      })
  }
  if (!Number.isSafeInteger(maxStepUps) || maxStepUps < 1) {
    throw invalidArgument(`${WHERE}: maxStepUps must be a positive integer (default 1)`)
  }
  let origins = new Set<string>()
  let held: readonly string[] = []
  relabel(() => {
    origins = normalizeAllowedOrigins(options.allowedOrigins, options.allowInsecureOrigins ?? [])
    const probe = buildStepUpAuthorizationParams(PROBE, {
      currentScope: options.currentScope ?? [],
      ...(mode !== undefined && { mode }),
    })
    held = probe.scope?.split(' ') ?? []
  })
  const retry = options.retry ?? DEFAULT_RETRY
  const timeout = Duration.fromInputUnsafe(options.timeout ?? '30 seconds')
  const stepUpTimeout = Duration.fromInputUnsafe(options.stepUpTimeout ?? '5 minutes')

  return Effect.map(HttpClient.HttpClient, (client) => {
    const inflight = new Map<string, Deferred.Deferred<string, StepUpFailed>>()
    const finished = new Map<string, readonly [epoch: number, token: string]>()
    let epoch = 0

    const send = (request: HttpClientRequest.HttpClientRequest) =>
      client.execute(request).pipe(
        Effect.timeoutOrElse({
          duration: timeout,
          orElse: () =>
            Effect.fail(
              new HttpClientError.HttpClientError({
                reason: new HttpClientError.TransportError({ request, description: 'timed out' }),
              }),
            ),
        }),
        Effect.retry({
          schedule: retry,
          while: (error) =>
            HttpClientError.isHttpClientError(error) &&
            error.reason._tag === 'TransportError' &&
            IDEMPOTENT.has(request.method),
        }),
      )

    const share = (
      key: string,
      sentAt: number,
      challenge: StepUpChallenge,
      request: HttpClientRequest.HttpClientRequest,
    ): Effect.Effect<string, StepUpFailed, R2> =>
      Effect.suspend(() => {
        const last = finished.get(key)
        if (last && last[0] > sentAt) return Effect.succeed(last[1])
        const pending = inflight.get(key)
        if (pending) return Deferred.await(pending)
        const deferred = Deferred.makeUnsafe<string, StepUpFailed>()
        inflight.set(key, deferred)
        let params: StepUpAuthorizationParams = {}
        const run = Effect.suspend(() => {
          params = buildStepUpAuthorizationParams(challenge, {
            currentScope: held,
            ...(mode !== undefined && { mode }),
          })
          return stepUp(challenge, request, params)
        }).pipe(
          Effect.timeoutOrElse({
            duration: stepUpTimeout,
            orElse: () => Effect.fail(new StepUpFailed({ code: 'ERR_STEP_UP_TIMEOUT', challenge })),
          }),
          Effect.mapError((cause) => StepUpFailed.fromCause(cause, challenge)),
          Effect.flatMap((token) => {
            if (typeof token !== 'string' || token === '') {
              return Effect.fail(new StepUpFailed({ code: 'ERR_STEP_UP_FAILED', challenge }))
            }
            held = [...new Set([...held, ...(params.scope?.split(' ') ?? [])])]
            finished.set(key, [++epoch, token])
            if (finished.size > 64) finished.delete(finished.keys().next().value as string)
            return Effect.succeed(token)
          }),
          Effect.onExit((exit) => {
            inflight.delete(key)
            return Deferred.done(deferred, exit)
          }),
        )
        return Effect.flatMap(Effect.forkDetach(run), () => Deferred.await(deferred))
      })

    const guarded = (
      request: HttpClientRequest.HttpClientRequest,
    ): Effect.Effect<
      HttpClientResponse,
      HttpClientError.HttpClientError | StepUpFailed | E,
      R1 | R2
    > => {
      const url = urlOf(request)
      if (url === undefined || !origins.has(url.origin)) return client.execute(request)
      if (request.body._tag === 'Stream') {
        return Effect.fail(new StepUpFailed({ code: 'ERR_BODY_NOT_REPLAYABLE' }))
      }
      const first: Hop = {
        request: HttpClientRequest.removeHeader(request, 'authorization'),
        url: url.href,
      }
      return Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (given) => {
        const init = Option.getOrUndefined(given)
        const follow = init?.redirect === undefined || init.redirect === 'follow'
        const exec = (req: HttpClientRequest.HttpClientRequest) =>
          follow
            ? Effect.provideService(send(req), FetchHttpClient.RequestInit, {
                ...init,
                redirect: 'manual',
              })
            : send(req)

        /** Sends `hop`, then follows redirects one hop at a time (fetch's rules, at most 20). */
        const sendFrom = (
          hop: Hop,
          token: string,
          authorized = true,
          redirects = 0,
        ): Effect.Effect<
          readonly [HttpClientResponse, Hop, boolean],
          HttpClientError.HttpClientError
        > =>
          Effect.suspend(() => {
            const allowed = authorized && origins.has(new URL(hop.url).origin)
            const req = allowed ? HttpClientRequest.bearerToken(hop.request, token) : hop.request
            return Effect.flatMap(exec(req), (response) => {
              // A client that followed redirects itself: which request met the challenge is
              // unknown, so none is replayed and the response goes back as it is.
              if (response.url !== '' && response.url !== hop.url.split('#')[0]) {
                return Effect.succeed([response, hop, false] as const)
              }
              const transport = (description: string) =>
                Effect.fail(
                  new HttpClientError.HttpClientError({
                    reason: new HttpClientError.TransportError({ request: req, description }),
                  }),
                )
              let next: ReturnType<typeof nextRedirectHop>
              try {
                next = follow
                  ? nextRedirectHop(
                      hop.url,
                      hop.request.method,
                      response.status,
                      response.headers.location,
                    )
                  : undefined
              } catch (error) {
                return transport((error as Error).message)
              }
              if (!next) return Effect.succeed([response, hop, allowed] as const)
              if (redirects === MAX_REDIRECTS) return transport('too many redirects')
              let request = HttpClientRequest.setUrl(hop.request, new URL(next.url))
              request = HttpClientRequest.setMethod(request, next.method as 'GET')
              if (next.dropBody) {
                request = HttpClientRequest.setBody(request, HttpBody.empty)
                for (const name of Object.keys(request.headers)) {
                  if (name.startsWith('content-')) {
                    request = HttpClientRequest.removeHeader(request, name)
                  }
                }
              }
              return sendFrom({ request, url: next.url }, token, allowed, redirects + 1)
            })
          })

        const seen: string[] = []
        const attempt = (
          hop: Hop,
          token: string,
        ): Effect.Effect<HttpClientResponse, HttpClientError.HttpClientError | StepUpFailed, R2> =>
          Effect.suspend(() => {
            const sentAt = epoch
            return Effect.flatMap(sendFrom(hop, token), ([response, challenged, authorized]) => {
              const web = authorized ? asWebResponse(response) : undefined
              /** Runs a `@stepup/client` reader; its `StepUpError` becomes a `StepUpFailed`. */
              const reading = <A>(read: () => A): Effect.Effect<A, StepUpFailed> => {
                try {
                  return Effect.succeed(read())
                } catch (error) {
                  if (!(error instanceof StepUpError)) return Effect.die(error)
                  const { code, challenge, message } = error
                  return Effect.fail(
                    new StepUpFailed({ code, challenge, response, cause: error, message }),
                  )
                }
              }
              const found: Effect.Effect<StepUpChallenge | undefined, StepUpFailed> = web
                ? reading(() => readStepUpChallenge(web, { scheme: 'Bearer' }))
                : Effect.succeed(undefined)
              return Effect.flatMap(found, (challenge) => {
                if (!web || !challenge) {
                  const invalidToken = web && onInvalidToken && invalidTokenChallenge(web)
                  return invalidToken
                    ? Effect.as(
                        onInvalidToken({
                          request: challenged.request,
                          response,
                          challenge: invalidToken,
                        }),
                        response,
                      )
                    : Effect.succeed(response)
                }
                const full =
                  challenge.kind === 'step_up' ||
                  challenge.kind === 'insufficient_authorization_details'
                    ? Effect.flatMap(response.text, (text) =>
                        reading(
                          () =>
                            readStepUpChallenge(web, { scheme: 'Bearer', body: text }) ?? challenge,
                        ),
                      )
                    : Effect.succeed(challenge)
                return Effect.flatMap(full, (challenge) => {
                  const key = `${new URL(challenged.url).origin} ${challengeKey(challenge)}`
                  if (seen.includes(key)) {
                    return Effect.fail(
                      new StepUpFailed({ code: 'ERR_STEP_UP_LOOP', challenge, response }),
                    )
                  }
                  if (seen.push(key) > maxStepUps) {
                    return Effect.fail(
                      new StepUpFailed({ code: 'ERR_STEP_UP_LIMIT', challenge, response }),
                    )
                  }
                  return Effect.flatMap(share(key, sentAt, challenge, challenged.request), (next) =>
                    attempt(challenged, next),
                  )
                })
              })
            })
          })
        return Effect.flatMap(
          Effect.flatMap(getAccessToken(first.request), (token) =>
            typeof token === 'string' && token !== ''
              ? Effect.succeed(token)
              : Effect.die(
                  invalidArgument(
                    `${WHERE}: getAccessToken must succeed with the access token (a non-empty string)`,
                    { code: 'ERR_INVALID_RETURN_VALUE' },
                  ),
                ),
          ),
          (token) => attempt(first, token),
        )
      })
    }

    return HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
        Effect.mapError(Effect.flatMap(request, guarded), (error) =>
          error instanceof StepUpFailed ? new StepUpAuthError({ reason: error }) : error,
        ),
      Effect.succeed,
    )
  })
}
