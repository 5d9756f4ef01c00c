import { challengeKey, readStepUpChallenge, type StepUpChallenge } from '@stepup/client'
import {
  INVALID_TOKEN,
  parseOAuthChallenge,
  safeParseWwwAuthenticate,
  type WwwAuthenticateChallenge,
} from '@stepup/www-authenticate'
import * as Deferred from 'effect/Deferred'
import * as Duration from 'effect/Duration'
import * as Effect from 'effect/Effect'
import * as HttpClient from 'effect/http/HttpClient'
import * as HttpClientError from 'effect/http/HttpClientError'
import * as HttpClientRequest from 'effect/http/HttpClientRequest'
import type { HttpClientResponse } from 'effect/http/HttpClientResponse'
import * as Schedule from 'effect/Schedule'
import { StepUpFailed } from './client-errors.js'

/**
 * What `onInvalidToken` is told: the request (without `Authorization`), the 401 response that
 * is returned unchanged, and the `invalid_token` challenge.
 *
 * @example
 * ```ts
 * const onInvalidToken = ({ challenge }: InvalidTokenContext) => Effect.log(challenge.params.error_description)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export interface InvalidTokenContext {
  readonly request: HttpClientRequest.HttpClientRequest
  readonly response: HttpClientResponse
  readonly challenge: WwwAuthenticateChallenge
}

/**
 * Options of {@link makeStepUpClient}: the token and step-up Effects, the origins that may see
 * the token, and the replaceable retry `Schedule` and timeouts.
 *
 * @example
 * ```ts
 * const options: StepUpClientOptions<never, never, never> = {
 *   allowedOrigins: ['https://api.example.com'],
 *   getAccessToken: () => Ref.get(token),
 *   stepUp: (challenge) => signInAgain(challenge),
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface StepUpClientOptions<E, R1, R2> {
  /** The access token for a request; run once per request sent through the client. */
  readonly getAccessToken: (
    request: HttpClientRequest.HttpClientRequest,
  ) => Effect.Effect<string, E, R1>
  /**
   * Get a stronger token for a challenge (redirect and resume, popup, CIBA, device flow). Fail
   * with an `AbortError` when the user cancels, or with the authorization server's error (an
   * object whose `error` is `unmet_authentication_requirements`); every failure becomes
   * {@link StepUpFailed}. Concurrent requests meeting the same challenge share one run.
   */
  readonly stepUp: (
    challenge: StepUpChallenge,
    request: HttpClientRequest.HttpClientRequest,
  ) => Effect.Effect<string, unknown, R2>
  /** The exact origins (`https://api.example.com`) that may receive the token. */
  readonly allowedOrigins: readonly string[]
  /** Step-ups allowed for one request; default 1. */
  readonly maxStepUps?: number
  /**
   * How transport failures (including timeouts) of idempotent requests are retried; default
   * {@link DEFAULT_RETRY}. Use `Schedule.recurs(0)` to never retry.
   */
  readonly retry?: Schedule.Schedule<unknown, HttpClientError.HttpClientError>
  /** Time allowed for each attempt; default 30 seconds. */
  readonly timeout?: Duration.Input
  /** Time allowed for one `stepUp` run; default 5 minutes. */
  readonly stepUpTimeout?: Duration.Input
  /** Told about an `invalid_token` challenge (e.g. to drop a cached token); not a step-up. */
  readonly onInvalidToken?: (context: InvalidTokenContext) => Effect.Effect<void>
}

/**
 * The default retry of {@link makeStepUpClient}: exponential from 100 ms, at most 2 retries.
 *
 * @example
 * ```ts
 * const client = yield* makeStepUpClient({ ...options, retry: Schedule.spaced('1 second') })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2
 */
export const DEFAULT_RETRY: Schedule.Schedule<unknown> = /*#__PURE__*/ Schedule.max([
  Schedule.exponential('100 millis'),
  Schedule.recurs(2),
])

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])

function invalidArg(message: string, code = 'ERR_INVALID_ARG_VALUE'): TypeError {
  return Object.assign(new TypeError(message), { code })
}

function toOrigins(list: unknown): Set<string> {
  const message =
    'allowedOrigins must be a non-empty list of origins such as https://api.example.com'
  if (!Array.isArray(list) || list.length === 0) throw invalidArg(message)
  return new Set(
    list.map((value) => {
      let url: URL | undefined
      try {
        url = new URL(value)
      } catch {}
      if (!url || !/^https?:$/.test(url.protocol) || url.href !== `${url.origin}/`) {
        throw invalidArg(message)
      }
      return url.origin
    }),
  )
}

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
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
    (c) => c.scheme.toLowerCase() === 'bearer' && parseOAuthChallenge(c).error === INVALID_TOKEN,
  )
}

