import {
  buildStepUpAuthorizationParams,
  createStepUpFetch,
  readStepUpChallenge,
} from '@stepup/client'
import { compare } from 'bench-kit'
import * as oauth from 'oauth4webapi'

const STEP_UP =
  'DPoP algs="ES256", Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:example:gold urn:example:silver", max_age="300", resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource"'
const headers = new Headers({ 'www-authenticate': STEP_UP })
const as: oauth.AuthorizationServer = { issuer: 'https://as.example.net' }
const client: oauth.Client = { client_id: 's6BhdRkqt3' }

await compare(
  'Read the step-up challenge of a 401 (Response built in every case)',
  [
    {
      name: '@stepup/client readStepUpChallenge',
      fn: () => readStepUpChallenge(new Response(null, { status: 401, headers })),
    },
    {
      name: 'oauth4webapi (via WWWAuthenticateChallengeError)',
      fn: () =>
        oauth
          .processUserInfoResponse(
            as,
            client,
            oauth.skipSubjectCheck,
            new Response(null, { status: 401, headers }),
          )
          .catch((error: oauth.WWWAuthenticateChallengeError) => error.cause),
    },
  ],
  { baseline: 'oauth4webapi (via WWWAuthenticateChallengeError)' },
)

const challenge = readStepUpChallenge(new Response(null, { status: 401, headers }))!
await compare(
  'Challenge → authorization request parameters',
  [
    {
      name: 'buildStepUpAuthorizationParams',
      fn: () => buildStepUpAuthorizationParams(challenge, { currentScope: 'openid accounts' }),
    },
    {
      name: 'buildStepUpAuthorizationParams, claims mode',
      fn: () => buildStepUpAuthorizationParams(challenge, { mode: 'claims' }),
    },
  ],
  { baseline: 'buildStepUpAuthorizationParams' },
)

const ok = async () => new Response('ok')
const api = createStepUpFetch({
  fetch: ok,
  allowedOrigins: ['https://api.example.com'],
  getAccessToken: () => 'token',
  stepUp: () => 'stronger',
})
await compare(
  'Per-request overhead of the wrapper (stub fetch, no challenge, POST with a JSON body)',
  [
    {
      name: 'stub fetch with a Request',
      fn: () =>
        ok().then(
          () => new Request('https://api.example.com/x', { method: 'POST', body: '{"a":1}' }),
        ),
    },
    {
      name: 'createStepUpFetch',
      fn: () => api('https://api.example.com/x', { method: 'POST', body: '{"a":1}' }),
    },
  ],
  { baseline: 'stub fetch with a Request' },
)
