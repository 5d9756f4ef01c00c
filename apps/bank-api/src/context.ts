import {
  type AccessTokenClaims,
  AccessTokenError,
  createJwtAccessTokenVerifier,
} from '@stepup/assurance'
import type { ProtectedResourceMetadataOptions, StepUpGuardOptions } from '@stepup/assurance/http'
import { Ledger } from './ledger.ts'
import { ACR_VALUES_SUPPORTED, type BankPolicy, SCOPES_SUPPORTED } from './policy.ts'
import type { ChangePassword } from './service.ts'

/** What both framework adapters are built from. */
export interface BankContext {
  readonly ledger: Ledger
  readonly policy: BankPolicy
  readonly metadata: ProtectedResourceMetadataOptions
  /** Guard options shared by every route (everything but the requirement). */
  readonly guard: Omit<StepUpGuardOptions<unknown>, 'requirement' | 'policy'>
  readonly corsOrigins: ReadonlySet<string>
  readonly changePassword: ChangePassword
}

/** Options of {@link createBankContext}. */
export interface BankContextOptions {
  readonly issuer: string
  readonly resource: string
  readonly jwks: URL | { keys: Record<string, unknown>[] }
  readonly policy: BankPolicy
  readonly corsOrigins: readonly string[]
  readonly changePassword?: ChangePassword | undefined
  readonly now?: (() => number) | undefined
}

/** The RFC 9728 metadata URL for a resource identifier (well-known suffix after the host). */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname
  return `${url.origin}/.well-known/oauth-protected-resource${path}`
}

export function createBankContext(options: BankContextOptions): BankContext {
  const { policy, issuer, resource } = options
  const verifier = createJwtAccessTokenVerifier({
    issuer,
    audience: resource,
    jwks: options.jwks as URL,
    authorizationDetails: policy.authorizationDetails,
    cache: { max: 10_000 },
    ...(options.now && { now: options.now }),
  })
  const verify = async (token: string): Promise<AccessTokenClaims> => {
    const claims = await verifier.verify(token)
    // RFC 9068 §2.2: `sub` is required; the ledger is keyed by it.
    if (typeof claims.sub !== 'string' || claims.sub === '') {
      throw new AccessTokenError('ERR_TOKEN_CLAIM_INVALID', 'access token without sub')
    }
    return claims
  }
  const passwordChanges = new Map<string, number>()
  return {
    ledger: new Ledger(),
    policy,
    metadata: {
      resource,
      authorization_servers: [issuer],
      scopes_supported: SCOPES_SUPPORTED,
      bearer_methods_supported: ['header'],
      resource_name: 'Step-up Bank API',
      acr_values_supported: ACR_VALUES_SUPPORTED,
      authorizationDetails: policy.authorizationDetails,
    },
    guard: {
      verify,
      realm: 'bank',
      // RFC 9728 §5.1: the challenge's resource_metadata is an https URL. On plain-http loopback
      // (the demo) it is left out of challenges; the document itself is still served.
      ...(resource.startsWith('https:') && { resourceMetadata: resourceMetadataUrl(resource) }),
      acr: policy.acr,
      authorizationDetails: policy.authorizationDetails,
      exposeChallenge: true,
      ...(options.now && { now: options.now }),
    },
    corsOrigins: new Set(options.corsOrigins),
    changePassword:
      options.changePassword ??
      (async (sub) => {
        passwordChanges.set(sub, Date.now())
      }),
  }
}

/** CORS response headers for a request's `Origin`, when it is allowed (RFC 6454 exact match). */
export function corsHeaders(
  origins: ReadonlySet<string>,
  origin: string | undefined,
): Record<string, string> {
  if (!origin || !origins.has(origin)) return { vary: 'Origin' }
  return {
    vary: 'Origin',
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'WWW-Authenticate, Location',
  }
}

/** Extra headers answering a CORS preflight from an allowed origin. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'Authorization, Content-Type',
  'access-control-max-age': '600',
})

/** Headers on every API response: account data is never cached. */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
})
