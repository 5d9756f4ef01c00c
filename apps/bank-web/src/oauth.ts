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
  /** When the access token expires, in epoch milliseconds (from `expires_in`). */
  readonly expiresAt?: number
  /** How long the access token lived when issued, in milliseconds (`expires_in`). */
  readonly lifetime?: number
  /** The refresh token, bound to this browser's DPoP key like the access token (RFC 9449 §5). */
  readonly refreshToken?: string
  /** The last ID token, the `id_token_hint` of the sign-out (OpenID RP-Initiated Logout 1.0 §2). */
  readonly idToken?: string
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

/**
 * Keep a token response (sign-in, step-up or refresh) as the session's tokens. A response
 * without a refresh token or an ID token keeps the ones the session had.
 */
export function saveTokenResponse(tokens: oauth.TokenEndpointResponse): TokenState {
  const previous = currentToken()
  const refreshToken = tokens.refresh_token ?? previous?.refreshToken
  const idToken = tokens.id_token ?? previous?.idToken
  const token: TokenState = {
    accessToken: tokens.access_token,
    tokenType: tokens.token_type === 'dpop' ? 'DPoP' : 'Bearer',
    ...(tokens.expires_in !== undefined && {
      expiresAt: Date.now() + tokens.expires_in * 1000,
      lifetime: tokens.expires_in * 1000,
    }),
    ...(refreshToken !== undefined && { refreshToken }),
    ...(idToken !== undefined && { idToken }),
    ...displayClaims(tokens.access_token),
  }
  sessionStorage.setItem(TOKEN, JSON.stringify(token))
  return token
}

/**
 * How long before expiry the access token is renewed: a minute, or half its lifetime when that
 * is shorter (a deployment with short-lived tokens).
 */
export function refreshMargin(token: TokenState): number {
  if (token.lifetime === undefined) return 0
  return Math.min(60_000, token.lifetime / 2)
}

/** Why the session ended: the refresh token was refused, or there was none. */
export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError'
}

let refreshing: Promise<TokenState> | undefined

/**
 * Renew the access token with the refresh token (RFC 6749 §6), with a DPoP proof of this
 * browser's key (RFC 9449 §5: a public client's refresh token is bound to that key). Concurrent
 * calls share one request. Rejects with {@link SessionEndedError} when the authorization server
 * refuses the refresh token (or the session has none); a network failure rejects as it is.
 */
export function refreshTokens(): Promise<TokenState> {
  refreshing ??= (async () => {
    const token = currentToken()
    if (!token?.refreshToken) throw new SessionEndedError('no refresh token')
    const as = await discover()
    const dpop = oauth.DPoP(client, await dpopKeyPair())
    try {
      const tokens = await withNonce(
        () =>
          oauth.refreshTokenGrantRequest(as, client, oauth.None(), token.refreshToken!, {
            additionalParameters: { resource: RESOURCE },
            DPoP: dpop,
            ...insecure,
          }),
        (response) => oauth.processRefreshTokenResponse(as, client, response),
      )
      // The session may have been signed out while the request was in flight.
      if (!currentToken()) throw new SessionEndedError('signed out')
      return saveTokenResponse(tokens)
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError || error instanceof SessionEndedError) {
        throw new SessionEndedError('the refresh token was refused', { cause: error })
      }
      throw error
    }
  })().finally(() => {
    refreshing = undefined
  })
  return refreshing
}

/** The stored token, if signed in. */
export function currentToken(): TokenState | undefined {
  const raw = sessionStorage.getItem(TOKEN)
  return raw ? (JSON.parse(raw) as TokenState) : undefined
}

/**
 * The stored token as the step-up fetch sends it (`DPoP` with a proof, or `Bearer`), renewed
 * first when it expires within {@link refreshMargin} (a tab that slept past its timer).
 */
export async function accessToken(): Promise<TypedAccessToken | string> {
  let token = currentToken()
  if (token?.expiresAt !== undefined && token.expiresAt - Date.now() <= refreshMargin(token)) {
    token = await refreshTokens()
  }
  return token ? { token: token.accessToken, type: token.tokenType } : ''
}

/** Forget the tokens and the key they are bound to (this browser only). */
export async function forgetSession(): Promise<void> {
  sessionStorage.removeItem(TOKEN)
  sessionStorage.removeItem(PENDING)
  await forgetDpopKeyPair()
}

/**
 * Sign out: revoke the refresh token (RFC 7009), forget everything local, then end the session
 * at the sign-in server too (OpenID RP-Initiated Logout 1.0 §2: `end_session_endpoint` with
 * `id_token_hint`, `client_id` and `post_logout_redirect_uri`), which comes back to `returnTo`.
 * Resolves `false` without navigating when the server has no `end_session_endpoint`.
 */
export async function signOut(returnTo: string): Promise<boolean> {
  const token = currentToken()
  const as = await discover().catch(() => undefined)
  if (as && token?.refreshToken) {
    await oauth
      .revocationRequest(as, client, oauth.None(), token.refreshToken, {
        additionalParameters: { token_type_hint: 'refresh_token' },
        ...insecure,
      })
      .catch(() => undefined)
  }
  await forgetSession()
  if (!as?.end_session_endpoint) return false
  const url = new URL(as.end_session_endpoint)
  if (token?.idToken) url.searchParams.set('id_token_hint', token.idToken)
  url.searchParams.set('client_id', client.client_id)
  url.searchParams.set('post_logout_redirect_uri', returnTo)
  location.assign(url)
  return true
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
