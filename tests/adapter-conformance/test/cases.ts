import type { CaseRequest } from '../src/client.ts'
import {
  type AppName,
  PROOF,
  paying,
  RESOURCE_METADATA,
  TOKENS,
  transferDetail,
} from '../src/fixtures.ts'
import type { AdapterName } from '../src/servers.ts'

type Params = Record<string, string>

/** A challenge as @stepup/www-authenticate parses it (scheme lower-cased). */
export interface ExpectedChallenge {
  scheme: string
  params: Params
}

/** An answer: status, the parsed `WWW-Authenticate` challenges and the JSON body. */
export interface Answer {
  status: number
  /** The parsed `WWW-Authenticate` challenges, or `null` for none at all. */
  challenges: ExpectedChallenge[] | null
  /** The JSON body, or `null` for an empty body. */
  body: unknown
}

/**
 * What a framework answers itself, before any middleware of the app runs (its router or body
 * parser): a refusal all the same. The status stays the case's unless the framework's own
 * refusal has another 4xx (`status`); the challenge and body are the framework's.
 */
export interface FrameworkAnswer {
  status?: 400 | 413 | 415
  challenges: ExpectedChallenge[] | null
  body: unknown
  /** Why this framework answers first. */
  why: string
}

/** One conformance case: the request, and the one answer every adapter must give. */
export interface Case extends Answer {
  title: string
  app: AppName
  request: CaseRequest
  /** Adapters whose framework answers before the guard can, with the same status. */
  frameworkAnswers?: Partial<Record<AdapterName, FrameworkAnswer>>
}

const auth = (value: string) => ['authorization', value] as const
const bearer = (token: string) => auth(`Bearer ${token}`)
const json = ['content-type', 'application/json'] as const
const FASTIFY_415 = (message: string) => ({
  statusCode: 415,
  code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  error: 'Unsupported Media Type',
  message,
})
const form = ['content-type', 'application/x-www-form-urlencoded'] as const

const FULL = { realm: 'bank', resource_metadata: RESOURCE_METADATA }
const ALGS = { algs: 'ES256 PS256' }

/** Only `full` has a realm, metadata and DPoP; every other app challenges like `plain`. */
const SHAPE: Record<AppName, 'full' | 'plain'> = {
  full: 'full',
  plain: 'plain',
  paths: 'plain',
  faults: 'plain',
}

/** Plain app: a lone Bearer challenge. Full app: Bearer and DPoP, the error on the scheme used. */
export function challenge(
  app: AppName,
  error: Params = {},
  scheme: 'bearer' | 'dpop' = 'bearer',
): ExpectedChallenge[] {
  if (SHAPE[app] === 'plain') return [{ scheme: 'bearer', params: error }]
  return [
    { scheme: 'bearer', params: { ...FULL, ...(scheme === 'bearer' ? error : {}) } },
    { scheme: 'dpop', params: { ...FULL, ...(scheme === 'dpop' ? error : {}), ...ALGS } },
  ]
}

/** Whether an app's challenges are exposed to browsers (`exposeChallenge`). */
export const exposes = (app: AppName): boolean => SHAPE[app] === 'full'

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
const DETAILS = 'The authorization details of the access token do not cover this request'

/** The 400 answers of a body or target the guard cannot read. */
const UNREADABLE = {
  unsupported: invalidRequest(
    'The request body must be application/json or application/x-www-form-urlencoded',
  ),
  malformed: invalidRequest('The request body is malformed'),
  notObject: invalidRequest('The request body must be a JSON object'),
  tooLarge: invalidRequest('The request body is too large'),
  // RFC 6750 §3: an error_description holds no double quote (nor backslash): the type is bare.
  noTransfer: invalidRequest('The request has no authorization_details of type payment_initiation'),
  details: invalidRequest('The authorization_details of the request are invalid'),
  target: invalidRequest('The request target is malformed'),
}

/** 503 without a challenge: something the decision depends on failed. */
export const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'The request cannot be authorized right now',
}

const transfer = (amount: string) =>
  JSON.stringify({ authorization_details: [transferDetail(amount)] })

