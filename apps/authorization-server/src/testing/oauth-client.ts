/**
 * The client side of a headless sign-in: an authorization code flow with PKCE (S256) driven
 * through the scripted {@link UserAgent}, with oauth4webapi as the client library. Shared by the
 * demo, the bank API's tests and its load bench.
 */
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import type { Credentials, Step, UserAgent } from './user-agent.ts'

const insecure = { [oauth.allowInsecureRequests]: true } as const

export interface AuthorizeOptions {
  readonly as: oauth.AuthorizationServer
  readonly client: oauth.Client
  readonly redirectUri: string
  readonly scope: string
  /** The RFC 8707 resource indicator, sent with the authorization and the token request. */
  readonly resource: string
  readonly agent: UserAgent
  readonly credentials: Credentials
  /** More authorization request parameters: `acr_values`, `max_age`, `authorization_details`… */
  readonly params?: Readonly<Record<string, string>>
}

/** What one authorization request produced. */
export interface Authorization {
  /** The authorization request's parameters, as sent in the URL. */
  readonly params: URLSearchParams
  /** The pages the user completed (password, webauthn, consent…). */
  readonly steps: readonly Step[]
  readonly accessToken: string
  /** The access token's claims, decoded for display and assertions (not verified here). */
  readonly claims: Record<string, unknown>
}

/** Read the authorization server's metadata (OpenID Connect Discovery, plain http allowed). */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer)
  return oauth.processDiscoveryResponse(
    url,
    await oauth.discoveryRequest(url, { algorithm: 'oidc', ...insecure }),
  )
}

/**
 * Run the authorization code flow with PKCE through the user agent, exchange the code (with the
 * `resource`), check `state`, `nonce` and, when `max_age` was asked for, `auth_time`, and return
 * the access token.
 */
export async function authorize(options: AuthorizeOptions): Promise<Authorization> {
  const { as, client, redirectUri, resource, agent, credentials, params: extra = {} } = options
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const params = new URLSearchParams({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: options.scope,
    resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  })
  const url = new URL(as.authorization_endpoint!)
  url.search = params.toString()
  const { callback, steps } = await agent.authorize(url, redirectUri, credentials)
  const callbackParams = oauth.validateAuthResponse(as, client, callback, state)
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    callbackParams,
    redirectUri,
    verifier,
    { additionalParameters: { resource }, ...insecure },
  )
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: nonce,
    ...(extra['max_age'] !== undefined && { maxAge: Number(extra['max_age']) }),
  })
  return { params, steps, accessToken: tokens.access_token, claims: decodeJwt(tokens.access_token) }
}
