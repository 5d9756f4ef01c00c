import { checkOptions, invalidArgument } from '@stepup/internal'
import type * as oauth from 'oauth4webapi'
import {
  CODE_OPTIONS,
  createCodeClient,
  type Flow,
  type ResumeAfterRedirectOptions,
} from './authorization-code.js'
import {
  CALLBACK_MESSAGE,
  isSecureUrl,
  pendingKey,
  type StepUpPopup,
  type StepUpWindow,
  windowOf,
} from './browser-window.js'
import type { StepUpChallenge } from './challenge.js'
import { StepUpError } from './errors.js'
import { type PendingStepUp, saveRequest } from './pending-step-up.js'
import type { StepUpContext, TypedAccessToken } from './step-up-fetch.js'

/**
 * The options of {@link createPopupStepUp}: those of {@link resumeAfterRedirect} (authorization
 * server, client, client authentication, DPoP key pair, fetch, window), the callback page, where
 * token responses go, and how the authorization request is sent.
 *
 * @example
 * ```ts
 * createPopupStepUp({ authorizationServer: as, client, redirectUri: 'https://bank.example/callback', onTokenResponse: save })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
export interface PopupStepUpOptions extends ResumeAfterRedirectOptions {
  /**
   * The callback page (registered at the authorization server), on the app's own origin: it
   * calls {@link completeStepUpInPopup}, and {@link resumeAfterRedirect} after a full redirect.
   */
  readonly redirectUri: string
  /**
   * Told about every token response before the new token is used, e.g. to keep it (and its
   * refresh token) as the app's current token, so the next call does not step up again.
   */
  readonly onTokenResponse: (response: oauth.TokenEndpointResponse) => void | Promise<void>
  /**
   * Extra authorization request parameters, e.g. `{ resource: 'https://api.example.com' }`
   * (RFC 8707) or `ui_locales`; none that the step-up sets itself.
   */
  readonly authorizationParams?: Readonly<Record<string, string>>
  /**
   * Push the authorization request first (RFC 9126, as FAPI 2.0 requires); default when the
   * authorization server says `require_pushed_authorization_requests`.
   */
  readonly pushedAuthorizationRequests?: boolean
  /** The popup's `window.open` features; default `popup,width=480,height=720`. */
  readonly popupFeatures?: string
  /**
   * When the browser blocks the popup: leave the page for the authorization server, saving the
   * request to replay in `sessionStorage` (default `true`), or reject with `ERR_POPUP_BLOCKED`.
   */
  readonly redirectFallback?: boolean
}

const POPUP_OPTIONS = new Set([
  ...CODE_OPTIONS,
  'redirectUri',
  'onTokenResponse',
  'authorizationParams',
  'pushedAuthorizationRequests',
  'popupFeatures',
  'redirectFallback',
])

/** Parameters the step-up sets itself, which `authorizationParams` may not. */
const RESERVED = new Set([
  'client_id',
  'response_type',
  'redirect_uri',
  'code_challenge',
  'code_challenge_method',
  'state',
  'nonce',
  'dpop_jkt',
  'request_uri',
  'acr_values',
  'max_age',
  'prompt',
  'scope',
  'claims',
  'authorization_details',
])

/**
 * The `stepUp` function that {@link createPopupStepUp} returns, to pass to `createStepUpFetch`.
 *
 * @example
 * ```ts
 * const stepUp = createPopupStepUp({ authorizationServer: as, client, redirectUri: 'https://bank.example/callback', onTokenResponse: save })
 * const api = createStepUpFetch({ allowedOrigins: ['https://api.bank.example'], getAccessToken, stepUp })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export type PopupStepUp = (
  challenge: StepUpChallenge,
  context: StepUpContext,
) => Promise<TypedAccessToken>

/** Milliseconds between two looks at whether the popup was closed. */
const POLL = 500

const WHERE = 'createPopupStepUp'

function callbackUrl(value: unknown): URL {
  let url: URL | undefined
  try {
    url = new URL(value as string)
  } catch {}
  if (typeof value !== 'string' || !url || url.hash !== '' || !isSecureUrl(url)) {
    throw invalidArgument(
      `${WHERE}: redirectUri must be an https: URL without fragment (or loopback http: for development)`,
    )
  }
  return url
}

