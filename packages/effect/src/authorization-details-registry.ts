import type { AuthorizationDetailsRegistryLike } from '@stepup/assurance'
import {
  type AuthorizationDetail,
  AuthorizationDetailsError,
  type AuthorizationDetailsRegistryOptions,
  type AuthorizationDetailType,
  createAuthorizationDetailsRegistry,
} from '@stepup/rar'
import * as Context from 'effect/Context'
import * as Effect from 'effect/Effect'
import * as Layer from 'effect/Layer'
import { InvalidAuthorizationDetails } from './assurance-errors.js'
import { StepUpAuthError } from './errors.js'

const AuthorizationDetailsRegistryBase: Context.ServiceClass<
  AuthorizationDetailsRegistry,
  '@stepup/effect/AuthorizationDetailsRegistry',
  AuthorizationDetailsRegistryLike
> = /*#__PURE__*/ Context.Service<AuthorizationDetailsRegistry, AuthorizationDetailsRegistryLike>()(
  '@stepup/effect/AuthorizationDetailsRegistry',
)

/**
 * The `@stepup/rar` registry of `authorization_details` types: parses untrusted details and
 * decides coverage. Optional: without it, details are compared with RFC 9396's conservative rules.
 *
 * @example
 * ```ts
 * const DetailsLive = AuthorizationDetailsRegistry.layer([paymentInitiation])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export class AuthorizationDetailsRegistry extends AuthorizationDetailsRegistryBase {
  /** Build a registry of these types now (checked with coded `TypeError`s) and provide it. */
  static layer(
    // biome-ignore lint/suspicious/noExplicitAny: any zod object schema is accepted
    types: readonly AuthorizationDetailType<string, any>[],
    options: AuthorizationDetailsRegistryOptions = {},
  ): Layer.Layer<AuthorizationDetailsRegistry> {
    const registry: AuthorizationDetailsRegistryLike = createAuthorizationDetailsRegistry(
      types,
      options,
    ) as AuthorizationDetailsRegistryLike
    return Layer.succeed(AuthorizationDetailsRegistry, registry)
  }
}

/**
 * Parses untrusted `authorization_details` (an array or JSON text) with the registry in context,
 * failing with a {@link StepUpAuthError} whose reason is `InvalidAuthorizationDetails`.
 *
 * @example
 * ```ts
 * const details = yield* parseAuthorizationDetails(body.authorization_details)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export const parseAuthorizationDetails = (
  input: unknown,
): Effect.Effect<
  readonly AuthorizationDetail[],
  StepUpAuthError<'InvalidAuthorizationDetails'>,
  AuthorizationDetailsRegistry
> =>
  AuthorizationDetailsRegistry.use((registry) =>
    Effect.try({
      try: () => registry.parse(input),
      catch: (cause) =>
        new StepUpAuthError({
          reason:
            cause instanceof AuthorizationDetailsError
              ? new InvalidAuthorizationDetails({ issues: cause.issues, cause })
              : new InvalidAuthorizationDetails({ issues: [{ path: [], message: 'invalid' }] }),
        }),
    }),
  )
