import type { CaseRequest } from '../src/client.ts'
import { PROOF, RESOURCE_METADATA, TOKENS } from '../src/fixtures.ts'

type Params = Record<string, string>

/** A challenge as @stepup/www-authenticate parses it (scheme lower-cased). */
export interface ExpectedChallenge {
  scheme: string
  params: Params
}

/** One conformance case: the request, and the one answer every adapter must give. */
export interface Case {
  title: string
  app: 'full' | 'plain'
  request: CaseRequest
  status: number
  /** The parsed `WWW-Authenticate` challenges, or `null` for none at all. */
  challenges: ExpectedChallenge[] | null
  /** The JSON body, or `null` for an empty body. */
  body: unknown
}

const auth = (value: string) => ['authorization', value] as const
const bearer = (token: string) => auth(`Bearer ${token}`)
const json = ['content-type', 'application/json'] as const
const form = ['content-type', 'application/x-www-form-urlencoded'] as const

const FULL = { realm: 'bank', resource_metadata: RESOURCE_METADATA }
const ALGS = { algs: 'ES256 PS256' }

/** Plain app: a lone Bearer challenge. Full app: Bearer and DPoP, the error on the scheme used. */
function challenge(app: Case['app'], error: Params = {}, scheme: 'bearer' | 'dpop' = 'bearer') {
  if (app === 'plain') return [{ scheme: 'bearer', params: error }]
  return [
    { scheme: 'bearer', params: { ...FULL, ...(scheme === 'bearer' ? error : {}) } },
    { scheme: 'dpop', params: { ...FULL, ...(scheme === 'dpop' ? error : {}), ...ALGS } },
  ]
}

const INVALID_TOKEN = { error: 'invalid_token', error_description: 'The access token is invalid' }
const invalidRequest = (error_description: string) => ({
  error: 'invalid_request',
  error_description,
})
const MALFORMED = invalidRequest('The access token credentials are malformed')
const MULTIPLE = invalidRequest('Multiple methods used to include access token')
const QUERY = invalidRequest('Access tokens in the URI query are not accepted')
const ACR = 'A different authentication level is required'
const FRESH = 'More recent authentication is required'
const SCOPE = 'The request requires higher privileges than provided by the access token'

const transfer = (amount: string) =>
  JSON.stringify({
    authorization_details: [
      { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount } },
    ],
  })

const both = (build: (app: Case['app']) => Omit<Case, 'app'>): Case[] =>
  (['plain', 'full'] as const).map((app) => {
    const c = build(app)
    return { ...c, app, title: `${c.title} (${app})` }
  })