/**
 * Creates the `stepUp` of `createStepUpFetch` for a single-page app: the authorization request
 * opens in a popup and the original call resumes when it closes, without reloading the app.
 *
 * Each step-up sends an authorization code request with `context.params`, PKCE (S256), a random
 * `state`, a `nonce` when `scope` has `openid`, `dpop_jkt` with `dpop` (RFC 9449 §10), pushed
 * first when asked (RFC 9126). The callback page ({@link completeStepUpInPopup}) posts its URL
 * to this window with its exact origin as `targetOrigin`; a message from any other origin or
 * window, or with another `state`, is ignored. The response is checked and the code redeemed by
 * oauth4webapi (`validateAuthResponse`, `authorizationCodeGrantRequest`,
 * `processAuthorizationCodeResponse`: `state`, `iss`, the ID Token's `nonce` and `auth_time`
 * against `max_age`), once more on a DPoP nonce error; `onTokenResponse` gets the response and
 * the new token is resolved, typed as issued (a `dpop` one is required with `dpop`).
 *
 * Closing the popup rejects with an `AbortError` (`ERR_STEP_UP_CANCELLED`); the authorization
 * server's `error` (e.g. `unmet_authentication_requirements`) rejects with oauth4webapi's
 * `AuthorizationResponseError`. A resource whose metadata names authorization servers without
 * this one rejects with `ERR_AUTHORIZATION_SERVER_MISMATCH`, before anything opens.
 *
 * A blocked popup (`window.open` returned `null`): the request is saved in `sessionStorage`
 * under its `state` (method, URL, headers but `Authorization` and `DPoP`, a text body; a body
 * with files or bytes that are not UTF-8 cannot be saved and rejects with `ERR_POPUP_BLOCKED`)
 * and the page leaves for the authorization server; the promise never settles. The callback
 * page then calls {@link resumeAfterRedirect}.
 *
 * @example
 * ```ts
 * import * as oauth from 'oauth4webapi'
 *
 * const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer))
 * const api = createStepUpFetch({
 *   allowedOrigins: ['https://api.bank.example'],
 *   dpop: { keyPair },
 *   getAccessToken: () => tokens.current,
 *   stepUp: createPopupStepUp({
 *     authorizationServer: as,
 *     client: { client_id: 'bank-web' },
 *     redirectUri: 'https://bank.example/callback',
 *     dpop: { keyPair },
 *     onTokenResponse: (response) => tokens.save(response),
 *   }),
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-10
 * @see https://html.spec.whatwg.org/multipage/web-messaging.html#posting-messages
 */