/** A valid JSON transfer of 70 KiB (the default `bodyLimit` is 64 KiB). */
const LARGE_TRANSFER = (() => {
  const shell = JSON.stringify({ authorization_details: [transferDetail('5000')], memo: '' })
  return shell.replace('"memo":""', `"memo":"${'x'.repeat(70 * 1024 - shell.length)}"`)
})()

const both = (build: (app: 'plain' | 'full') => Omit<Case, 'app'>): Case[] =>
  (['plain', 'full'] as const).map((app) => {
    const c = build(app)
    return { ...c, app, title: `${c.title} (${app})` }
  })

/** `express.json()` hands a body it refuses to the app's error handler (src/servers.ts). */
const EXPRESS_PARSER = (why: string): Partial<Record<AdapterName, FrameworkAnswer>> => {
  const answer = { challenges: null, body: { error: 'entity.parse.failed' }, why }
  return { express5: answer, express4: answer }
}

/**
 * Nest's own answer to an error its platform raised before the route's guard (a body parser, the
 * router): Nest's exception filter renders it as `{ message, error, statusCode }` (Express) or
 * `{ statusCode, message }` (Fastify's error, without its code).
 */
const NEST_ANSWER = (body: Record<string, unknown>, why: string): FrameworkAnswer => ({
  challenges: null,
  body,
  why,
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
  // Risk policy over the RAR details of the body: amountThreshold, the token must grant the transfer.
  ...both(() => ({
    title: 'policy: 5,000 with a fresh phrh token granting it → 200',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '5000')), json],
      body: transfer('5000'),
    },
    status: 200,
    challenges: null,
    body: { route: '/transfers', sub: 'alice' },
  })),
  ...both((app) => ({
    title: 'policy: 5,000 with a password token granting it → 401 phr within 300 s',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('weak', '5000')), json],
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
    title: 'policy: 20,000 with a password token granting it → 401 phrh within 60 s',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('weak', '20000')), json],
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
    challenges: challenge(app, UNREADABLE.details),
    body: UNREADABLE.details,
  })),
  // A body the policy cannot read is refused, never decided on as if it were empty. The token
  // grants the transfer, so a guard that read the body anyway would answer 200.
  ...both((app) => ({
    title: 'body: a JSON transfer sent as text/plain → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '5000')), ['content-type', 'text/plain']],
      body: transfer('5000'),
    },
    status: 400,
    challenges: challenge(app, UNREADABLE.unsupported),
    body: UNREADABLE.unsupported,
  })),
  ...both((app) => ({
    title: 'body: a JSON transfer without a content-type → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '5000'))],
      body: transfer('5000'),
    },
    status: 400,
    challenges: challenge(app, UNREADABLE.unsupported),
    body: UNREADABLE.unsupported,
    frameworkAnswers: {
      fastify5: {
        status: 415,
        challenges: null,
        body: FASTIFY_415('Unsupported Media Type'),
        why: 'Fastify refuses a body without a content-type before any hook runs',
      },
      fastify4: {
        status: 415,
        challenges: null,
        body: FASTIFY_415('Unsupported Media Type: undefined'),
        why: 'Fastify refuses a body without a content-type before any hook runs',
      },
      'nest-fastify': {
        status: 415,
        ...NEST_ANSWER(
          { statusCode: 415, message: 'Unsupported Media Type' },
          "Fastify refuses a body without a content-type before Nest's route handler and its guards",
        ),
      },
    },
  })),
  ...both((app) => ({
    title: 'body: malformed JSON → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '5000')), json],
      body: '{"authorization_details":',
    },
    status: 400,
    challenges: challenge(app, UNREADABLE.malformed),
    body: UNREADABLE.malformed,
    frameworkAnswers: {
      ...EXPRESS_PARSER('express.json() is app-wide, before the route and its guard'),
      fastify5: {
        challenges: null,
        body: {
          statusCode: 400,
          code: 'FST_ERR_CTP_INVALID_JSON_BODY',
          error: 'Bad Request',
          message: "Body is not valid JSON but content-type is set to 'application/json'",
        },
        why: "Fastify's JSON parser runs before preHandler hooks",
      },
      fastify4: {
        challenges: null,
        body: { statusCode: 400, error: 'Bad Request', message: 'Unexpected end of JSON input' },
        why: "Fastify's JSON parser runs before preHandler hooks",
      },
      'nest-express': NEST_ANSWER(
        { message: 'Unexpected end of JSON input', error: 'Bad Request', statusCode: 400 },
        "Nest mounts express.json() app-wide, before the route's guards",
      ),
      'nest-fastify': NEST_ANSWER(
        {
          statusCode: 400,
          message: "Body is not valid JSON but content-type is set to 'application/json'",
        },
        "Fastify's JSON parser runs before Nest's route handler and its guards",
      ),
    },
  })),
  ...both((app) => ({
    title: 'body: a JSON array → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '5000')), json],
      body: '[1,2]',
    },
    status: 400,
    challenges: challenge(app, UNREADABLE.notObject),
    body: UNREADABLE.notObject,
  })),
  ...both((app) => ({
    title: 'body: a JSON string → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '5000')), json],
      body: '"x"',
    },
    status: 400,
    challenges: challenge(app, UNREADABLE.notObject),
    body: UNREADABLE.notObject,
    // express.json() is strict (objects and arrays only) and refuses a bare string itself.
    frameworkAnswers: {
      ...EXPRESS_PARSER('express.json() in strict mode refuses a top-level string'),
      'nest-express': NEST_ANSWER(
        {
          message: 'Unexpected token \'"\', ""x"" is not valid JSON',
          error: 'Bad Request',
          statusCode: 400,
        },
        "Nest's express.json() (strict) refuses a top-level string before the route's guards",
      ),
    },
  })),
  ...both((app) => ({
    title: 'body: 70 KiB of valid JSON, over the 64 KiB bodyLimit → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '5000')), json],
      body: LARGE_TRANSFER,
    },
    status: 400,
    challenges: challenge(app, UNREADABLE.tooLarge),
    body: UNREADABLE.tooLarge,
  })),
  ...both((app) => ({
    title: 'body: a JSON object without authorization_details → 400 invalid_request',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '5000')), json],
      body: JSON.stringify({ memo: 'rent' }),
    },
    status: 400,
    challenges: challenge(app, UNREADABLE.noTransfer),
    body: UNREADABLE.noTransfer,
  })),
  // One decision, one challenge: what a single step-up can fix is asked for at once.
  ...both((app) => ({
    title: 'admin: password token without the admin scope → 401 with acr_values, max_age and scope',
    request: { method: 'GET', path: '/admin', headers: [bearer(TOKENS.weak)] },
    status: 401,
    challenges: challenge(app, {
      error: 'insufficient_user_authentication',
      error_description: ACR,
      acr_values: 'phrh',
      max_age: '60',
      scope: 'admin',
    }),
    body: { error: 'insufficient_user_authentication', error_description: ACR },
  })),
  ...both((app) => ({
    title: 'admin: fresh phrh token without the admin scope → 403 insufficient_scope alone',
    request: { method: 'GET', path: '/admin', headers: [bearer(TOKENS.strong)] },
    status: 403,
    challenges: challenge(app, {
      error: 'insufficient_scope',
      error_description: SCOPE,
      scope: 'admin',
    }),
    body: { error: 'insufficient_scope', error_description: SCOPE },
  })),
  ...[TOKENS.weak, paying('weak', '5000')].flatMap((token) =>
    both((app) => ({
      title: `policy: 10,000 with a password token not granting it (${token}) → 401 phrh within 60 s, detail in the body`,
      request: {
        method: 'POST',
        path: '/transfers',
        headers: [bearer(token), json],
        body: transfer('10000'),
      },
      status: 401,
      challenges: challenge(app, {
        error: 'insufficient_user_authentication',
        error_description: ACR,
        acr_values: 'phrh',
        max_age: '60',
      }),
      body: {
        error: 'insufficient_user_authentication',
        error_description: ACR,
        authorization_details: [transferDetail('10000')],
      },
    })),
  ),
  ...both((app) => ({
    title:
      'policy: 10,000 with a fresh phrh token not granting it → 403 insufficient_authorization_details',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(TOKENS.strong), json],
      body: transfer('10000'),
    },
    status: 403,
    challenges: challenge(app, {
      error: 'insufficient_authorization_details',
      error_description: DETAILS,
    }),
    body: {
      error: 'insufficient_authorization_details',
      error_description: DETAILS,
      authorization_details: [transferDetail('10000')],
    },
  })),
  ...both(() => ({
    title: 'policy: 10,000 with a fresh phrh token granting it → 200',
    request: {
      method: 'POST',
      path: '/transfers',
      headers: [bearer(paying('strong', '10000')), json],
      body: transfer('10000'),
    },
    status: 200,
    challenges: null,
    body: { route: '/transfers', sub: 'alice' },
  })),
  // One guard in front of every request: the path it decides on is the path the router serves.
  {
    title: 'paths: DELETE /admin/users/1 with a password token → 401 phrh',
    app: 'paths',
    request: { method: 'DELETE', path: '/admin/users/1', headers: [bearer(TOKENS.weak)] },
    status: 401,
    challenges: challenge('paths', {
      error: 'insufficient_user_authentication',
      error_description: ACR,
      acr_values: 'phrh',
    }),
    body: { error: 'insufficient_user_authentication', error_description: ACR },
  },
  {
    title: 'paths: DELETE /admin/users/1 with a phrh token → 200',
    app: 'paths',
    request: { method: 'DELETE', path: '/admin/users/1', headers: [bearer(TOKENS.strong)] },
    status: 200,
    challenges: null,
    body: { route: '/admin/users/:id', sub: 'alice' },
  },
  {
    title: 'paths: GET / with a password token → 200 (no rule fires)',
    app: 'paths',
    request: { method: 'GET', path: '/', headers: [bearer(TOKENS.weak)] },
    status: 200,
    challenges: null,
    body: { route: '/', sub: 'alice' },
  },
  ...[
    '/Admin/users/1',
    '//admin/users/1',
    '/admin/./users/1',
    '/x/../admin/users/1',
    '/%61dmin/users/1',
  ].map(
    (path): Case => ({
      title: `paths: DELETE ${path} with a password token → 401 phrh, whatever the router makes of it`,
      app: 'paths',
      request: { method: 'DELETE', path, headers: [bearer(TOKENS.weak)] },
      status: 401,
      challenges: challenge('paths', {
        error: 'insufficient_user_authentication',
        error_description: ACR,
        acr_values: 'phrh',
      }),
      body: { error: 'insufficient_user_authentication', error_description: ACR },
    }),
  ),
  {
    title: 'paths: DELETE /admin%zz/users/1 (bad percent-encoding) → 400 invalid_request',
    app: 'paths',
    request: { method: 'DELETE', path: '/admin%zz/users/1', headers: [bearer(TOKENS.weak)] },
    status: 400,
    challenges: challenge('paths', UNREADABLE.target),
    body: UNREADABLE.target,
    frameworkAnswers: {
      ...Object.fromEntries(
        (['fastify5', 'fastify4', 'nest-fastify'] as const).map((a) => [
          a,
          {
            challenges: null,
            body: {
              error: 'Bad Request',
              code: 'FST_ERR_BAD_URL',
              message: "'/admin%zz/users/1' is not a valid url component",
              statusCode: 400,
            },
            why: "Fastify's router refuses the URL before any hook runs",
          },
        ]),
      ),
      // Express 5's router decodes the parameters of the route it matched (here the app's
      // fallback route) before Nest runs the route's guards.
      'nest-express': NEST_ANSWER(
        { message: "Failed to decode param 'admin%zz'", error: 'Bad Request', statusCode: 400 },
        "Express's router refuses the parameter before Nest's guards run",
      ),
    },
  },
  // RFC 8705 §3.1: a certificate-bound token needs an mTLS check no adapter here performs.
  ...both((app) => ({
    title: 'RFC 8705 §3 certificate-bound token (cnf x5t#S256) sent as Bearer → 401 invalid_token',
    request: { method: 'GET', path: '/accounts', headers: [bearer(TOKENS.mtls)] },
    status: 401,
    challenges: challenge(app, INVALID_TOKEN),
    body: INVALID_TOKEN,
  })),
  // Something the decision depends on fails: 503 without a challenge, nothing of it on the wire.
  ...['/rule-throws', '/signals-throw', '/requirement-throws'].map(
    (path): Case => ({
      title: `faults: GET ${path} → 503 temporarily_unavailable`,
      app: 'faults',
      request: { method: 'GET', path, headers: [bearer(TOKENS.strong)] },
      status: 503,
      challenges: null,
      body: UNAVAILABLE,
    }),
  ),
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
