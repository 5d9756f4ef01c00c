import type {
  AssuranceRequirement,
  RiskPolicy as CoreRiskPolicy,
  AccessTokenVerifier as CoreVerifier,
} from '@stepup/assurance'
import {
  checkStepUpOptions,
  createProtectedResourceMetadata,
  createStepUpGuard,
  type HttpRequestView,
  type ProtectedResourceMetadataOptions,
  readRequestBody,
  type StepUpAuth,
  type StepUpGuard,
  type StepUpGuardOptions,
  type StepUpOutcome,
} from '@stepup/assurance'
import { invalidArgument } from '@stepup/internal'
import * as Context from 'effect/Context'
import * as Effect from 'effect/Effect'
import * as HttpRouter from 'effect/http/HttpRouter'
import { HttpServerRequest } from 'effect/http/HttpServerRequest'
import * as HttpServerResponse from 'effect/http/HttpServerResponse'
import type * as Layer from 'effect/Layer'
import * as Option from 'effect/Option'
import { AccessTokenVerifier, coreVerifiers } from './access-token-verifier.js'
import { AcrRegistry } from './acr-registry.js'
import { toHttpServerResponse } from './assurance-errors.js'
import { AuthorizationDetailsRegistry } from './authorization-details-registry.js'
import { RiskPolicy } from './risk-policy.js'

const VerifiedClaimsBase: Context.ServiceClass<
  VerifiedClaims,
  '@stepup/effect/VerifiedClaims',
  StepUpAuth
> = /*#__PURE__*/ Context.Service<VerifiedClaims, StepUpAuth>()('@stepup/effect/VerifiedClaims')

/**
 * What the step-up middleware provides to a handler that it let through: the verified `claims`,
 * the `token` and the `decision` (requirement, risk rules that fired, result).
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * import * as HttpServerResponse from 'effect/http/HttpServerResponse'
 * const handler = Effect.gen(function* () {
 *   const { claims } = yield* VerifiedClaims
 *   return HttpServerResponse.jsonUnsafe({ sub: claims.sub })
 * })
 * ```
 */
export class VerifiedClaims extends VerifiedClaimsBase {}

/**
 * A function of the request that returns a value, a promise or an Effect that needs nothing from
 * context, as `requirement` and `signals` take it.
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * requireAssurance({ requirement: (req) => Effect.succeed({ acr_values: ['phr'], max_age: req.method === 'DELETE' ? 0 : 300 }) })
 * ```
 */
export type Resolvable<A> = (
  request: HttpServerRequest,
) => A | Promise<A> | Effect.Effect<A, never, never>

/**
 * The options of {@link stepUpMiddleware} and {@link requireAssurance}: those of the Express,
 * Fastify and fetch adapters, except that the verifier and both registries come from services.
 *
 * `requirement` may also name the {@link RiskPolicy} service.
 *
 * @example
 * ```ts
 * const guard = requireAssurance({ requirement: { acr_values: ['phr'], max_age: 300 }, realm: 'bank' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpOptions
  extends Omit<
    StepUpGuardOptions<HttpServerRequest>,
    'verify' | 'acrRegistry' | 'authorizationDetailsRegistry' | 'requirement' | 'signals'
  > {
  /**
   * What the route requires: a requirement object, a function of the request (a value, a
   * promise or an Effect), a policy made by `createRiskPolicy`, or `RiskPolicy` to use the
   * service in context.
   */
  readonly requirement?:
    | AssuranceRequirement
    | Resolvable<AssuranceRequirement>
    | CoreRiskPolicy
    | typeof RiskPolicy
    | undefined
  /** App-supplied risk signals for the policy (device, IP reputation, …). */
  readonly signals?: Resolvable<Record<string, unknown>> | undefined
}

const resolve =
  <A>(fn: Resolvable<A>) =>
  (request: HttpServerRequest): A | Promise<A> => {
    const value = fn(request)
    return Effect.isEffect(value) ? Effect.runPromise(value) : value
  }

const bridge = (verifier: AccessTokenVerifier['Service']): CoreVerifier =>
  coreVerifiers.get(verifier) ?? {
    verify: (token, options) =>
      Effect.runPromise(
        Effect.mapError(verifier.verify(token, options), (e) => e.reason.toAccessTokenError()),
      ),
  }

