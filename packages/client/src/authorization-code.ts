import { checkOptions, invalidArgument } from '@stepup/internal'
import * as oauth from 'oauth4webapi'
import type { StepUpAuthorizationParams } from './authorization-params.js'
import { isSecureUrl, type StepUpWindow, windowOf } from './browser-window.js'
import { checkDpopKeyPair, type DpopOptions } from './dpop.js'
import type { TypedAccessToken } from './step-up-fetch.js'

/**
 * The options of {@link resumeAfterRedirect}, which {@link createPopupStepUp} takes too: the
 * authorization server and client (oauth4webapi's objects), the client authentication, the DPoP
 * key pair, the fetch and the window. Give `resumeAfterRedirect` the same ones as the popup
 * step-up.
 *
 * @example
 * ```ts
 * const resumed = await resumeAfterRedirect({ authorizationServer: as, client: { client_id: 'bank-web' }, dpop: { keyPair } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export interface ResumeAfterRedirectOptions {
  /** The authorization server's metadata (RFC 8414), e.g. from oauth4webapi's `discoveryRequest`. */
  readonly authorizationServer: oauth.AuthorizationServer
  /** The client, as oauth4webapi takes it (`client_id` at least). */
  readonly client: oauth.Client
  /** How the client authenticates at the token endpoint; default `oauth.None()` (a public client). */
  readonly clientAuth?: oauth.ClientAuth
  /**
   * Bind the new token to this key pair (RFC 9449): `dpop_jkt` in the authorization request and
   * a DPoP proof on the token request. Use the key pair of `createStepUpFetch`'s `dpop`.
   */
  readonly dpop?: DpopOptions
  /** The fetch for the token and PAR endpoints; default `globalThis.fetch`. */
  readonly fetch?: (request: Request) => Promise<Response>
  /** The browser window; default the global `window`. */
  readonly window?: StepUpWindow
}

/** @internal The option keys of {@link ResumeAfterRedirectOptions}. */
export const CODE_OPTIONS: readonly string[] = [
  'authorizationServer',
  'client',
  'clientAuth',
  'dpop',
  'fetch',
  'window',
]

/** @internal One authorization request in flight: what its response is checked against. */
export interface Flow {
  readonly state: string
  readonly codeVerifier: string
  readonly redirectUri: string
  /** Sent when `scope` has `openid`: the ID Token must carry it. */
  readonly nonce?: string
  /** The `max_age` asked for: the ID Token's `auth_time` must be within it. */
  readonly maxAge?: number
  /** The DPoP key's thumbprint sent as `dpop_jkt`. */
  readonly jkt?: string
}

/** @internal The checked options, and what they do. */
export interface CodeClient {
  readonly win: StepUpWindow
  readonly as: oauth.AuthorizationServer
  readonly client: oauth.Client
  /** Builds the authorization request (PKCE S256, state, nonce, dpop_jkt; pushed when asked). */
  start(
    params: StepUpAuthorizationParams,
    extra: Readonly<Record<string, string>>,
    redirectUri: string,
    pushed: boolean,
  ): Promise<[url: string, flow: Flow]>
  /** Checks the authorization response and redeems the code, as oauth4webapi does. */
  exchange(callback: URL, flow: Flow): Promise<[TypedAccessToken, oauth.TokenEndpointResponse]>
  /** The DPoP key's RFC 7638 thumbprint, when there is a key. */
  thumbprint(): Promise<string | undefined>
}

