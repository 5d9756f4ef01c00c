import type { Credentials, Step, UserAgent } from 'authorization-server/testing/user-agent'
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'

/** The demo's public client: code flow with PKCE (S256), like the web client. */
export const CLIENT: oauth.Client = { client_id: 'bank-demo' }
export const REDIRECT_URI = 'http://localhost:8765/callback'
export const SCOPE = 'openid accounts:read transfers:write'
const insecure = { [oauth.allowInsecureRequests]: true } as const

/** The access token's claims the story looks at (decoded for display only). */
export interface TokenClaims {
  readonly acr?: string
  readonly auth_time?: number
  readonly amr?: string[]
  readonly authorization_details?: unknown[]
  readonly [claim: string]: unknown
}

/** What one authorization request produced. */
export interface Authorization {
  /** The authorization request's parameters, as sent in the URL. */
  readonly params: URLSearchParams
  /** The pages the user completed (password, webauthn, consent…). */
  readonly steps: readonly Step[]
  readonly accessToken: string
  readonly claims: TokenClaims
}

/** Read the authorization server's metadata (OpenID Connect Discovery). */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer)
  return oauth.processDiscoveryResponse(
    url,
    await oauth.discoveryRequest(url, { algorithm: 'oidc', ...insecure }),
  )
}

/**
 * Run the authorization code flow with PKCE through the scripted user agent, exchange the code
 * (RFC 8707 `resource`), and return the access token with its claims.
 */
export async function authorize(
  as: oauth.AuthorizationServer,
  agent: UserAgent,
  credentials: Credentials,
  resource: string,
  extra: Record<string, string> = {},
): Promise<Authorization> {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const params = new URLSearchParams({
    client_id: CLIENT.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  })
  const url = new URL(as.authorization_endpoint!)
  url.search = params.toString()
  const { callback, steps } = await agent.authorize(url, REDIRECT_URI, credentials)
  const callbackParams = oauth.validateAuthResponse(as, CLIENT, callback, state)
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    CLIENT,
    oauth.None(),
    callbackParams,
    REDIRECT_URI,
    verifier,
    { additionalParameters: { resource }, ...insecure },
  )
  const tokens = await oauth.processAuthorizationCodeResponse(as, CLIENT, response, {
    expectedNonce: nonce,
    ...(extra['max_age'] !== undefined && { maxAge: Number(extra['max_age']) }),
  })
  return {
    params,
    steps,
    accessToken: tokens.access_token,
    claims: decodeJwt(tokens.access_token) as TokenClaims,
  }
}