/**
 * Wrap the `HttpClient` in context with the step-up behaviour of `@stepup/client`'s
 * `createStepUpFetch`: `Authorization: Bearer` only for `allowedOrigins`; on an RFC 9470
 * challenge one shared `stepUp` run per challenge (single flight), then one replay of the same
 * request; the same challenge again, or more than `maxStepUps`, fails with
 * {@link StepUpFailed} instead of looping. A stream body fails with `ERR_BODY_NOT_REPLAYABLE`
 * before anything is sent. Options are checked when this is called.
 *
 * @example
 * ```ts
 * const api = yield* makeStepUpClient({
 *   allowedOrigins: ['https://api.example.com'],
 *   getAccessToken: () => Ref.get(token),
 *   stepUp: (challenge) => Effect.tap(signInAgain(challenge), (t) => Ref.set(token, t)),
 * })
 * const response = yield* api.post('https://api.example.com/transfers', { body })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export function makeStepUpClient<E = never, R1 = never, R2 = never>(
  options: StepUpClientOptions<E, R1, R2>,
): Effect.Effect<
  HttpClient.HttpClient.With<HttpClientError.HttpClientError | StepUpFailed | E, R1 | R2>,
  never,
  HttpClient.HttpClient
> {
  const { getAccessToken, stepUp, onInvalidToken, maxStepUps = 1 } = options ?? {}
  for (const [name, fn] of [
    ['getAccessToken', getAccessToken],
    ['stepUp', stepUp],
    ['onInvalidToken', onInvalidToken ?? stepUp],
  ] as const) {
    if (typeof fn !== 'function')
      throw invalidArg(`${name} must be a function`, 'ERR_INVALID_ARG_TYPE')
  }
  if (!Number.isSafeInteger(maxStepUps) || maxStepUps < 1) {
    throw invalidArg('maxStepUps must be a positive integer')
  }
  const origins = toOrigins(options.allowedOrigins)
  const retry = options.retry ?? DEFAULT_RETRY
  const timeout = Duration.fromInputUnsafe(options.timeout ?? '30 seconds')
  const stepUpTimeout = Duration.fromInputUnsafe(options.stepUpTimeout ?? '5 minutes')

  return Effect.map(HttpClient.HttpClient, (client) => {
    const inflight = new Map<string, Deferred.Deferred<string, StepUpFailed>>()
    const finished = new Map<string, readonly [epoch: number, token: string]>()
    let epoch = 0

    const send = (request: HttpClientRequest.HttpClientRequest, token: string) =>
      client.execute(HttpClientRequest.bearerToken(request, token)).pipe(
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
        const run = Effect.suspend(() => stepUp(challenge, request)).pipe(
          Effect.timeoutOrElse({
            duration: stepUpTimeout,
            orElse: () => Effect.fail(new StepUpFailed({ code: 'ERR_STEP_UP_TIMEOUT', challenge })),
          }),
          Effect.mapError((cause) => StepUpFailed.fromCause(cause, challenge)),
          Effect.flatMap((token) => {
            if (typeof token !== 'string' || token === '') {
              return Effect.fail(new StepUpFailed({ code: 'ERR_STEP_UP_FAILED', challenge }))
            }
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
      const origin = originOf(request.url)
      if (origin === undefined || !origins.has(origin)) return client.execute(request)
      if (request.body._tag === 'Stream') {
        return Effect.fail(new StepUpFailed({ code: 'ERR_BODY_NOT_REPLAYABLE' }))
      }
      const bare = HttpClientRequest.removeHeader(request, 'authorization')
      const seen: string[] = []
      const attempt = (
        token: string,
      ): Effect.Effect<HttpClientResponse, HttpClientError.HttpClientError | StepUpFailed, R2> =>
        Effect.suspend(() => {
          const sentAt = epoch
          return Effect.flatMap(send(bare, token), (response) => {
            const where = response.url ? originOf(response.url) : origin
            const web =
              where !== undefined && origins.has(where) ? asWebResponse(response) : undefined
            const challenge = web && readStepUpChallenge(web, { scheme: 'Bearer' })
            if (!challenge) {
              const invalid = web && onInvalidToken && invalidTokenChallenge(web)
              return invalid
                ? Effect.as(
                    onInvalidToken({ request: bare, response, challenge: invalid }),
                    response,
                  )
                : Effect.succeed(response)
            }
            const key = `${where} ${challengeKey(challenge)}`
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
            return Effect.flatMap(share(key, sentAt, challenge, bare), attempt)
          })
        })
      return Effect.flatMap(
        Effect.flatMap(getAccessToken(bare), (token) =>
          typeof token === 'string' && token !== ''
            ? Effect.succeed(token)
            : Effect.die(
                invalidArg(
                  'getAccessToken must succeed with a non-empty string',
                  'ERR_INVALID_RETURN_VALUE',
                ),
              ),
        ),
        attempt,
      )
    }

    return HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
        Effect.flatMap(request, guarded),
      Effect.succeed,
    )
  })
}