/** @internal Checks the shared options once and returns what they do. */
export function createCodeClient(
  options: ResumeAfterRedirectOptions,
  known: ReadonlySet<string>,
  where: string,
): CodeClient {
  checkOptions(options, known, where)
  const { authorizationServer: as, client, dpop } = options
  if (typeof as?.issuer !== 'string' || typeof as.authorization_endpoint !== 'string') {
    throw invalidArgument(
      `${where}: authorizationServer must be the authorization server's metadata, with issuer and authorization_endpoint (RFC 8414)`,
    )
  }
  if (typeof as.token_endpoint !== 'string') {
    throw invalidArgument(
      `${where}: authorizationServer has no token_endpoint to redeem the code at`,
    )
  }
  if (typeof client?.client_id !== 'string' || client.client_id === '') {
    throw invalidArgument(`${where}: client must have a client_id`)
  }
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  if (typeof fetchImpl !== 'function') {
    throw invalidArgument(`${where}: fetch must be a function`, { code: 'ERR_INVALID_ARG_TYPE' })
  }
  if (dpop !== undefined) checkDpopKeyPair(dpop, where)
  const clientAuth = options.clientAuth ?? oauth.None()
  const win = windowOf(options.window, where)
  const handle = dpop && oauth.DPoP(client, dpop.keyPair)
  /** oauth4webapi's request options for one endpoint: DPoP, the fetch, loopback http for development. */
  const requestOptions = (endpoint: string) => {
    let url: URL | undefined
    try {
      url = new URL(endpoint)
    } catch {}
    return {
      ...(handle && { DPoP: handle }),
      [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
        fetchImpl(new Request(url, init as RequestInit)),
      [oauth.allowInsecureRequests]: url?.protocol === 'http:' && isSecureUrl(url),
    }
  }
  /** Sends a request and processes its answer, once more when the server asks for a DPoP nonce. */
  const withNonce = async <T>(
    send: () => Promise<Response>,
    process: (r: Response) => Promise<T>,
  ) => {
    try {
      return await process(await send())
    } catch (error) {
      if (!handle || !oauth.isDPoPNonceError(error)) throw error
      return process(await send())
    }
  }

  return {
    win,
    as,
    client,
    thumbprint: async () => handle?.calculateThumbprint(),
    async start(params, extra, redirectUri, pushed) {
      const state = oauth.generateRandomState()
      const codeVerifier = oauth.generateRandomCodeVerifier()
      const openid = (params.scope ?? '').split(' ').includes('openid')
      const nonce = openid ? oauth.generateRandomNonce() : undefined
      const jkt = await handle?.calculateThumbprint()
      const query = new URLSearchParams({
        ...extra,
        ...params,
        client_id: client.client_id,
        response_type: 'code',
        redirect_uri: redirectUri,
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        ...(nonce !== undefined && { nonce }),
        ...(jkt !== undefined && { dpop_jkt: jkt }),
      })
      const flow: Flow = {
        state,
        codeVerifier,
        redirectUri,
        ...(nonce !== undefined && { nonce }),
        ...(params.max_age !== undefined && { maxAge: Number(params.max_age) }),
        ...(jkt !== undefined && { jkt }),
      }
      const url = new URL(as.authorization_endpoint!)
      if (pushed) {
        // RFC 9126: the parameters go to the PAR endpoint; the browser carries request_uri only.
        const endpoint = as.pushed_authorization_request_endpoint!
        const { request_uri } = await withNonce(
          () =>
            oauth.pushedAuthorizationRequest(
              as,
              client,
              clientAuth,
              query,
              requestOptions(endpoint),
            ),
          (response) => oauth.processPushedAuthorizationResponse(as, client, response),
        )
        url.searchParams.set('client_id', client.client_id)
        url.searchParams.set('request_uri', request_uri)
      } else {
        for (const [name, value] of query) url.searchParams.set(name, value)
      }
      return [url.href, flow]
    },
    async exchange(callback, flow) {
      // State, iss (RFC 9207) and error responses, by oauth4webapi.
      const params = oauth.validateAuthResponse(as, client, callback, flow.state)
      const response = await withNonce(
        () =>
          oauth.authorizationCodeGrantRequest(
            as,
            client,
            clientAuth,
            params,
            flow.redirectUri,
            flow.codeVerifier,
            requestOptions(as.token_endpoint!),
          ),
        (r) =>
          oauth.processAuthorizationCodeResponse(as, client, r, {
            ...(flow.nonce !== undefined && { expectedNonce: flow.nonce }),
            ...(flow.maxAge !== undefined && { maxAge: flow.maxAge }),
          }),
      )
      if (handle && response.token_type !== 'dpop') {
        throw new TypeError(
          `the authorization server issued a ${response.token_type} token, not a DPoP-bound one (RFC 9449 §5): it does not bind tokens to the DPoP key`,
        )
      }
      return [{ token: response.access_token, type: response.token_type }, response]
    },
  }
}