export const CASES: Case[] = [
  // RFC 6750 §3.1: no credentials → a challenge without error information.
  ...both((app) => ({
    title: 'RFC 6750 §3.1 no credentials → 401 without error code',
    request: { method: 'GET', path: '/accounts' },
    status: 401,
    challenges: challenge(app),
    body: null,
  })),
  ...both((app) => ({
    title: 'RFC 6750 §3.1 unsupported scheme counts as no credentials',
    request: { method: 'GET', path: '/accounts', headers: [auth('Basic YWxpY2U6c2VjcmV0')] },
    status: 401,
    challenges: challenge(app),
    body: null,
  })),
  // RFC 6750 §2 / §3.1 invalid_request.
  ...both((app) => ({
    title: 'RFC 6750 §2.1 Bearer without a token → 400 invalid_request',
    request: { method: 'GET', path: '/accounts', headers: [auth('Bearer')] },
    status: 400,
    challenges: challenge(app, MALFORMED),
    body: MALFORMED,
  })),
  ...both((app) => ({
    title: 'RFC 6750 §2.1 two tokens in one header → 400 invalid_request',
    request: { method: 'GET', path: '/accounts', headers: [auth('Bearer a b')] },
    status: 400,
    challenges: challenge(app, MALFORMED),
    body: MALFORMED,
  })),
  ...both((app) => ({
    title: 'RFC 6750 §3.1 two Authorization field lines → 400 invalid_request',
    request: {
      method: 'GET',
      path: '/accounts',
      headers: [bearer(TOKENS.strong), bearer(TOKENS.weak)],
    },
    status: 400,
    challenges: challenge(app, MALFORMED),
    body: MALFORMED,
  })),
  ...both((app) => ({
    title: 'RFC 6750 §2.3 token in the query string → 400 invalid_request',
    request: { method: 'GET', path: `/accounts?access_token=${TOKENS.strong}` },
    status: 400,
    challenges: challenge(app, QUERY),
    body: QUERY,
  })),
  ...both((app) => ({
    title: 'RFC 6750 §2 header and query → 400 invalid_request',
    request: {
      method: 'GET',
      path: `/accounts?access_token=${TOKENS.strong}`,
      headers: [bearer(TOKENS.strong)],
    },
    status: 400,
    challenges: challenge(app, MULTIPLE),
    body: MULTIPLE,
  })),
  ...both((app) => ({
    title: 'RFC 6750 §2 header and form body → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/password',
      headers: [bearer(TOKENS.strong), form],
      body: `access_token=${TOKENS.strong}`,
    },
    status: 400,
    challenges: challenge(app, MULTIPLE),
    body: MULTIPLE,
  })),
  {
    title: 'RFC 6750 §2.2 form body token alone is accepted',
    app: 'plain',
    request: {
      method: 'POST',
      path: '/password',
      headers: [form],
      body: `access_token=${TOKENS.strong}&new_password=x`,
    },
    status: 200,
    challenges: null,
    body: { route: '/password', sub: 'alice' },
  },
  // Verification failures.
  ...both((app) => ({
    title: 'RFC 6750 §3.1 refused token → 401 invalid_token, generic description',
    request: { method: 'GET', path: '/accounts', headers: [bearer(TOKENS.rejected)] },
    status: 401,
    challenges: challenge(app, INVALID_TOKEN),
    body: INVALID_TOKEN,
  })),
  ...both((app) => ({
    title: 'verify throwing a plain Error → the same generic 401 (reason kept out)',
    request: { method: 'GET', path: '/accounts', headers: [bearer(TOKENS.crash)] },
    status: 401,
    challenges: challenge(app, INVALID_TOKEN),
    body: INVALID_TOKEN,
  })),
  ...both(() => ({
    title: 'verifier unavailable → 503 without a challenge',
    request: { method: 'GET', path: '/accounts', headers: [bearer(TOKENS.outage)] },
    status: 503,
    challenges: null,
    body: {
      error: 'temporarily_unavailable',
      error_description: 'The access token cannot be verified right now',
    },
  })),
  ...both((app) => ({
    title: 'auth_time in the future fails closed → 401 invalid_token',
    request: { method: 'GET', path: '/accounts', headers: [bearer(TOKENS.badClaims)] },
    status: 401,
    challenges: challenge(app, INVALID_TOKEN),
    body: INVALID_TOKEN,
  })),
  // Decisions.
  ...both(() => ({
    title: 'requirement met → 200 with req.auth',
    request: { method: 'GET', path: '/accounts', headers: [bearer(TOKENS.strong)] },
    status: 200,
    challenges: null,
    body: { route: '/accounts', sub: 'alice' },
  })),
  ...both((app) => ({
    title: 'RFC 6750 §3.1 missing scope → 403 insufficient_scope',
    request: { method: 'GET', path: '/accounts', headers: [bearer(TOKENS.noScope)] },
    status: 403,
    challenges: challenge(app, {
      error: 'insufficient_scope',
      error_description: SCOPE,
      scope: 'accounts:read',
    }),
    body: { error: 'insufficient_scope', error_description: SCOPE },
  })),
  ...both((app) => ({
    title: 'RFC 9470 §3 acr not satisfied → 401 with acr_values',
    request: { method: 'GET', path: '/statements', headers: [bearer(TOKENS.weak)] },
    status: 401,
    challenges: challenge(app, {
      error: 'insufficient_user_authentication',
      error_description: ACR,
      acr_values: 'phr',
    }),
    body: { error: 'insufficient_user_authentication', error_description: ACR },
  })),
  ...both((app) => ({
    title: 'RFC 9470 §3 stale authentication (requirement function) → 401 with max_age',
    request: {
      method: 'POST',
      path: '/password',
      headers: [bearer(TOKENS.stale), json],
      body: '{}',
    },
    status: 401,
    challenges: challenge(app, {
      error: 'insufficient_user_authentication',
      error_description: FRESH,
      max_age: '300',
    }),
    body: { error: 'insufficient_user_authentication', error_description: FRESH },
  })),
  ...both((app) => ({
    title: 'everything unmet → one 403 challenge carrying scope, acr_values and max_age',
    request: { method: 'GET', path: '/admin', headers: [bearer(TOKENS.weak)] },
    status: 403,
    challenges: challenge(app, {
      error: 'insufficient_scope',
      error_description: SCOPE,
      acr_values: 'phrh',
      max_age: '60',
      scope: 'admin',
    }),
    body: { error: 'insufficient_scope', error_description: SCOPE },
  })),
  // Risk policy over the RAR details of the body.
  ...both(() => ({
    title: 'policy: 5,000 with a fresh phrh token → 200',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(TOKENS.strong), json],
      body: transfer('5000'),
    },
    status: 200,
    challenges: null,
    body: { route: '/transfers', sub: 'alice' },
  })),
  ...both((app) => ({
    title: 'policy: 5,000 with a password token → 401 phr within 300 s',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(TOKENS.weak), json],
      body: transfer('5000'),
    },
    status: 401,
    challenges: challenge(app, {
      error: 'insufficient_user_authentication',
      error_description: ACR,
      acr_values: 'phr',
      max_age: '300',
    }),
    body: { error: 'insufficient_user_authentication', error_description: ACR },
  })),
  ...both((app) => ({
    title: 'policy: 20,000 with a password token → 401 phrh within 60 s',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(TOKENS.weak), json],
      body: transfer('20000'),
    },
    status: 401,
    challenges: challenge(app, {
      error: 'insufficient_user_authentication',
      error_description: ACR,
      acr_values: 'phrh',
      max_age: '60',
    }),
    body: { error: 'insufficient_user_authentication', error_description: ACR },
  })),
  ...both((app) => ({
    title: 'policy: authorization_details that are not an array → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(TOKENS.strong), json],
      body: JSON.stringify({ authorization_details: { type: 'payment_initiation' } }),
    },
    status: 400,
    challenges: challenge(
      app,
      invalidRequest('The authorization_details of the request are invalid'),
    ),
    body: invalidRequest('The authorization_details of the request are invalid'),
  })),
  // RFC 9449 DPoP.
  {
    title: 'RFC 9449 §7.1 DPoP request, acr unmet → DPoP challenge with algs',
    app: 'full',
    request: {
      method: 'GET',
      path: '/statements',
      headers: [auth(`DPoP ${TOKENS.dpopWeak}`), ['dpop', PROOF]],
    },
    status: 401,
    challenges: challenge(
      'full',
      { error: 'insufficient_user_authentication', error_description: ACR, acr_values: 'phr' },
      'dpop',
    ),
    body: { error: 'insufficient_user_authentication', error_description: ACR },
  },
  {
    title: 'RFC 9449 §7.1 DPoP request with a valid proof → 200',
    app: 'full',
    request: {
      method: 'GET',
      path: '/statements',
      headers: [auth(`DPoP ${TOKENS.dpopStrong}`), ['dpop', PROOF]],
    },
    status: 200,
    challenges: null,
    body: { route: '/statements', sub: 'alice' },
  },
  {
    title: 'RFC 9449 §7.1 DPoP request without a valid proof → 401 invalid_dpop_proof',
    app: 'full',
    request: {
      method: 'GET',
      path: '/statements',
      headers: [auth(`DPoP ${TOKENS.dpopStrong}`), ['dpop', 'forged']],
    },
    status: 401,
    challenges: challenge(
      'full',
      { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' },
      'dpop',
    ),
    body: { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is invalid' },
  },
  {
    title: 'RFC 9449 §6 unbound token sent with the DPoP scheme → 401 invalid_token',
    app: 'full',
    request: {
      method: 'GET',
      path: '/statements',
      headers: [auth(`DPoP ${TOKENS.strong}`), ['dpop', PROOF]],
    },
    status: 401,
    challenges: challenge('full', INVALID_TOKEN, 'dpop'),
    body: INVALID_TOKEN,
  },
  ...both((app) => ({
    title: 'RFC 9449 §7.2 DPoP-bound token sent as Bearer → 401 invalid_token',
    request: { method: 'GET', path: '/statements', headers: [bearer(TOKENS.dpopStrong)] },
    status: 401,
    challenges: challenge(app, INVALID_TOKEN),
    body: INVALID_TOKEN,
  })),
  {
    title: 'DPoP scheme where DPoP is not enabled counts as no credentials',
    app: 'plain',
    request: {
      method: 'GET',
      path: '/statements',
      headers: [auth(`DPoP ${TOKENS.dpopStrong}`), ['dpop', PROOF]],
    },
    status: 401,
    challenges: challenge('plain'),
    body: null,
  },
]