type Headers = HttpRequestView['headers']

/** Every field line of a header: Node's `headersDistinct` or the web `Headers` when reachable. */
function headersOf(request: HttpServerRequest): Headers {
  const source = request.source as { headersDistinct?: Headers; headers?: unknown }
  if (source.headersDistinct) return source.headersDistinct
  if (typeof Request !== 'undefined' && source instanceof Request) return source.headers
  return request.headers
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

const view = (request: HttpServerRequest): HttpRequestView => ({
  method: request.method,
  url: request.url,
  headers: headersOf(request),
  body: async (limit) => {
    const type = request.headers['content-type']
    const source = request.source as unknown
    // A web Request is read from a clone, within the limit.
    if (typeof Request !== 'undefined' && source instanceof Request)
      return readRequestBody(type, source.clone().body, limit)
    // Otherwise the platform's own reading is used, which it caches so the handler still gets the
    // body; the guard has checked Content-Length against the limit before, and the size is
    // checked again here. RFC 9112 §6.3: no Transfer-Encoding and no Content-Length, no body.
    const length = request.headers['content-length']
    if (
      request.headers['transfer-encoding'] === undefined &&
      (length === undefined || length === '0')
    )
      return undefined
    const text = await Effect.runPromise(request.text)
    return readRequestBody(type, once(new TextEncoder().encode(text)), limit)
  },
})

/**
 * The shared decision of both middleware forms: the guard of `@stepup/assurance`, rebuilt only
 * when a service it depends on changes.
 */
function makeAuthorize(
  options: StepUpOptions,
): Effect.Effect<StepUpOutcome, never, HttpServerRequest | AccessTokenVerifier> {
  for (const key of ['verify', 'acrRegistry', 'authorizationDetailsRegistry'] as const) {
    if (key in options)
      throw invalidArgument(
        `requireAssurance: "${key}" comes from its service layer (AccessTokenVerifier, AcrRegistry, AuthorizationDetailsRegistry), not from options`,
        { code: 'ERR_UNKNOWN_OPTION' },
      )
  }
  const { requirement, signals, ...rest } = options
  const fromService = requirement === RiskPolicy
  // A requirement object or a policy made by `createRiskPolicy` goes to the guard as is: the
  // guard tells them apart (by what made the policy, never by its shape).
  const fixed =
    fromService || requirement === undefined
      ? undefined
      : typeof requirement === 'function'
        ? resolve(requirement as Resolvable<AssuranceRequirement>)
        : requirement
  const build = (
    verify: CoreVerifier,
    acr: Option.Option<AcrRegistry['Service']>,
    details: Option.Option<AuthorizationDetailsRegistry['Service']>,
    risk: CoreRiskPolicy | undefined,
  ): StepUpGuard<HttpServerRequest> =>
    createStepUpGuard<HttpServerRequest>(
      {
        ...rest,
        verify,
        ...(fixed !== undefined && { requirement: fixed }),
        ...(risk && { requirement: risk }),
        ...(signals && { signals: resolve(signals) }),
        ...(Option.isSome(acr) && { acrRegistry: acr.value }),
        ...(Option.isSome(details) && { authorizationDetailsRegistry: details.value }),
      },
      'requireAssurance',
    )
  // The verifier and registries come from layers per request; everything else is checked now.
  checkStepUpOptions(
    {
      ...rest,
      ...(fixed !== undefined && { requirement: fixed }),
      ...(signals && { signals: resolve(signals) }),
    },
    'requireAssurance',
  )
  let last: { deps: readonly unknown[]; guard: StepUpGuard<HttpServerRequest> } | undefined
  return Effect.flatMap(
    Effect.all([
      HttpServerRequest,
      AccessTokenVerifier,
      Effect.serviceOption(AcrRegistry),
      Effect.serviceOption(AuthorizationDetailsRegistry),
      fromService
        ? Effect.map(Effect.serviceOption(RiskPolicy), Option.getOrUndefined)
        : Effect.succeed(undefined),
    ]),
    ([request, verifier, acr, details, risk]) => {
      const deps = [verifier, Option.getOrUndefined(acr), Option.getOrUndefined(details), risk]
      if (!last || deps.some((d, i) => d !== last?.deps[i])) {
        if (fromService && !risk)
          return Effect.die(new TypeError('the RiskPolicy service is not provided'))
        last = { deps, guard: build(bridge(verifier), acr, details, risk) }
      }
      const guard = last.guard
      return Effect.promise(() => guard(view(request), request))
    },
  )
}

/**
 * Guard one handler: verify the request's access token (from the {@link AccessTokenVerifier}
 * service), run the requirement or risk policy, then run the handler with {@link VerifiedClaims},
 * or answer with the same status, `WWW-Authenticate` and JSON body as the other adapters.
 * Options are checked when this is called.
 *
 * @example
 * ```ts
 * import * as HttpServerResponse from 'effect/http/HttpServerResponse'
 * import * as HttpRouter from 'effect/http/HttpRouter'
 * HttpRouter.add('POST', '/transfers', requireAssurance({ requirement: { acr_values: ['phrh'], max_age: 60 } })(
 *   VerifiedClaims.useSync( ({ claims }) => HttpServerResponse.jsonUnsafe({ sub: claims.sub })),
 * ))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function requireAssurance(
  options: StepUpOptions = {},
): <E, R>(
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
) => Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E,
  Exclude<R, VerifiedClaims> | HttpServerRequest | AccessTokenVerifier
> {
  const authorize = makeAuthorize(options)
  return (handler) =>
    Effect.flatMap(authorize, (outcome) =>
      outcome.ok
        ? Effect.provideService(handler, VerifiedClaims, outcome.auth)
        : Effect.succeed(toHttpServerResponse(outcome)),
    )
}

/**
 * The step-up check as `HttpRouter` middleware: provide its `layer` to route layers, and their
 * handlers read {@link VerifiedClaims}; the {@link AccessTokenVerifier} service (and optional
 * registries) come from the layers the router is built with.
 *
 * @example
 * ```ts
 * import * as Effect from 'effect/Effect'
 * import * as Layer from 'effect/Layer'
 * import * as HttpServerResponse from 'effect/http/HttpServerResponse'
 * import * as HttpRouter from 'effect/http/HttpRouter'
 * const Accounts = HttpRouter.add('GET', '/accounts', Effect.gen(function* () {
 *   const { claims } = yield* VerifiedClaims
 *   return HttpServerResponse.jsonUnsafe({ sub: claims.sub })
 * })).pipe(Layer.provide(stepUpMiddleware({ requirement: { scope: ['accounts:read'] } }).layer))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function stepUpMiddleware(options: StepUpOptions = {}): HttpRouter.Middleware<{
  provides: VerifiedClaims
  handles: never
  error: never
  requires: never
  layerError: never
  layerRequires: AccessTokenVerifier
}> {
  const authorize = makeAuthorize(options)
  return HttpRouter.middleware<{ provides: VerifiedClaims }>()(
    Effect.map(
      Effect.context<AccessTokenVerifier>(),
      (context) => (httpEffect) =>
        Effect.flatMap(Effect.provideContext(authorize, context), (outcome) =>
          outcome.ok
            ? Effect.provideService(httpEffect, VerifiedClaims, outcome.auth)
            : Effect.succeed(toHttpServerResponse(outcome)),
        ),
    ),
  )
}

/**
 * A route serving the RFC 9728 protected resource metadata document at its well-known path
 * (`/.well-known/oauth-protected-resource[/path]`), built and checked when this is called.
 *
 * @example
 * ```ts
 * const Metadata = protectedResourceMetadata({ resource: 'https://api.example.com/accounts', authorization_servers: ['https://as.example.com'] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): Layer.Layer<never, never, HttpRouter.HttpRouter> {
  const { path, headers, body } = createProtectedResourceMetadata(options)
  const { 'content-type': contentType, ...rest } = headers
  const response = HttpServerResponse.text(body, {
    headers: rest,
    contentType: contentType ?? 'application/json',
  })
  return HttpRouter.add('GET', path as `/${string}`, response)
}
