import {
  type AccessTokenClaims,
  AccessTokenError,
  type AccessTokenVerifier as CoreVerifier,
  checkConfirmation,
  createIntrospectionVerifier,
  createJwtAccessTokenVerifier,
  type IntrospectionVerifierOptions,
  type JwtAccessTokenVerifierOptions,
  parseAccessTokenClaims,
  type VerifyOptions,
} from '@stepup/assurance'
import * as Context from 'effect/Context'
import * as Effect from 'effect/Effect'
import * as Layer from 'effect/Layer'
import { InvalidToken } from './assurance-errors.js'
import { StepUpAuthError } from './errors.js'

/**
 * The service interface of {@link AccessTokenVerifier}: `verify` resolves a token (and how it was
 * presented) to its verified claims, or fails with a {@link StepUpAuthError} whose reason is
 * `InvalidToken`. Build one with `AccessTokenVerifier.fromFunction` or `fromVerifier` (what they
 * reject with becomes that reason); its type is `AccessTokenVerifier['Service']`.
 *
 * @example
 * ```ts
 * const claims = yield* AccessTokenVerifier.use((verifier) => verifier.verify(token))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @inline
 */
export interface AccessTokenVerifierShape {
  /** Resolve `token` (presented as `options` says) to its verified claims. */
  verify(
    token: string,
    options?: VerifyOptions,
  ): Effect.Effect<AccessTokenClaims, StepUpAuthError<'InvalidToken'>>
}

const AccessTokenVerifierBase: Context.ServiceClass<
  AccessTokenVerifier,
  '@stepup/effect/AccessTokenVerifier',
  AccessTokenVerifierShape
> = /*#__PURE__*/ Context.Service<AccessTokenVerifier, AccessTokenVerifierShape>()(
  '@stepup/effect/AccessTokenVerifier',
)

/** The Promise-based verifier behind a service built here, so adapters can call it directly. */
export const coreVerifiers: WeakMap<AccessTokenVerifierShape, CoreVerifier> = new WeakMap()

const fromCore = (verifier: CoreVerifier): Layer.Layer<AccessTokenVerifier> => {
  const shape: AccessTokenVerifierShape = {
    verify: (token, options = {}) =>
      Effect.tryPromise({
        try: () => verifier.verify(token, options),
        catch: (cause) => new StepUpAuthError({ reason: InvalidToken.fromCause(cause) }),
      }),
  }
  coreVerifiers.set(shape, verifier)
  return Layer.succeed(AccessTokenVerifier, shape)
}

/**
 * The access token verifier service, with layers for RFC 9068 JWTs (jose, through
 * `@stepup/assurance`), RFC 7662 introspection, any existing verifier or function, and a test
 * layer that needs no keys.
 *
 * @example
 * ```ts
 * const VerifierLive = AccessTokenVerifier.jwt({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   jwks: new URL('https://as.example.com/jwks'),
 * })
 * const claims = yield* (yield* AccessTokenVerifier).verify(token)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export class AccessTokenVerifier extends AccessTokenVerifierBase {
  /** Verify RFC 9068 JWT access tokens with `createJwtAccessTokenVerifier` (options checked now). */
  static jwt(options: JwtAccessTokenVerifierOptions): Layer.Layer<AccessTokenVerifier> {
    return AccessTokenVerifier.fromVerifier(createJwtAccessTokenVerifier(options))
  }

  /** Verify opaque tokens by RFC 7662 introspection with `createIntrospectionVerifier`. */
  static introspection(options: IntrospectionVerifierOptions): Layer.Layer<AccessTokenVerifier> {
    return AccessTokenVerifier.fromVerifier(createIntrospectionVerifier(options))
  }

  /** Wrap a `@stepup/assurance` verifier; what it rejects with becomes the reason `InvalidToken`. */
  static fromVerifier(verifier: CoreVerifier): Layer.Layer<AccessTokenVerifier> {
    return fromCore(verifier)
  }

  /**
   * Wrap a function resolving a token to its claims. As in the adapters, the claims' `cnf.jkt`
   * must equal the DPoP proof's key thumbprint (so a DPoP-bound token is refused as Bearer).
   */
  static fromFunction(
    verify: (token: string) => Promise<AccessTokenClaims>,
  ): Layer.Layer<AccessTokenVerifier> {
    return fromCore({
      async verify(token, options = {}) {
        const claims = await verify(token)
        // The same sender-constraint rules as the core verifiers (RFC 9449 §7.1, RFC 8705 §3).
        checkConfirmation(claims, options)
        return claims
      },
    })
  }

  /**
   * A verifier for tests that needs no keys: each known token string stands for its claims
   * (checked with `parseAccessTokenClaims`); any other token is refused as invalid.
   */
  static test(
    tokens: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  ): Layer.Layer<AccessTokenVerifier> {
    const known = new Map(
      Object.entries(tokens).map(([t, raw]) => [t, parseAccessTokenClaims(raw)]),
    )
    return AccessTokenVerifier.fromFunction(async (token) => {
      const claims = known.get(token)
      if (!claims) throw new AccessTokenError('ERR_TOKEN_SIGNATURE_INVALID', 'unknown test token')
      return claims
    })
  }
}
