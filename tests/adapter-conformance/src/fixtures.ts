import type {
  AccessTokenClaims,
  AssuranceRequirement,
  ProtectedResourceMetadataOptions,
  RiskPolicy,
  StepUpGuardOptions,
} from '@stepup/assurance'
import {
  AccessTokenError,
  amountThreshold,
  createRiskPolicy,
  destructiveMethod,
  parseAccessTokenClaims,
} from '@stepup/assurance'

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
  /** Bound to a client certificate (RFC 8705 §3.1), which no adapter here can check. */
  mtls: 'tok-mtls',
} as const

/** A transfer of `amount` EUR as an RFC 9396 `payment_initiation` authorization detail. */
export const transferDetail = (amount: string) => ({
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount },
})

/**
 * A token of the `strong` (fresh phrh) or `weak` (password) kind whose `authorization_details`
 * grant exactly a transfer of `amount` EUR.
 */
export const paying = (level: 'strong' | 'weak', amount: string) => `tok-${level}-pays-${amount}`

/** The DPoP proof the fake proof checker accepts, and the key thumbprint it stands for. */
export const PROOF = 'proof-ok'
const JKT = 'jkt-1'

async function verifyProof(
  proof: string | null,
): Promise<{ jkt: string; consume(): Promise<void> }> {
  if (proof !== PROOF) throw new Error('bad proof')
  return { jkt: JKT, consume: async () => {} }
}

function claimsFor(token: string): AccessTokenClaims | undefined {
  const base = { iss: 'https://as.example.com', aud: RESOURCE, sub: 'alice', client_id: 'bank-web' }
  const t = now()
  const strong = { ...base, scope: 'accounts:read transfers:write', acr: 'phrh', auth_time: t - 5 }
  const weak = { ...strong, acr: 'urn:bank:pwd' }
  const pays = /^tok-(strong|weak)-pays-(\d+)$/.exec(token)
  if (pays) {
    return claims({
      ...(pays[1] === 'strong' ? strong : weak),
      authorization_details: [transferDetail(pays[2]!)],
    })
  }
  switch (token) {
    case TOKENS.strong:
      return claims(strong)
    case TOKENS.weak:
      return claims(weak)
    case TOKENS.stale:
      return claims({ ...strong, auth_time: t - 7200 })
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
    case TOKENS.mtls:
      return claims({
        ...strong,
        cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' },
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
export interface RouteAuth {
  requirement:
    | AssuranceRequirement
    | ((req: unknown) => AssuranceRequirement | Promise<AssuranceRequirement>)
    | RiskPolicy
}

export interface RouteConfig {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  /** The route's own guard; a route without one relies on the app-wide guard alone. */
  auth?: RouteAuth
}

/** Adapter options shared by every route of an app (minus the per-route requirement). */
export interface SharedOptions {
  verify: (token: string) => Promise<AccessTokenClaims>
  realm?: string
  resourceMetadata?: string
  exposeChallenge?: boolean
  bodyLimit?: number
  signals?: (req: unknown) => Record<string, unknown> | Promise<Record<string, unknown>>
  /** As the guard takes it: `verifyProof` resolves to the key's `jkt` and a `consume()`. */
  dpop?: StepUpGuardOptions<unknown>['dpop']
}

export interface AppConfig {
  options: SharedOptions
  routes: RouteConfig[]
  /** A guard that runs first for every request, whatever its path and whether a route matches. */
  global?: RouteAuth
  metadata?: ProtectedResourceMetadataOptions
  /** Fastify's `ignoreDuplicateSlashes` (the other frameworks have no such switch). */
  ignoreDuplicateSlashes?: boolean
}

/**
 * Transfers of 1,000 or more need phr within 300 s; 10,000 or more, phrh within 60 s; the token
 * must grant the transfer (`bind`), and a request without one is refused.
 */
const transferPolicy: RiskPolicy = createRiskPolicy([
  amountThreshold({
    type: 'payment_initiation',
    thresholds: [
      { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
      { atLeast: '10000', acr_values: ['phrh'], max_age: 60 },
    ],
    bind: true,
  }),
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
  { method: 'POST', path: '/transfers', auth: { requirement: transferPolicy } },
]

/** Where each request's path and method are all the guard needs: `DELETE /admin/…` needs phrh. */
const adminPolicy: RiskPolicy = createRiskPolicy([
  destructiveMethod({ path: '/admin', requirement: { acr_values: ['phrh'] } }),
])

/** The URL of a framework's request object (Express, Fastify, web `Request`, Effect). */
const urlOf = (req: unknown): string => String((req as { url?: unknown }).url)

/** A dependency of the decision that fails: a rule, the app's signals, a requirement function. */
const broken = (what: string) => () => {
  throw new Error(`${what} failed: connection refused at 10.0.0.8`)
}

const faultPolicy = (throwing: boolean): RiskPolicy =>
  createRiskPolicy([
    {
      name: throwing ? 'velocity' : 'never-fires',
      evaluate: throwing ? broken('velocity check') : () => undefined,
    },
  ])

/** The apps of the case table. */
export type AppName = 'full' | 'plain' | 'paths' | 'faults'

export const APPS: Record<AppName, AppConfig> = {
  /** Everything on. */
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
  /** Only what is required. */
  plain: { options: { verify: fakeVerify }, routes: ROUTES },
  /** One guard in front of every request; rules read the path. */
  paths: {
    options: { verify: fakeVerify },
    global: { requirement: adminPolicy },
    routes: [
      { method: 'DELETE', path: '/admin/users/:id' },
      { method: 'GET', path: '/' },
    ],
    ignoreDuplicateSlashes: true,
  },
  /** Dependencies of the decision that throw (a grant store's outage: grant-store.conformance). */
  faults: {
    options: {
      verify: fakeVerify,
      // Only for /signals-throw; every other policy route gets no signals.
      signals: (req) =>
        urlOf(req).includes('/signals-throw') ? broken('device reputation')() : {},
    },
    routes: [
      { method: 'GET', path: '/rule-throws', auth: { requirement: faultPolicy(true) } },
      { method: 'GET', path: '/signals-throw', auth: { requirement: faultPolicy(false) } },
      {
        method: 'GET',
        path: '/requirement-throws',
        auth: { requirement: broken('requirement lookup') },
      },
    ],
  },
}
