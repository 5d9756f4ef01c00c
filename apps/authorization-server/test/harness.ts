import { createLocalJWKSet, type JWTPayload, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { generate } from 'otplib'
import { type AuthorizationServer, createAuthorizationServer } from '../src/index.ts'
import { type Credentials, type Step, UserAgent } from '../src/testing/user-agent.ts'

export const RESOURCE = 'http://localhost:4000/'
export const REDIRECT_URI = 'http://localhost:8080/cb'
/** TOTP secrets per user: each test that types a code uses its own user (codes are single-use). */
export const TOTP_SECRETS: Readonly<Record<string, string>> = {
  alice: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  erin: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  frank: 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U',
  grace: 'ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU',
}
export const TRANSFER = [
  {
    type: 'urn:bank:params:oauth:request:transaction',
    transaction: { amount: '10000.00', currency: 'USD', destination_account: 'ACC-987654' },
  },
]

export const client: oauth.Client = { client_id: 'test-client' }
const insecure = { [oauth.allowInsecureRequests]: true } as const

/** Claims this server puts into its RFC 9068 access tokens. */
export interface AccessTokenClaims extends JWTPayload {
  acr?: string
  amr?: string[]
  auth_time?: number
  client_id?: string
  scope?: string
  authorization_details?: unknown[]
}

export interface Harness {
  readonly server: AuthorizationServer
  readonly as: oauth.AuthorizationServer
  verifyAccessToken(token: string): Promise<{ payload: AccessTokenClaims; typ: string | undefined }>
  /** A code generator for a seeded user's TOTP secret. */
  totp(username: string): () => Promise<string>
  close(): Promise<void>
}

export async function startHarness(): Promise<Harness> {
  const server = await createAuthorizationServer({
    resource: RESOURCE,
    // Every test signs in from 127.0.0.1: only the per-account limit is exercised here.
    lockout: { addressAttempts: 1000 },
    users: [
      { username: 'alice', password: 'wonderland', name: 'Alice', totp: TOTP_SECRETS['alice']! },
      { username: 'erin', password: 'erin-password', name: 'Erin', totp: TOTP_SECRETS['erin']! },
      {
        username: 'frank',
        password: 'frank-password',
        name: 'Frank',
        totp: TOTP_SECRETS['frank']!,
      },
      {
        username: 'grace',
        password: 'grace-password',
        name: 'Grace',
        totp: TOTP_SECRETS['grace']!,
      },
      { username: 'bob', password: 'builder', name: 'Bob' },
      { username: 'carol', password: 'carol-password', name: 'Carol' },
      { username: 'dave', password: 'dave-password', name: 'Dave' },
    ],
    clients: [
      {
        client_id: client.client_id,
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  })
  return harnessFor(server, TOTP_SECRETS)
}

/**
 * The harness around a started server: its discovery document, an access token verifier for
 * {@link RESOURCE} (RFC 9068 `at+jwt`), and TOTP codes from the given secrets.
 */
export async function harnessFor(
  server: AuthorizationServer,
  totpSecrets: Readonly<Record<string, string>>,
): Promise<Harness> {
  const issuer = new URL(server.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
  )
  const jwks = createLocalJWKSet(await (await fetch(as.jwks_uri!)).json())
  return {
    server,
    as,
    async verifyAccessToken(token) {
      const { payload, protectedHeader } = await jwtVerify<AccessTokenClaims>(token, jwks, {
        issuer: server.issuer,
        audience: RESOURCE,
        typ: 'at+jwt',
      })
      return { payload, typ: protectedHeader.typ }
    },
    totp: (username) => () => generate({ secret: totpSecrets[username]! }),
    close: () => server.close(),
  }
}

export interface FlowResult {
  readonly steps: Step[]
  readonly tokens: oauth.TokenEndpointResponse
  readonly accessToken: AccessTokenClaims
  readonly idToken: oauth.IDToken | undefined
}

/**
 * The parameters of an authorization code request with PKCE (S256) for `client` (or the test
 * client), to `REDIRECT_URI` and `RESOURCE`, with `params` (at least a `scope`) on top; and the
 * code verifier for the token request.
 */
export async function codeRequest(
  params: Record<string, string> & { readonly scope: string },
  forClient: oauth.Client = client,
): Promise<{ request: URLSearchParams; verifier: string }> {
  const verifier = oauth.generateRandomCodeVerifier()
  const request = new URLSearchParams({
    client_id: forClient.client_id,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: RESOURCE,
    ...params,
  })
  return { request, verifier }
}

/** The same request sent in the front channel: the authorization endpoint's URL carrying it. */
export async function authorizationUrl(
  harness: Harness,
  params: Record<string, string> & { readonly scope: string },
  forClient: oauth.Client = client,
): Promise<{ url: URL; verifier: string }> {
  const { request, verifier } = await codeRequest(params, forClient)
  const url = new URL(harness.as.authorization_endpoint!)
  url.search = request.toString()
  return { url, verifier }
}

/** Run an authorization code flow with PKCE (S256), through PAR unless `par: false`. */
export async function authorize(
  harness: Harness,
  agent: UserAgent,
  credentials: Credentials,
  params: Record<string, string> = {},
  options: { par?: boolean } = {},
): Promise<{
  callback: URL
  steps: Step[]
  notices: string[]
  state: string
  nonce: string
  verifier: string
}> {
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const { request, verifier } = await codeRequest({
    scope: 'openid offline_access accounts:read transfers:write',
    state,
    nonce,
    ...params,
  })
  const url = new URL(harness.as.authorization_endpoint!)
  if (options.par === false) {
    url.search = request.toString()
  } else {
    const pushed = await oauth.processPushedAuthorizationResponse(
      harness.as,
      client,
      await oauth.pushedAuthorizationRequest(harness.as, client, oauth.None(), request, insecure),
    )
    url.searchParams.set('client_id', client.client_id)
    url.searchParams.set('request_uri', pushed.request_uri)
  }
  const outcome = await agent.authorize(url, REDIRECT_URI, credentials)
  return { ...outcome, state, nonce, verifier }
}

/** `authorize`, then exchange the code at the token endpoint and verify the access token. */
export async function signIn(
  harness: Harness,
  agent: UserAgent,
  credentials: Credentials,
  params: Record<string, string> = {},
): Promise<FlowResult> {
  const { callback, steps, state, nonce, verifier } = await authorize(
    harness,
    agent,
    credentials,
    params,
  )
  const callbackParams = oauth.validateAuthResponse(harness.as, client, callback, state)
  const response = await oauth.authorizationCodeGrantRequest(
    harness.as,
    client,
    oauth.None(),
    callbackParams,
    REDIRECT_URI,
    verifier,
    { additionalParameters: { resource: RESOURCE }, ...insecure },
  )
  const tokens = await oauth.processAuthorizationCodeResponse(harness.as, client, response, {
    expectedNonce: nonce,
    ...(params['max_age'] !== undefined && { maxAge: Number(params['max_age']) }),
  })
  const { payload } = await harness.verifyAccessToken(tokens.access_token)
  return { steps, tokens, accessToken: payload, idToken: oauth.getValidatedIdTokenClaims(tokens) }
}

export async function refresh(
  harness: Harness,
  refreshToken: string,
  extra: Record<string, string> = {},
) {
  const response = await oauth.refreshTokenGrantRequest(
    harness.as,
    client,
    oauth.None(),
    refreshToken,
    {
      additionalParameters: { resource: RESOURCE, ...extra },
      ...insecure,
    },
  )
  return oauth.processRefreshTokenResponse(harness.as, client, response)
}

export { insecure, UserAgent }
