import type { DynamicModule, FactoryProvider } from '@nestjs/common'
import type { ProtectedResourceMetadataOptions, StepUpGuardOptions } from '@stepup/assurance'

/**
 * The options of `StepUpModule.forRoot`: the guard options every adapter takes, the
 * `requirement` of routes without a `@RequireAssurance()` of their own, and the RFC 9728
 * `metadata` document to serve.
 *
 * The guard options are `verify`, `realm`, `resourceMetadata`, `acrRegistry`,
 * `authorizationDetailsRegistry`, `clockTolerance`, `bodyLimit`, `certificateThumbprint`, `dpop`,
 * `exposeChallenge`, `onDecision`, `now` and `signals`. `requirement` is a requirement object, a
 * function of the request or a policy made by `createRiskPolicy` (default: any valid token). `R`
 * is the platform's request (Express's `Request` or Fastify's `FastifyRequest`) as `signals`,
 * `certificateThumbprint`, `verify` and requirement functions receive it.
 *
 * @example
 * ```ts
 * const stepUp = StepUpModule.forRoot({ verify, realm: 'bank', metadata: { resource: 'https://api.example.com' } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpOptions<R = unknown> extends StepUpGuardOptions<R> {
  /**
   * Serve this protected resource metadata at its `/.well-known/oauth-protected-resource[/path]`
   * path (derived from `resource`).
   */
  readonly metadata?: ProtectedResourceMetadataOptions | undefined
}

/** The keys `StepUpModule` reads itself; the guard refuses any other that is not its own. */
export const MODULE_OPTIONS: readonly string[] = ['metadata']

/**
 * The options of `StepUpModule.forRootAsync`, whose `useFactory` resolves the guard options (as
 * for `forRoot`, without `metadata`) from the providers named in `inject`.
 *
 * `imports` makes those providers available. `metadata` stays beside the factory: Nest maps
 * routes before any factory runs.
 *
 * @example
 * ```ts
 * const stepUp = StepUpModule.forRootAsync({ useFactory: (realm: string) => ({ verify, realm }), inject: ['REALM'] })
 * ```
 */
export interface StepUpModuleAsyncOptions<R = unknown> {
  /** Modules whose exported providers `inject` names (a configuration module). */
  readonly imports?: DynamicModule['imports'] | undefined
  /** The providers `useFactory` receives, in order. */
  readonly inject?: FactoryProvider['inject'] | undefined
  /** Resolves the options of `forRoot` (without `metadata`); checked when it resolves. */
  readonly useFactory: (...args: never[]) => StepUpGuardOptions<R> | Promise<StepUpGuardOptions<R>>
  /** The RFC 9728 document to serve, as in `forRoot` (routes are mapped before any factory runs). */
  readonly metadata?: ProtectedResourceMetadataOptions | undefined
}

export const ASYNC_OPTIONS: ReadonlySet<string> = new Set([
  'imports',
  'inject',
  'useFactory',
  'metadata',
])
