import type {
  ChallengeOptions,
  ConsumedGrantStore,
  ProtectedResourceMetadataOptions,
  StepUpEvent,
  StepUpGuardOptions,
} from '@stepup/assurance'
import {
  type AccessTokenClaims,
  AccessTokenError,
  type AccessTokenVerifier,
  createDpopNonceSource,
  createDpopProofVerifier,
  createJwtAccessTokenVerifier,
  type DpopNonceSource,
  type DpopProofCheck,
  type DpopProofVerifier,
  type JwtAccessTokenVerifierOptions,
} from '@stepup/assurance'
import type { HelmetOptions } from 'helmet'
import { Ledger } from './ledger.ts'
import { ACR_VALUES_SUPPORTED, type BankPolicy, SCOPES_SUPPORTED } from './policy.ts'
import type { ApiResponse, ChangePassword } from './service.ts'

/** What both framework adapters are built from. */
export interface BankContext {
  readonly ledger: Ledger
  readonly policy: BankPolicy
  readonly metadata: ProtectedResourceMetadataOptions
  /**
   * How the API's own challenges are rendered, as the guard renders its: realm, schemes (DPoP
   * `algs`), and `resource_metadata` on https.
   */
  readonly challenge: ChallengeOptions
  /** Guard options shared by every route (everything but the requirement). */
  readonly guard: Omit<StepUpGuardOptions<unknown>, 'requirement' | 'policy'>
  readonly corsOrigins: ReadonlySet<string>
  readonly changePassword: ChangePassword
  /**
   * The `503` every guarded route answers while the key set is not known yet (the issuer's
   * metadata has not been discovered), or `undefined` once tokens can be verified.
   */
  unavailable(): ApiResponse | undefined
  /** Verify tokens with this key set from now on (discovery found the issuer's `jwks_uri`). */
  useJwks(jwks: URL | { keys: Record<string, unknown>[] }): void
  /** When the next discovery attempt is due (epoch ms), for `Retry-After` while unavailable. */
  retryAt: number
  /**
   * With DPoP, the source of the API's nonces (RFC 9449 §9), for a fresh `DPoP-Nonce` on the
   * answers to DPoP-bound tokens; `undefined` when the API takes Bearer tokens only.
   */
  readonly dpopNonces: DpopNonceSource | undefined
}

/** DPoP as {@link createBankContext} sets it up (see `BankApiOptions.dpop`). */
export interface BankDpopSettings {
  /** `'all'`, or the `client_id`s whose tokens must be DPoP-bound; others may use Bearer. */
  readonly required: 'all' | readonly string[]
  /** The nonces' HMAC key (default: random, for this process). */
  readonly nonceSecret?: Uint8Array | undefined
  /** Where each proof's `jti` is remembered (default: in memory). */
  readonly replay?: ConsumedGrantStore | undefined
}

/** The JWS algorithms accepted for DPoP proofs (the `algs` of challenges, RFC 9449 §7.1). */
export const DPOP_ALGS: readonly string[] = Object.freeze(['ES256'])

/** Options of {@link createBankContext}. */
export interface BankContextOptions {
  readonly issuer: string
  readonly resource: string
  /** The key set; when absent, guarded routes answer 503 until {@link BankContext.useJwks}. */
  readonly jwks?: URL | { keys: Record<string, unknown>[] } | undefined
  /** How a remote key set is fetched (timeouts, cooldown, backoff, rate limit); URLs only. */
  readonly jwksOptions?: JwtAccessTokenVerifierOptions['jwksOptions'] | undefined
  readonly policy: BankPolicy
  readonly corsOrigins: readonly string[]
  readonly changePassword?: ChangePassword | undefined
  readonly now?: (() => number) | undefined
  /** Every guarded route's decision, for the audit log and telemetry. */
  readonly onDecision?: ((event: StepUpEvent) => void) | undefined
  /** Accept DPoP-bound tokens (RFC 9449), required of some clients or all; Bearer only when absent. */
  readonly dpop?: BankDpopSettings | undefined
}

/** The RFC 9728 metadata URL for a resource identifier (well-known suffix after the host). */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname
  return `${url.origin}/.well-known/oauth-protected-resource${path}`
}

