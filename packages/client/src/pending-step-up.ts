import { stepUpFailureCode } from '@stepup/internal/step-up'
import type * as oauth from 'oauth4webapi'
import {
  CODE_OPTIONS,
  createCodeClient,
  type Flow,
  type ResumeAfterRedirectOptions,
} from './authorization-code.js'
import { pendingKey } from './browser-window.js'
import { StepUpError } from './errors.js'
import type { TypedAccessToken } from './step-up-fetch.js'

/** @internal A request as saved across a full-page redirect: no token, a text body. */
export interface SavedRequest {
  readonly method: string
  readonly url: string
  readonly headers: readonly (readonly [string, string])[]
  readonly body?: string
}

/** @internal What a full-page redirect keeps in `sessionStorage`, under the `state`. */
export interface PendingStepUp {
  readonly flow: Flow
  readonly issuer: string
  readonly clientId: string
  readonly request: SavedRequest
  readonly returnTo: string
  /** Epoch milliseconds. */
  readonly createdAt: number
}

/** How long a saved step-up can be resumed: as long as a user may take to authenticate. */
const PENDING_LIFETIME = 10 * 60 * 1000

const refuse = (reason: string) =>
  new StepUpError(
    'ERR_POPUP_BLOCKED',
    `the browser blocked the step-up popup, and the request cannot be saved for a full-page redirect: ${reason}; start the call from a click so the popup opens`,
  )

/**
 * @internal The request to replay after a full-page redirect: method, URL, headers without
 * `Authorization` and `DPoP`, and the body when it is text (a string, JSON, a form without files).
 */
export async function saveRequest(request: Request): Promise<SavedRequest> {
  const headers = [...request.headers].filter(
    ([name]) => name !== 'authorization' && name !== 'dpop',
  )
  const saved = { method: request.method, url: request.url, headers }
  if (request.body === null) return saved
  if (/^multipart\/form-data\b/i.test(request.headers.get('content-type') ?? '')) {
    let form: FormData | undefined
    try {
      form = await request.clone().formData()
    } catch {}
    if (!form || [...form.values()].some((value) => typeof value !== 'string')) {
      throw refuse('its FormData holds a file')
    }
  }
  let body: string
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(await request.arrayBuffer())
  } catch {
    throw refuse('its body is not text')
  }
  return { ...saved, body }
}

function isPending(value: unknown): value is PendingStepUp {
  const p = value as Partial<PendingStepUp> | null
  const flow = p?.flow as Partial<Flow> | undefined
  const request = p?.request as Partial<SavedRequest> | undefined
  return (
    typeof flow?.state === 'string' &&
    typeof flow.codeVerifier === 'string' &&
    typeof flow.redirectUri === 'string' &&
    typeof p?.issuer === 'string' &&
    typeof p.clientId === 'string' &&
    typeof p.returnTo === 'string' &&
    typeof p.createdAt === 'number' &&
    typeof request?.method === 'string' &&
    typeof request.url === 'string' &&
    Array.isArray(request.headers) &&
    (request.body === undefined || typeof request.body === 'string')
  )
}

const RESUME_OPTIONS = new Set(CODE_OPTIONS)

/**
 * What {@link resumeAfterRedirect} resolves: the new token, the token response, and the request
 * that met the challenge, ready to send again.
 *
 * @example
 * ```ts
 * const resumed = await resumeAfterRedirect({ authorizationServer: as, client: { client_id: 'bank-web' } })
 * if (resumed) await fetch(resumed.request, { headers: { authorization: `Bearer ${resumed.token.token}` } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export interface ResumedStepUp {
  /** The new access token, typed as issued. */
  readonly token: TypedAccessToken
  /** The token response (refresh token, ID Token, expiry), checked by oauth4webapi. */
  readonly tokenResponse: oauth.TokenEndpointResponse
  /** The request that met the challenge, without its token: send it through the step-up fetch. */
  readonly request: Request
  /** The address the app was at when it left for the authorization server. */
  readonly returnTo: string
}

/**
 * On the callback page after a full-page redirect (the popup was blocked): takes the step-up saved
 * in `sessionStorage` under the callback's `state` (once: it is removed whatever happens), checks
 * the authorization response and redeems the code as oauth4webapi does (`state`, `iss`, PKCE, the
 * ID Token's `nonce` and `auth_time`), and resolves the new token with the request to replay.
 *
 * Resolves `undefined` when the address has no `state` (not a callback).
 *
 * Rejects with a {@link StepUpError}: `ERR_STEP_UP_NOT_PENDING` when nothing was saved for that
 * `state` in this tab, it is older than 10 minutes, or it was saved for another authorization
 * server or client; `ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS` when the authorization server
 * answered so; `ERR_STEP_UP_CANCELLED` for an `AbortError`; `ERR_STEP_UP_FAILED` otherwise
 * (`cause` says why: another DPoP key than the one named by `dpop_jkt`, a failed code exchange…).
 *
 * @example
 * ```ts
 * const resumed = await resumeAfterRedirect({ authorizationServer: as, client, dpop: { keyPair } })
 * if (resumed) {
 *   tokens.save(resumed.tokenResponse)
 *   history.replaceState(null, '', resumed.returnTo)
 *   const response = await api(resumed.request)
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export async function resumeAfterRedirect(
  options: ResumeAfterRedirectOptions,
): Promise<ResumedStepUp | undefined> {
  const code = createCodeClient(options, RESUME_OPTIONS, 'resumeAfterRedirect')
  const { win, as, client } = code
  const callback = new URL(win.location.href)
  const state = callback.searchParams.get('state')
  if (state === null) return undefined
  const key = pendingKey(state)
  const text = win.sessionStorage.getItem(key)
  win.sessionStorage.removeItem(key)
  let pending: unknown
  try {
    pending = text === null ? undefined : JSON.parse(text)
  } catch {}
  const age = isPending(pending) ? Date.now() - pending.createdAt : Number.NaN
  if (!isPending(pending) || !(age >= 0 && age <= PENDING_LIFETIME)) {
    throw new StepUpError(
      'ERR_STEP_UP_NOT_PENDING',
      'no step-up is pending in this tab for the state of this callback (already resumed, started in another tab, or older than 10 minutes)',
    )
  }
  if (pending.issuer !== as.issuer || pending.clientId !== client.client_id) {
    throw new StepUpError(
      'ERR_STEP_UP_NOT_PENDING',
      'the step-up pending for this state was started with another authorization server or client',
    )
  }
  const { flow, request } = pending
  let token: TypedAccessToken
  let tokenResponse: oauth.TokenEndpointResponse
  try {
    if (flow.jkt !== undefined && (await code.thumbprint()) !== flow.jkt) {
      throw new TypeError(
        'dpop.keyPair is not the key pair the authorization request named with dpop_jkt (RFC 9449 §10): resume with the same key pair',
      )
    }
    ;[token, tokenResponse] = await code.exchange(callback, flow)
  } catch (cause) {
    const codeOf = stepUpFailureCode(cause)
    throw new StepUpError(codeOf, `the step-up could not be resumed: see cause`, { cause })
  }
  return {
    token,
    tokenResponse,
    request: new Request(request.url, {
      method: request.method,
      headers: request.headers as [string, string][],
      ...(request.body !== undefined && { body: request.body }),
    }),
    returnTo: pending.returnTo,
  }
}
