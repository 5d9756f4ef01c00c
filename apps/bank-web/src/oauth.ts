import * as oauth from 'oauth4webapi'
import { config } from './config.ts'

/** What the client asks for at sign-in. */
export const SCOPE = 'openid accounts:read transfers:write'
/** The bank API's resource indicator (RFC 8707): the `aud` of its access tokens. */
export const RESOURCE = `${config.api.replace(/\/$/, '')}/`
const REDIRECT_URI = `${location.origin}/callback`
const client: oauth.Client = { client_id: config.clientId }
// Plain http is allowed only for a loopback issuer (development and tests).
const insecure = {
  [oauth.allowInsecureRequests]: /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(config.issuer),
}

/** The transfer a step-up is for, resumed after the redirect. */
export interface PendingTransfer {
  readonly source: string
  readonly body: string
}

/** Saved in sessionStorage across the redirect to the authorization server and back. */
interface Pending {
  readonly state: string
  readonly nonce: string
  readonly verifier: string
  readonly maxAge?: number
  readonly purpose: 'sign-in' | 'step-up'
  readonly transfer?: PendingTransfer
}

/** The session's access token and the claims this app displays. */
export interface TokenState {
  readonly accessToken: string
  readonly acr?: string
  readonly auth_time?: number
  readonly amr?: string[]
  readonly authorization_details?: unknown[]
}

const PENDING = 'bank.pending'
const TOKEN = 'bank.token'

let metadata: Promise<oauth.AuthorizationServer> | undefined
function discover(): Promise<oauth.AuthorizationServer> {
  metadata ??= (async () => {
    const issuer = new URL(config.issuer)
    return oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    )
  })()
  return metadata
}

/**
 * Start an authorization request (code + PKCE S256) and leave for the authorization server;
 * `extra` carries the step-up parameters (`acr_values`, `max_age`, `authorization_details`).
 * Resolves the parameters sent, just before the page navigates away.
 */
export async function redirectToAuthorization(
  purpose: Pending['purpose'],
  extra: Record<string, string> = {},
  transfer?: PendingTransfer,
): Promise<URLSearchParams> {
  const as = await discover()
  const verifier = oauth.generateRandomCodeVerifier()
  const pending: Pending = {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier,
    purpose,
    ...(extra['max_age'] !== undefined && { maxAge: Number(extra['max_age']) }),
    ...(transfer && { transfer }),
  }
  sessionStorage.setItem(PENDING, JSON.stringify(pending))
  const params = new URLSearchParams({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    resource: RESOURCE,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    ...extra,
  })
  const url = new URL(as.authorization_endpoint!)
  url.search = params.toString()
  location.assign(url)
  return params
}

/** The outcome of coming back to `/callback`. */
export type CallbackResult =
  | { readonly ok: true; readonly token: TokenState; readonly pending: Pending }
  | { readonly ok: false; readonly error: string; readonly pending: Pending | undefined }

/** Finish the authorization at `/callback`: validate, exchange the code, keep the token. */
export async function completeAuthorization(url: URL): Promise<CallbackResult> {
  const raw = sessionStorage.getItem(PENDING)
  sessionStorage.removeItem(PENDING)
  const pending = raw ? (JSON.parse(raw) as Pending) : undefined
  if (!pending) return { ok: false, error: 'no authorization in progress', pending }
  const as = await discover()
  try {
    const params = oauth.validateAuthResponse(as, client, url, pending.state)
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      REDIRECT_URI,
      pending.verifier,
      { additionalParameters: { resource: RESOURCE }, ...insecure },
    )
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: pending.nonce,
      ...(pending.maxAge !== undefined && { maxAge: pending.maxAge }),
    })
    const token = { accessToken: tokens.access_token, ...displayClaims(tokens.access_token) }
    sessionStorage.setItem(TOKEN, JSON.stringify(token))
    return { ok: true, token, pending }
  } catch (error) {
    const code =
      error instanceof oauth.AuthorizationResponseError
        ? error.error
        : error instanceof Error
          ? error.message
          : 'authorization failed'
    return { ok: false, error: code, pending }
  }
}

/** The stored token, if signed in. */
export function currentToken(): TokenState | undefined {
  const raw = sessionStorage.getItem(TOKEN)
  return raw ? (JSON.parse(raw) as TokenState) : undefined
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN)
  sessionStorage.removeItem(PENDING)
}

/**
 * The claims this app shows. Access tokens are meant for the API, not the client; it decodes
 * this one (without trusting it for anything) only because the app teaches the flow.
 */
function displayClaims(accessToken: string): Omit<TokenState, 'accessToken'> {
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
    }
  } catch {
    return {}
  }
}