/**
 * RFC 9110 §15.6.4: 503 with `Retry-After` (§10.2.3, delay in seconds) while the API cannot
 * verify tokens yet; the body uses the OAuth error code of RFC 6749 §4.1.2.1.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4
 */
function startingUp(retryAt: number): ApiResponse {
  const seconds = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000))
  return {
    status: 503,
    headers: { 'retry-after': String(seconds) },
    body: {
      error: 'temporarily_unavailable',
      error_description: 'The authorization server metadata is not known yet; retry later',
    },
  }
}

/**
 * DPoP for the guard: proofs checked against the API's origin (RFC 9449 §4.3), each `jti` once,
 * with a nonce from this API (§9); and which tokens must be DPoP-bound.
 */
function createDpop(settings: BankDpopSettings, resource: string, now?: () => number) {
  const nonces = createDpopNonceSource({
    ...(settings.nonceSecret && { secret: settings.nonceSecret }),
    ...(now && { now }),
  })
  const verify = createDpopProofVerifier({
    origin: new URL(resource).origin,
    algorithms: DPOP_ALGS,
    nonce: nonces,
    ...(settings.replay && { replay: settings.replay }),
    ...(now && { now }),
  })
  // A transfer passes two guards (its scope, then its risk policy), and each checks the proof and
  // records its jti: the second would see a replay. So the check is made once per request — per
  // headers object, which the adapters take from the request — and the second guard gets the
  // first one's, its jti recorded once. A proof sent again in another request is a new request:
  // checked, and refused as the replay it is.
  const checked = new WeakMap<object, Promise<DpopProofCheck>>()
  const verifyProof: DpopProofVerifier = (proof, request, token) => {
    let check = checked.get(request.headers)
    if (!check) {
      check = verify(proof, request, token).then((first) => {
        let consumed: Promise<void> | undefined
        return { jkt: first.jkt, consume: () => (consumed ??= first.consume()) }
      })
      checked.set(request.headers, check)
    }
    return check
  }
  const { required } = settings
  const mustBeBound = (claims: AccessTokenClaims): boolean =>
    required === 'all' || (claims.client_id !== undefined && required.includes(claims.client_id))
  return { nonces, verifyProof, mustBeBound, all: required === 'all' }
}

