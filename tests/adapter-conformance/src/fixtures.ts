import type { AccessTokenClaims, AssuranceRequirement } from '@stepup/assurance'
import { AccessTokenError, parseAccessTokenClaims } from '@stepup/assurance'
import type { ProtectedResourceMetadataOptions } from '@stepup/assurance/http'
import type { RiskPolicy } from '@stepup/assurance/policy'
import { createRiskPolicy } from '@stepup/assurance/policy'

export const RESOURCE = 'https://api.example.com/accounts'
export const RESOURCE_METADATA =
  'https://api.example.com/.well-known/oauth-protected-resource/accounts'

const now = (): number => Math.floor(Date.now() / 1000)

/** Token strings the fake verifier knows, and the claims each stands for. */
export const TOKENS = {
  strong: 'tok-strong',
  weak: 'tok-weak',
  stale: 'tok-stale',
  noScope: 'tok-noscope',
  badClaims: 'tok-badclaims',
  rejected: 'tok-rejected',
  crash: 'tok-crash',
  outage: 'tok-outage',
  dpopWeak: 'tok-dpop-weak',
  dpopStrong: 'tok-dpop-strong',
} as const

/** The DPoP proof the fake proof checker accepts, and the key thumbprint it stands for. */
export const PROOF = 'proof-ok'
const JKT = 'jkt-1'

async function verifyProof(proof: string | null): Promise<string> {
  if (proof !== PROOF) throw new Error('bad proof')
  return JKT
}

function claimsFor(token: string): AccessTokenClaims | undefined {
  const base = { iss: 'https://as.example.com', aud: RESOURCE, sub: 'alice', client_id: 'bank-web' }
  const t = now()
  switch (token) {
    case TOKENS.strong:
      return claims({
        ...base,
        scope: 'accounts:read transfers:write',
        acr: 'phrh',
        auth_time: t - 5,
      })
    case TOKENS.weak:
      return claims({
        ...base,
        scope: 'accounts:read transfers:write',
        acr: 'urn:bank:pwd',
        auth_time: t - 5,
      })
    case TOKENS.stale:
      return claims({
        ...base,
        scope: 'accounts:read transfers:write',
        acr: 'phrh',
        auth_time: t - 7200,
      })
    case TOKENS.noScope:
      return claims({ ...base, scope: 'profile', acr: 'phrh', auth_time: t - 5 })
    case TOKENS.badClaims:
      return { ...claims({ ...base, scope: 'accounts:read' }), auth_time: t + 3600 }
    case TOKENS.dpopWeak:
      return claims({
        ...base,
        scope: 'accounts:read',
        acr: 'urn:bank:pwd',
        auth_time: t - 5,
        cnf: { jkt: JKT },
      })
    case TOKENS.dpopStrong:
      return claims({
        ...base,
        scope: 'accounts:read',
        acr: 'phrh',
        auth_time: t - 5,
        cnf: { jkt: JKT },
      })
    default:
      return undefined
  }
}

const claims = (raw: Record<string, unknown>): AccessTokenClaims => parseAccessTokenClaims(raw)

/** The injected verifier: no keys, every outcome reachable by token string. */
export async function fakeVerify(token: string): Promise<AccessTokenClaims> {
  if (token === TOKENS.crash) throw new Error('database connection refused at 10.0.0.7')
  if (token === TOKENS.outage)
    throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'JWKS unreachable')
  const found = claimsFor(token)
  if (!found) throw new AccessTokenError('ERR_TOKEN_SIGNATURE_INVALID', 'unknown token')
  return found
}

/** Which requirement a route asks for: a fixed value, a function of the request, or a risk policy. */
export type RouteAuth =
  | { requirement: AssuranceRequirement | ((req: unknown) => AssuranceRequirement) }
  | { policy: RiskPolicy }

export interface RouteConfig {
  method: 'GET' | 'POST'
  path: string
  auth: RouteAuth
}

/** Adapter options shared by every route of an app (minus the per-route requirement). */
export interface SharedOptions {
  verify: (token: string) => Promise<AccessTokenClaims>
  realm?: string
  resourceMetadata?: string
  exposeChallenge?: boolean
  dpop?: { algs: string[]; verifyProof?: (proof: string | null) => Promise<string> }
}

export interface AppConfig {
  options: SharedOptions
  routes: RouteConfig[]
  metadata?: ProtectedResourceMetadataOptions
}

/** Transfers of 1,000 or more need phr within 300 s; 10,000 or more, phrh within 60 s. */
const transferPolicy: RiskPolicy = createRiskPolicy([
  {
    name: 'transfer-amount',
    evaluate({ details = [] }) {
      const amounts = details.map((d) =>
        Number((d['instructedAmount'] as { amount?: string })?.amount),
      )
      const top = Math.max(0, ...amounts)
      if (top >= 10_000) return { acr_values: ['phrh'], max_age: 60 }
      if (top >= 1_000) return { acr_values: ['phr'], max_age: 300 }
      return undefined
    },
  },
])

export const ROUTES: RouteConfig[] = [
  { method: 'GET', path: '/accounts', auth: { requirement: { scope: ['accounts:read'] } } },
  {
    method: 'GET',
    path: '/admin',
    auth: { requirement: { acr_values: ['phrh'], max_age: 60, scope: ['admin'] } },
  },
  { method: 'POST', path: '/password', auth: { requirement: () => ({ max_age: 300 }) } },
  { method: 'GET', path: '/statements', auth: { requirement: { acr_values: ['phr'] } } },
  { method: 'POST', path: '/transfers', auth: { policy: transferPolicy } },
]

/** Two app configurations: everything on, and only what is required. */
export const APPS: Record<'full' | 'plain', AppConfig> = {
  full: {
    options: {
      verify: fakeVerify,
      realm: 'bank',
      resourceMetadata: RESOURCE_METADATA,
      exposeChallenge: true,
      dpop: { algs: ['ES256', 'PS256'], verifyProof },
    },
    routes: ROUTES,
    metadata: {
      resource: RESOURCE,
      authorization_servers: ['https://as.example.com'],
      scopes_supported: ['accounts:read', 'transfers:write'],
      bearer_methods_supported: ['header', 'body'],
      acr_values_supported: ['phr', 'phrh'],
    },
  },
  plain: { options: { verify: fakeVerify }, routes: ROUTES },
}
