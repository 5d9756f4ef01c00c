import type { TypedAccessToken } from '@stepup/client'
import * as oauth from 'oauth4webapi'
import { config } from './config.ts'
import { dpopKeyPair, forgetDpopKeyPair } from './dpop-key.ts'

/** What the client asks for at sign-in. */
export const SCOPE = 'openid accounts:read transfers:write'
/** The bank API's resource indicator (RFC 8707): the `aud` of its access tokens. */
export const RESOURCE = `${config.api.replace(/\/$/, '')}/`
/** The callback page, for the sign-in and for step-ups (popup or full-page redirect). */
export const REDIRECT_URI = `${location.origin}/callback`
export const client: oauth.Client = { client_id: config.clientId }
// Plain http is allowed only for a loopback issuer (development and tests).
const insecure = {
  [oauth.allowInsecureRequests]: /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(config.issuer),
}

/** Saved in sessionStorage across the sign-in's redirect to the authorization server and back. */
interface PendingSignIn {
  readonly state: string
  readonly nonce: string
  readonly verifier: string
}

/** The session's access token, its type, and the claims this app displays. */
export interface TokenState {
  readonly accessToken: string
  /** `DPoP` (bound to this browser's key) or `Bearer`, as the token response said. */
  readonly tokenType: 'DPoP' | 'Bearer'
  readonly acr?: string
  readonly auth_time?: number
  readonly amr?: string[]
  readonly authorization_details?: unknown[]
  /** The RFC 7638 thumbprint of the key the token is bound to (`cnf.jkt`). */
  readonly jkt?: string
}

const PENDING = 'bank.sign-in'
const TOKEN = 'bank.token'

let metadata: Promise<oauth.AuthorizationServer> | undefined
/** The authorization server's metadata (OpenID Connect Discovery), read once. */
export function discover(): Promise<oauth.AuthorizationServer> {
  metadata ??= (async () => {
    const issuer = new URL(config.issuer)
    return oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    )
  })()
  return metadata
}

/** Sends a request and processes its answer, once more when the server asks for a DPoP nonce (RFC 9449 §8). */
async function withNonce<T>(
  send: () => Promise<Response>,
  process: (response: Response) => Promise<T>,
): Promise<T> {
  try {
    return await process(await send())
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error
    // oauth4webapi's DPoP handle kept the nonce from the answer: the next proof carries it.
    return process(await send())
  }
}

/**
 * Sign in: push the authorization request (RFC 9126 PAR, with PKCE S256 and a DPoP proof, so the
 * authorization server binds the code to this browser's key) and leave for the authorization
 * server. Resolves the parameters pushed, just before the page navigates away.
 */
export async function signIn(): Promise<URLSearchParams> {
  const as = await discover()
  const dpop = oauth.DPoP(client, await dpopKeyPair())
  const pending: PendingSignIn = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier: oauth.generateRandomCodeVerifier(),
  }
  const params = new URLSearchParams({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    resource: RESOURCE,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    dpop_jkt: await dpop.calculateThumbprint(),
  })
  const { request_uri } = await withNonce(
    () =>
      oauth.pushedAuthorizationRequest(as, client, oauth.None(), params, {
        DPoP: dpop,
        ...insecure,
      }),
    (response) => oauth.processPushedAuthorizationResponse(as, client, response),
  )
  sessionStorage.setItem(PENDING, JSON.stringify(pending))
  const url = new URL(as.authorization_endpoint!)
  url.searchParams.set('client_id', client.client_id)
  url.searchParams.set('request_uri', request_uri)
  location.assign(url)
  return params
}

/** Whether this callback answers the sign-in this tab started (not a step-up). */
export function isSignInCallback(url: URL): boolean {
  const raw = sessionStorage.getItem(PENDING)
  const state = url.searchParams.get('state')
  return raw !== null && state !== null && (JSON.parse(raw) as PendingSignIn).state === state
}

/** The outcome of coming back from the sign-in. */
export type SignInResult =
  | { readonly ok: true; readonly token: TokenState }
  | { readonly ok: false; readonly error: string }

/** Finish the sign-in at `/callback`: validate, redeem the code with a DPoP proof, keep the token. */
export async function completeSignIn(url: URL): Promise<SignInResult> {
  const raw = sessionStorage.getItem(PENDING)
  sessionStorage.removeItem(PENDING)
  if (!raw) return { ok: false, error: 'no sign-in in progress' }
  const pending = JSON.parse(raw) as PendingSignIn
  const as = await discover()
  const dpop = oauth.DPoP(client, await dpopKeyPair())
  try {
    const params = oauth.validateAuthResponse(as, client, url, pending.state)
    const tokens = await withNonce(
      () =>
        oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.None(),
          params,
          REDIRECT_URI,
          pending.verifier,
          { additionalParameters: { resource: RESOURCE }, DPoP: dpop, ...insecure },
        ),
      (response) =>
        oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: pending.nonce,
        }),
    )
    return { ok: true, token: saveTokenResponse(tokens) }
  } catch (error) {
    const code =
      error instanceof oauth.AuthorizationResponseError
        ? error.error
        : error instanceof Error
          ? error.message
          : 'authorization failed'
    return { ok: false, error: code }
  }
}

/** Keep a token response's access token (sign-in or step-up) as the session's token. */
export function saveTokenResponse(tokens: oauth.TokenEndpointResponse): TokenState {
  const token: TokenState = {
    accessToken: tokens.access_token,
    tokenType: tokens.token_type === 'dpop' ? 'DPoP' : 'Bearer',
    ...displayClaims(tokens.access_token),
  }
  sessionStorage.setItem(TOKEN, JSON.stringify(token))
  return token
}

/** The stored token, if signed in. */
export function currentToken(): TokenState | undefined {
  const raw = sessionStorage.getItem(TOKEN)
  return raw ? (JSON.parse(raw) as TokenState) : undefined
}

/** The stored token as the step-up fetch sends it: `DPoP` with a proof, or `Bearer`. */
export function accessToken(): TypedAccessToken | string {
  const token = currentToken()
  return token ? { token: token.accessToken, type: token.tokenType } : ''
}

/** Forget the token and the key it is bound to. */
export async function signOut(): Promise<void> {
  sessionStorage.removeItem(TOKEN)
  sessionStorage.removeItem(PENDING)
  await forgetDpopKeyPair()
}

/**
 * The claims this app shows. Access tokens are meant for the API, not the client; it decodes
 * this one (without trusting it for anything) only because the app teaches the flow.
 */
function displayClaims(accessToken: string): Omit<TokenState, 'accessToken' | 'tokenType'> {
  try {
    const payload = accessToken.split('.')[1] ?? ''
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'))
    const claims = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))),
    )
    return {
      ...(typeof claims.acr === 'string' && { acr: claims.acr }),
      ...(typeof claims.auth_time === 'number' && { auth_time: claims.auth_time }),
      ...(Array.isArray(claims.amr) && { amr: claims.amr }),
      ...(Array.isArray(claims.authorization_details) && {
        authorization_details: claims.authorization_details,
      }),
      ...(typeof claims.cnf?.jkt === 'string' && { jkt: claims.cnf.jkt }),
    }
  } catch {
    return {}
  }
}