export function createBankContext(options: BankContextOptions): BankContext {
  const { policy, issuer, resource } = options
  const dpop = options.dpop && createDpop(options.dpop, resource, options.now)
  let verifier: AccessTokenVerifier | undefined
  const useJwks = (jwks: URL | { keys: Record<string, unknown>[] }): void => {
    verifier = createJwtAccessTokenVerifier({
      issuer,
      audience: resource,
      jwks: jwks as URL,
      ...(jwks instanceof URL && options.jwksOptions && { jwksOptions: options.jwksOptions }),
      authorizationDetailsRegistry: policy.authorizationDetails,
      cache: { max: 10_000 },
      ...(options.now && { now: options.now }),
    })
  }
  // A key-fetch option the verifier refuses fails start-up, not the first discovery.
  if (options.jwksOptions) {
    createJwtAccessTokenVerifier({
      issuer,
      audience: resource,
      jwks: new URL(issuer),
      jwksOptions: options.jwksOptions,
    })
  }
  if (options.jwks !== undefined) useJwks(options.jwks)
  // A verifier (not a function), so the guard hands it how the token came (the scheme and the
  // DPoP proof's key) and the JWT verifier checks `cnf` against it (RFC 9449 §6.1, §7.2).
  const verify: AccessTokenVerifier = {
    async verify(token, presentation): Promise<AccessTokenClaims> {
      // Fails closed: without a key set nothing is verified (the guard answers 503).
      if (!verifier) throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE')
      const claims = await verifier.verify(token, presentation)
      // RFC 9068 §2.2: `sub` is required; the ledger is keyed by it.
      if (typeof claims.sub !== 'string' || claims.sub === '') {
        throw new AccessTokenError('ERR_TOKEN_CLAIM_INVALID', 'access token without sub')
      }
      // RFC 9449 §6.1: a client this API requires DPoP of must present tokens bound to a key.
      if (dpop?.mustBeBound(claims) && typeof claims.cnf?.jkt !== 'string') {
        throw new AccessTokenError(
          'ERR_TOKEN_CLAIM_INVALID',
          'this API requires DPoP-bound tokens of this client; the token has no "cnf.jkt" (RFC 9449 §6.1)',
        )
      }
      return claims
    },
  }
  const passwordChanges = new Map<string, number>()
  const context: BankContext = {
    ledger: new Ledger(),
    policy,
    metadata: {
      resource,
      authorization_servers: [issuer],
      scopes_supported: SCOPES_SUPPORTED,
      bearer_methods_supported: ['header'],
      resource_name: 'Step-up Bank API',
      acr_values_supported: ACR_VALUES_SUPPORTED,
      authorizationDetailsRegistry: policy.authorizationDetails,
      // RFC 9728 §2 (RFC 9449 §5.1 names): the proof algorithms, and whether every token must be bound.
      ...(dpop && { dpop_signing_alg_values_supported: DPOP_ALGS }),
      ...(dpop?.all && { dpop_bound_access_tokens_required: true }),
    },
    challenge: {
      realm: 'bank',
      schemes: dpop ? ['Bearer', 'DPoP'] : ['Bearer'],
      ...(dpop && { algs: DPOP_ALGS }),
      ...(resource.startsWith('https:') && { resource_metadata: resourceMetadataUrl(resource) }),
    },
    guard: {
      verify,
      realm: 'bank',
      // RFC 9728 §5.1: the challenge's resource_metadata is an https URL. On plain-http loopback
      // (the demo) it is left out of challenges; the document itself is still served.
      ...(resource.startsWith('https:') && { resourceMetadata: resourceMetadataUrl(resource) }),
      acrRegistry: policy.acr,
      authorizationDetailsRegistry: policy.authorizationDetails,
      exposeChallenge: true,
      ...(dpop && { dpop: { algs: DPOP_ALGS, verifyProof: dpop.verifyProof } }),
      ...(options.now && { now: options.now }),
      ...(options.onDecision && { onDecision: options.onDecision }),
    },
    corsOrigins: new Set(options.corsOrigins),
    changePassword:
      options.changePassword ??
      (async (sub) => {
        passwordChanges.set(sub, Date.now())
      }),
    unavailable: () => (verifier ? undefined : startingUp(context.retryAt)),
    useJwks,
    retryAt: Date.now(),
    dpopNonces: dpop?.nonces,
  }
  return context
}

/**
 * CORS response headers for a request's `Origin`, when it is allowed (RFC 6454 exact match). With
 * DPoP, `DPoP-Nonce` is exposed too, so a browser client can read the next nonce (RFC 9449 §9).
 */
export function corsHeaders(
  origins: ReadonlySet<string>,
  origin: string | undefined,
  dpop = false,
): Record<string, string> {
  if (!origin || !origins.has(origin)) return { vary: 'Origin' }
  return {
    vary: 'Origin',
    'access-control-allow-origin': origin,
    'access-control-expose-headers': dpop
      ? 'WWW-Authenticate, Location, DPoP-Nonce'
      : 'WWW-Authenticate, Location',
  }
}

/** Extra headers answering a CORS preflight from an allowed origin. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'Authorization, Content-Type',
  'access-control-max-age': '600',
})

/** The same, when browsers send DPoP proofs: the `DPoP` request header is allowed too. */
export const DPOP_PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...PREFLIGHT_HEADERS,
  'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
})

/**
 * Headers on every API response, errors included: account data, challenges and refusals are
 * never stored by a browser or a shared cache (RFC 9111 §5.2.2.5).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.5
 */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
})

/**
 * `helmet` (Express) and `@fastify/helmet` (Fastify) settings: the API answers JSON only, so its
 * Content Security Policy allows nothing to load and no page to frame it (`default-src 'none';
 * frame-ancestors 'none'`, CSP Level 3 §6.1.3, §6.4.2), with `X-Frame-Options: DENY` for older
 * browsers (RFC 7034); helmet's other defaults (`nosniff`, HSTS, `Referrer-Policy: no-referrer`,
 * CORP `same-origin`, which CORS reads from the web client are not subject to) stay.
 *
 * @see https://www.w3.org/TR/CSP3/#directive-default-src
 * @see https://www.rfc-editor.org/rfc/rfc7034
 */
export const HELMET_OPTIONS = Object.freeze({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  frameguard: { action: 'deny' as const },
}) satisfies HelmetOptions