export function createPopupStepUp(options: PopupStepUpOptions): PopupStepUp {
  const code = createCodeClient(options, POPUP_OPTIONS, WHERE)
  const { win, as, client } = code
  const {
    onTokenResponse,
    authorizationParams = {},
    popupFeatures = 'popup,width=480,height=720',
    redirectFallback = true,
  } = options
  const redirect = callbackUrl(options.redirectUri)
  if (redirect.origin !== win.location.origin) {
    throw invalidArgument(
      `${WHERE}: redirectUri must be on the app's origin ${JSON.stringify(win.location.origin)}: the callback page posts to this window with its own origin as targetOrigin`,
    )
  }
  const redirectUri = redirect.href
  if (typeof onTokenResponse !== 'function') {
    throw invalidArgument(`${WHERE}: onTokenResponse must be a function that keeps the new token`, {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  }
  if (typeof authorizationParams !== 'object' || authorizationParams === null) {
    throw invalidArgument(`${WHERE}: authorizationParams must be an object of strings`)
  }
  for (const [name, value] of Object.entries(authorizationParams)) {
    if (RESERVED.has(name) || typeof value !== 'string') {
      throw invalidArgument(
        `${WHERE}: authorizationParams.${name} ${RESERVED.has(name) ? 'is set by the step-up itself' : 'must be a string'}`,
      )
    }
  }
  const pushed =
    options.pushedAuthorizationRequests ?? as.require_pushed_authorization_requests === true
  if (pushed && typeof as.pushed_authorization_request_endpoint !== 'string') {
    throw invalidArgument(
      `${WHERE}: pushed authorization requests need the authorization server's pushed_authorization_request_endpoint (RFC 9126 §5)`,
    )
  }
  if (typeof popupFeatures !== 'string' || typeof redirectFallback !== 'boolean') {
    throw invalidArgument(`${WHERE}: popupFeatures must be a string and redirectFallback a boolean`)
  }

  /** Resolves the callback URL the popup posts for `state`; rejects when the popup is closed. */
  const callbackOf = (popup: StepUpPopup, state: string) =>
    new Promise<URL>((resolve, reject) => {
      let closedSeen = false
      const done = () => {
        win.removeEventListener('message', onMessage)
        win.clearInterval(timer)
      }
      const onMessage = (event: MessageEvent) => {
        if (event.origin !== redirect.origin || (event.source as unknown) !== popup) return
        const data = event.data as { type?: unknown; url?: unknown } | null
        if (data?.type !== CALLBACK_MESSAGE || typeof data.url !== 'string') return
        let url: URL
        try {
          url = new URL(data.url)
        } catch {
          return
        }
        if (url.origin + url.pathname !== redirect.origin + redirect.pathname) return
        if (url.searchParams.get('state') !== state) return
        done()
        resolve(url)
      }
      // A closed popup is a cancel once a whole interval went by without its message, so that a
      // message posted just before closing still counts.
      const timer = win.setInterval(() => {
        if (!popup.closed) return
        if (!closedSeen) {
          closedSeen = true
          return
        }
        done()
        reject(new DOMException('the step-up popup was closed', 'AbortError'))
      }, POLL)
      win.addEventListener('message', onMessage)
    })

  /** The full-page redirect instead of a blocked popup: save, leave, never settle. */
  const leave = async (url: string, flow: Flow, request: Request): Promise<never> => {
    if (!redirectFallback) {
      throw new StepUpError(
        'ERR_POPUP_BLOCKED',
        'the browser blocked the step-up popup and redirectFallback is false: start the call from a click, or allow the full-page redirect',
      )
    }
    const pending: PendingStepUp = {
      flow,
      issuer: as.issuer,
      clientId: client.client_id,
      request: await saveRequest(request),
      returnTo: win.location.href,
      createdAt: Date.now(),
    }
    try {
      win.sessionStorage.setItem(pendingKey(flow.state), JSON.stringify(pending))
    } catch (cause) {
      throw new StepUpError(
        'ERR_POPUP_BLOCKED',
        'the browser blocked the step-up popup and sessionStorage refused the request to replay after a full-page redirect',
        { cause },
      )
    }
    win.location.assign(url)
    return new Promise<never>(() => {})
  }

  return async (challenge, context) => {
    const servers = context?.resourceMetadata?.authorization_servers
    if (servers && servers.length > 0 && !servers.includes(as.issuer)) {
      throw new StepUpError(
        'ERR_AUTHORIZATION_SERVER_MISMATCH',
        `the resource names the authorization servers ${JSON.stringify(servers)}; this step-up signs in at ${JSON.stringify(as.issuer)} (RFC 9728 §2)`,
        { challenge },
      )
    }
    // Opened first, before anything is awaited, while the page may still hold a user activation.
    const popup = win.open('about:blank', '_blank', popupFeatures)
    try {
      const [url, flow] = await code.start(context.params, authorizationParams, redirectUri, pushed)
      if (!popup) return await leave(url, flow, context.request)
      popup.location.replace(url)
      const callback = await callbackOf(popup, flow.state)
      popup.close()
      const [token, response] = await code.exchange(callback, flow)
      await onTokenResponse(response)
      return token
    } catch (error) {
      popup?.close()
      throw error
    }
  }
}

/**
 * The options of {@link completeStepUpInPopup}: the window of the callback page.
 *
 * @example
 * ```ts
 * completeStepUpInPopup({ window })
 * ```
 * @see https://html.spec.whatwg.org/multipage/web-messaging.html#posting-messages
 */
export interface CompleteStepUpInPopupOptions {
  /** The callback page's window; default the global `window`. */
  readonly window?: StepUpWindow
}

const COMPLETE_OPTIONS = new Set(['window'])

/**
 * On the callback page (`redirectUri`): when this page is the step-up popup, posts its URL (the
 * authorization response) to the app that opened it — with this page's own origin as
 * `targetOrigin`, never `'*'`, so no other origin can read the code — closes the popup and returns
 * `true`.
 *
 * Returns `false` when it is not a popup step-up (no opener, no `state`, or a step-up saved for a
 * full-page redirect): call {@link resumeAfterRedirect} then.
 *
 * @example
 * ```ts
 * if (!completeStepUpInPopup()) {
 *   const resumed = await resumeAfterRedirect({ authorizationServer: as, client })
 * }
 * ```
 * @see https://html.spec.whatwg.org/multipage/web-messaging.html#dom-window-postmessage
 */
export function completeStepUpInPopup(options: CompleteStepUpInPopupOptions = {}): boolean {
  const where = 'completeStepUpInPopup'
  checkOptions(options, COMPLETE_OPTIONS, where)
  const win = windowOf(options.window, where)
  const state = new URL(win.location.href).searchParams.get('state')
  const opener = win.opener
  if (!opener || state === null || win.sessionStorage.getItem(pendingKey(state)) !== null) {
    return false
  }
  opener.postMessage({ type: CALLBACK_MESSAGE, url: win.location.href }, win.location.origin)
  win.close()
  return true
}
