import { calculateJwkThumbprint, exportJWK } from 'jose'
import type * as oauth from 'oauth4webapi'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  completeStepUpInPopup,
  createPopupStepUp,
  type PopupStepUpOptions,
  resumeAfterRedirect,
} from '../src/browser.js'
import { CALLBACK_MESSAGE } from '../src/browser-window.js'
import {
  type AccessToken,
  createStepUpFetch,
  type StepUpChallenge,
  StepUpError,
} from '../src/index.js'
import { FakeAuthorizationServer } from './fake-authorization-server.js'
import { FakeWindow, settle } from './fake-browser.js'
import { type DpopResource, dpopResource, startServer, type TestServer } from './resource-server.js'

const APP = 'https://app.example'
const CALLBACK = `${APP}/callback`
const ISSUER = 'https://as.example'
const CLIENT = { client_id: 'bank-web' }

let rs: TestServer
let keyPair: CryptoKeyPair
let jkt: string

beforeAll(async () => {
  rs = await startServer()
  keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
  jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey))
})

afterAll(async () => {
  await rs.close()
})

afterEach(() => {
  vi.useRealTimers()
})

let resource: DpopResource
let as: FakeAuthorizationServer
let app: FakeWindow
let current: AccessToken
let saved: oauth.TokenEndpointResponse[]

beforeEach(() => {
  rs.seen.length = 0
  resource = dpopResource(rs.origin, { requireNonce: true })
  resource.tokens.set('silver', { jkt, strong: false })
  rs.handle(resource.handler)
  as = new FakeAuthorizationServer(ISSUER, resource)
  as.nonce = 'as-nonce'
  app = new FakeWindow(`${APP}/transfers`)
  current = 'silver'
  saved = []
})

function popupOptions(extra: Partial<PopupStepUpOptions> = {}): PopupStepUpOptions {
  return {
    authorizationServer: as.metadata,
    client: CLIENT,
    redirectUri: CALLBACK,
    dpop: { keyPair },
    fetch: as.fetch,
    window: app,
    onTokenResponse: (response) => {
      saved.push(response)
      current = { token: response.access_token, type: response.token_type }
    },
    ...extra,
  }
}

function bankApi(extra: Partial<PopupStepUpOptions> = {}, currentScope?: string) {
  return createStepUpFetch({
    allowedOrigins: [rs.origin],
    dpop: { keyPair },
    ...(currentScope && { currentScope }),
    getAccessToken: () => current,
    stepUp: createPopupStepUp(popupOptions(extra)),
  })
}

const transfer = (api: ReturnType<typeof bankApi>, init: RequestInit = {}) =>
  api(`${rs.origin}/transfers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-app': 'bank' },
    body: '{"to":"alice","amount":5000}',
    ...init,
  })

/** The popup once it is at the authorization server. */
async function popupAtAuthorizationServer(win: FakeWindow = app): Promise<FakeWindow> {
  await vi.waitFor(() => expect(win.popups[0]?.href).toMatch(/^https:\/\/as\.example\//))
  return win.popups[0]!
}

/** Whether the promise settled by the time pending tasks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false
  promise.then(
    () => {
      done = true
    },
    () => {
      done = true
    },
  )
  await settle()
  return done
}

describe('step-up in a popup, then the call resumes (RFC 9470 §4, RFC 9449)', () => {
  it('opens the authorization request in a popup and replays the transfer with a DPoP-bound token', async () => {
    const call = transfer(bankApi({}, 'openid accounts'))
    const popup = await popupAtAuthorizationServer()
    expect(app.opened[0]).toMatchObject({ url: 'about:blank', target: '_blank' })
    const request = new URL(popup.href)
    expect(Object.fromEntries(request.searchParams)).toMatchObject({
      client_id: 'bank-web',
      response_type: 'code',
      redirect_uri: CALLBACK,
      code_challenge_method: 'S256',
      acr_values: 'myACR',
      scope: 'openid accounts',
      dpop_jkt: jkt,
      state: expect.stringMatching(/^[\w-]{43}$/),
      nonce: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
    })
    // The user signs in; the authorization server sends the popup to the callback page.
    popup.href = as.signIn(popup.href)
    expect(completeStepUpInPopup({ window: popup })).toBe(true)
    expect(popup.closed).toBe(true)
    expect(popup.posts).toEqual([
      {
        from: popup,
        data: { type: CALLBACK_MESSAGE, url: popup.href },
        targetOrigin: APP,
      },
    ])
    const response = await call
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ ok: true, method: 'POST', path: '/transfers' })
    // The token request carried a DPoP proof, once more with the authorization server's nonce.
    const tokenRequests = as.requests.filter((r) => r.url === as.metadata.token_endpoint)
    expect(tokenRequests).toHaveLength(2)
    expect(tokenRequests.every((r) => r.dpop !== null)).toBe(true)
    expect(saved).toEqual([
      expect.objectContaining({ token_type: 'dpop', id_token: expect.any(String) }),
    ])
    expect(rs.seen.map((r) => r.headers.authorization)).toEqual([
      'DPoP silver',
      'DPoP silver',
      `DPoP ${saved[0]?.access_token}`,
    ])
    expect(app.listeners).toBe(0)
    expect(app.intervals).toBe(0)
  })

  it('ignores a message from another origin, even with the right state and a valid code', async () => {
    const call = transfer(bankApi())
    const popup = await popupAtAuthorizationServer()
    const evil = new FakeWindow('https://evil.example/x')
    evil.postTo(app, { type: CALLBACK_MESSAGE, url: as.signIn(popup.href) }, '*')
    await settle()
    expect(await settled(call)).toBe(false)
    expect(as.requests).toEqual([])
    popup.href = as.signIn(popup.href)
    completeStepUpInPopup({ window: popup })
    expect((await call).status).toBe(200)
    expect(as.requests.filter((r) => r.url.endsWith('/token'))[0]?.body.get('code')).toBe(
      new URL(popup.href).searchParams.get('code'),
    )
  })

  it('ignores a callback with another state, and one from another window of the app', async () => {
    const call = transfer(bankApi())
    const popup = await popupAtAuthorizationServer()
    const authorizationUrl = popup.href
    // The popup is at the app's callback page, with a state the app did not send.
    popup.href = as.signIn(authorizationUrl, 'another-state')
    popup.postTo(app, { type: CALLBACK_MESSAGE, url: popup.href }, APP)
    popup.postTo(app, { type: 'something-else', url: as.signIn(authorizationUrl) }, APP)
    const tab = new FakeWindow(`${APP}/other`)
    tab.postTo(app, { type: CALLBACK_MESSAGE, url: as.signIn(authorizationUrl) }, APP)
    await settle()
    expect(await settled(call)).toBe(false)
    expect(as.requests).toEqual([])
    popup.href = as.signIn(authorizationUrl)
    completeStepUpInPopup({ window: popup })
    expect((await call).status).toBe(200)
  })

  it('closing the popup cancels: ERR_STEP_UP_CANCELLED, after one whole interval', async () => {
    const call = transfer(bankApi())
    const popup = await popupAtAuthorizationServer()
    popup.close()
    app.tick()
    expect(await settled(call)).toBe(false)
    app.tick()
    await expect(call).rejects.toMatchObject({
      name: 'StepUpError',
      code: 'ERR_STEP_UP_CANCELLED',
      cause: expect.objectContaining({ name: 'AbortError' }),
    })
    expect(app.listeners).toBe(0)
    expect(app.intervals).toBe(0)
    expect(rs.seen).toHaveLength(2)
  })

  it('a message posted just before the popup closed still counts', async () => {
    const call = transfer(bankApi())
    const popup = await popupAtAuthorizationServer()
    popup.href = as.signIn(popup.href)
    completeStepUpInPopup({ window: popup })
    app.tick()
    expect((await call).status).toBe(200)
  })

  it('unmet_authentication_requirements from the authorization server ends the call so (RFC 9470 §5)', async () => {
    const call = transfer(bankApi())
    const popup = await popupAtAuthorizationServer()
    popup.href = as.deny(popup.href, 'unmet_authentication_requirements')
    completeStepUpInPopup({ window: popup })
    await expect(call).rejects.toMatchObject({
      code: 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS',
    })
    expect(as.requests).toEqual([])
  })

  it('an ID Token with another nonce is refused (oauth4webapi checks it)', async () => {
    as.tamperNonce = true
    const call = transfer(bankApi({}, 'openid'))
    const popup = await popupAtAuthorizationServer()
    popup.href = as.signIn(popup.href)
    completeStepUpInPopup({ window: popup })
    await expect(call).rejects.toMatchObject({ code: 'ERR_STEP_UP_FAILED' })
    expect(saved).toEqual([])
  })

  it('a Bearer token where a DPoP-bound one was asked for is refused', async () => {
    as.tokenType = 'Bearer'
    const call = transfer(bankApi())
    const popup = await popupAtAuthorizationServer()
    popup.href = as.signIn(popup.href)
    completeStepUpInPopup({ window: popup })
    await expect(call).rejects.toMatchObject({
      code: 'ERR_STEP_UP_FAILED',
      cause: expect.objectContaining({ message: expect.stringContaining('not a DPoP-bound one') }),
    })
  })

  it('pushes the request first when the authorization server requires PAR (RFC 9126)', async () => {
    as = new FakeAuthorizationServer(ISSUER, resource, {
      require_pushed_authorization_requests: true,
    })
    const call = transfer(bankApi({ authorizationParams: { resource: rs.origin } }))
    const popup = await popupAtAuthorizationServer()
    const query = new URL(popup.href).searchParams
    expect([...query.keys()].sort()).toEqual(['client_id', 'request_uri'])
    const pushed = as.requests.find(
      (r) => r.url === as.metadata.pushed_authorization_request_endpoint,
    )
    expect(pushed?.dpop).toEqual(expect.any(String))
    expect(Object.fromEntries(pushed!.body)).toMatchObject({
      acr_values: 'myACR',
      code_challenge_method: 'S256',
      dpop_jkt: jkt,
      resource: rs.origin,
    })
    popup.href = as.signIn(popup.href)
    completeStepUpInPopup({ window: popup })
    expect((await call).status).toBe(200)
  })

  it('a resource naming other authorization servers is refused before any popup (RFC 9728 §2)', async () => {
    const stepUp = createPopupStepUp(popupOptions())
    const challenge: StepUpChallenge = {
      kind: 'step_up',
      scheme: 'dpop',
      raw: { scheme: 'DPoP', params: {} },
    }
    const context = {
      request: new Request(`${rs.origin}/x`),
      params: { acr_values: 'myACR' },
      resourceMetadata: { resource: rs.origin, authorization_servers: ['https://other.example'] },
    }
    await expect(stepUp(challenge, context)).rejects.toMatchObject({
      code: 'ERR_AUTHORIZATION_SERVER_MISMATCH',
    })
    expect(app.opened).toEqual([])
    const listed = {
      ...context,
      resourceMetadata: {
        resource: rs.origin,
        authorization_servers: ['https://other.example', ISSUER],
      },
    }
    void stepUp(challenge, listed).catch(() => {})
    await popupAtAuthorizationServer()
  })
})

describe('a blocked popup: full-page redirect, then resume', () => {
  /** Runs a transfer until the page leaves; returns the pending call and the callback window. */
  async function leaveForSignIn(init: RequestInit = {}) {
    app.blockPopups = true
    const call = transfer(bankApi(), init)
    await vi.waitFor(() => expect(app.assigned).toHaveLength(1))
    const [key, value] = [...app.sessionStorage.items][0]!
    return { call, key, value: JSON.parse(value), authorizationUrl: app.assigned[0]! }
  }

  /** The callback page of this tab after the user signed in. */
  const callbackWindow = (url: string) =>
    new FakeWindow(url, { sessionStorage: app.sessionStorage })

  const resumeOptions = (win: FakeWindow) => ({
    authorizationServer: as.metadata,
    client: CLIENT,
    dpop: { keyPair },
    fetch: as.fetch,
    window: win,
  })

  it('saves the request under the state, leaves, and the callback page replays it', async () => {
    const { call, key, value, authorizationUrl } = await leaveForSignIn()
    const state = new URL(authorizationUrl).searchParams.get('state')!
    expect(key).toBe(`@stepup/client:pending:${state}`)
    expect(value.request).toEqual({
      method: 'POST',
      url: `${rs.origin}/transfers`,
      headers: [
        ['content-type', 'application/json'],
        ['x-app', 'bank'],
      ],
      body: '{"to":"alice","amount":5000}',
    })
    expect(JSON.stringify(value)).not.toMatch(/silver|DPoP /)
    expect(await settled(call)).toBe(false)

    const callback = callbackWindow(as.signIn(authorizationUrl))
    expect(completeStepUpInPopup({ window: callback })).toBe(false)
    const resumed = await resumeAfterRedirect(resumeOptions(callback))
    expect(resumed?.returnTo).toBe(`${APP}/transfers`)
    expect(resumed?.token).toEqual({ token: expect.stringMatching(/^gold-/), type: 'dpop' })
    expect(resumed?.tokenResponse.token_type).toBe('dpop')
    expect(app.sessionStorage.items.size).toBe(0)
    // The app keeps the new token and sends the saved request through its step-up fetch.
    current = resumed!.token
    const response = await bankApi()(resumed!.request)
    expect(response.status).toBe(200)
    const replayed = rs.seen.at(-1)!
    expect([replayed.method, replayed.body.toString(), replayed.headers['x-app']]).toEqual([
      'POST',
      '{"to":"alice","amount":5000}',
      'bank',
    ])
  })

  it('a step-up is resumed once: the second time there is nothing pending', async () => {
    const { authorizationUrl } = await leaveForSignIn()
    const callback = callbackWindow(as.signIn(authorizationUrl))
    await resumeAfterRedirect(resumeOptions(callback))
    await expect(resumeAfterRedirect(resumeOptions(callback))).rejects.toMatchObject({
      code: 'ERR_STEP_UP_NOT_PENDING',
    })
  })

  it('a callback for a state this tab never saved is refused', async () => {
    await leaveForSignIn()
    const other = callbackWindow(`${CALLBACK}?code=x&state=forged&iss=${ISSUER}`)
    await expect(resumeAfterRedirect(resumeOptions(other))).rejects.toMatchObject({
      code: 'ERR_STEP_UP_NOT_PENDING',
    })
    expect(as.requests.filter((r) => r.url.endsWith('/token'))).toEqual([])
  })

  it('a step-up older than 10 minutes is not resumed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-01-01T10:00:00Z'))
    const { authorizationUrl } = await leaveForSignIn()
    vi.setSystemTime(new Date('2026-01-01T10:10:01Z'))
    const callback = callbackWindow(as.signIn(authorizationUrl))
    await expect(resumeAfterRedirect(resumeOptions(callback))).rejects.toMatchObject({
      code: 'ERR_STEP_UP_NOT_PENDING',
      message: expect.stringContaining('older than 10 minutes'),
    })
  })

  it('one saved for another client is not resumed', async () => {
    const { authorizationUrl } = await leaveForSignIn()
    const callback = callbackWindow(as.signIn(authorizationUrl))
    await expect(
      resumeAfterRedirect({ ...resumeOptions(callback), client: { client_id: 'other' } }),
    ).rejects.toMatchObject({ code: 'ERR_STEP_UP_NOT_PENDING' })
  })

  it('another DPoP key than the one named by dpop_jkt is refused before the code is redeemed', async () => {
    const { authorizationUrl } = await leaveForSignIn()
    const callback = callbackWindow(as.signIn(authorizationUrl))
    const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])
    await expect(
      resumeAfterRedirect({ ...resumeOptions(callback), dpop: { keyPair: other } }),
    ).rejects.toMatchObject({
      code: 'ERR_STEP_UP_FAILED',
      cause: expect.objectContaining({ message: expect.stringContaining('dpop_jkt') }),
    })
    expect(as.requests).toEqual([])
  })

  it('unmet_authentication_requirements on the callback is ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS', async () => {
    const { authorizationUrl } = await leaveForSignIn()
    const callback = callbackWindow(as.deny(authorizationUrl, 'unmet_authentication_requirements'))
    await expect(resumeAfterRedirect(resumeOptions(callback))).rejects.toMatchObject({
      code: 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS',
    })
  })

  it('a page without state is not a callback: undefined', async () => {
    await expect(
      resumeAfterRedirect(resumeOptions(callbackWindow(`${APP}/transfers`))),
    ).resolves.toBeUndefined()
  })

  it('a form without files is saved as it is sent', async () => {
    const form = new FormData()
    form.set('amount', '5000')
    const { value } = await leaveForSignIn({ body: form, headers: {} })
    expect(value.request.body).toContain('name="amount"\r\n\r\n5000')
    expect(value.request.headers[0]).toEqual([
      'content-type',
      expect.stringMatching(/^multipart\/form-data; boundary=/),
    ])
  })

  it.each([
    [
      'a FormData with a file',
      () => {
        const form = new FormData()
        form.set('receipt', new Blob(['%PDF']), 'receipt.pdf')
        return form
      },
      'holds a file',
    ],
    ['bytes that are not UTF-8', () => new Uint8Array([0xff, 0xfe, 0x00]), 'is not text'],
  ])('%s cannot be saved: ERR_POPUP_BLOCKED, and the page stays', async (_, body, reason) => {
    app.blockPopups = true
    await expect(transfer(bankApi(), { body: body(), headers: {} })).rejects.toMatchObject({
      code: 'ERR_POPUP_BLOCKED',
      message: expect.stringContaining(reason),
    })
    expect(app.assigned).toEqual([])
    expect(app.sessionStorage.items.size).toBe(0)
  })

  it('redirectFallback: false rejects with ERR_POPUP_BLOCKED instead of leaving', async () => {
    app.blockPopups = true
    await expect(transfer(bankApi({ redirectFallback: false }))).rejects.toMatchObject({
      code: 'ERR_POPUP_BLOCKED',
    })
    expect(app.assigned).toEqual([])
  })

  it('a sessionStorage that refuses the request: ERR_POPUP_BLOCKED with the cause', async () => {
    app.blockPopups = true
    app.sessionStorage.full = true
    await expect(transfer(bankApi())).rejects.toMatchObject({
      code: 'ERR_POPUP_BLOCKED',
      cause: expect.objectContaining({ name: 'QuotaExceededError' }),
    })
    expect(app.assigned).toEqual([])
  })

  it('completeStepUpInPopup leaves a redirect callback to resumeAfterRedirect, even with an opener', async () => {
    const { authorizationUrl } = await leaveForSignIn()
    const opener = new FakeWindow(`${APP}/`)
    const callback = new FakeWindow(as.signIn(authorizationUrl), {
      opener,
      sessionStorage: app.sessionStorage,
    })
    expect(completeStepUpInPopup({ window: callback })).toBe(false)
    expect(callback.posts).toEqual([])
    expect(callback.closed).toBe(false)
  })
})

describe('options are checked when the step-up is created', () => {
  it.each([
    ['an unknown key', { redirectURI: CALLBACK }, 'ERR_UNKNOWN_OPTION'],
    [
      'a redirectUri on another origin',
      { redirectUri: 'https://callback.example/cb' },
      'ERR_INVALID_ARG_VALUE',
    ],
    ['an http: redirectUri', { redirectUri: 'http://app.example/cb' }, 'ERR_INVALID_ARG_VALUE'],
    ['a redirectUri with a fragment', { redirectUri: `${CALLBACK}#x` }, 'ERR_INVALID_ARG_VALUE'],
    [
      'authorizationParams setting state',
      { authorizationParams: { state: 'x' } },
      'ERR_INVALID_ARG_VALUE',
    ],
    [
      'authorizationParams setting acr_values',
      { authorizationParams: { acr_values: 'x' } },
      'ERR_INVALID_ARG_VALUE',
    ],
    ['no onTokenResponse', { onTokenResponse: undefined }, 'ERR_INVALID_ARG_TYPE'],
    ['no client_id', { client: {} }, 'ERR_INVALID_ARG_VALUE'],
    [
      'no authorization_endpoint',
      { authorizationServer: { issuer: ISSUER } },
      'ERR_INVALID_ARG_VALUE',
    ],
    [
      'PAR without its endpoint',
      {
        pushedAuthorizationRequests: true,
        authorizationServer: {
          issuer: ISSUER,
          authorization_endpoint: `${ISSUER}/a`,
          token_endpoint: `${ISSUER}/t`,
        },
      },
      'ERR_INVALID_ARG_VALUE',
    ],
    ['a dpop key pair that cannot sign', { dpop: { keyPair: {} } }, 'ERR_INVALID_ARG_TYPE'],
  ])('refuses %s', (_, patch, code) => {
    expect(() => createPopupStepUp({ ...popupOptions(), ...patch } as never)).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(/^createPopupStepUp: /) }),
    )
  })

  it('refuses to run without a window (a server, a worker)', () => {
    const { window: _window, ...rest } = popupOptions()
    expect(() => createPopupStepUp(rest)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_TYPE',
        message: expect.stringContaining('browser'),
      }),
    )
    expect(() => completeStepUpInPopup()).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
  })

  it('accepts a loopback http: app for development', () => {
    const local = new FakeWindow('http://localhost:5173/')
    expect(
      typeof createPopupStepUp(
        popupOptions({ window: local, redirectUri: 'http://localhost:5173/callback' }),
      ),
    ).toBe('function')
  })

  it('resumeAfterRedirect and completeStepUpInPopup refuse unknown options', async () => {
    expect(() => completeStepUpInPopup({ window: app, win: app } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }),
    )
    await expect(
      resumeAfterRedirect({
        authorizationServer: as.metadata,
        client: CLIENT,
        window: app,
        redirectUri: CALLBACK,
      } as never),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
  })

  it('errors are StepUpErrors', async () => {
    app.blockPopups = true
    await expect(transfer(bankApi({ redirectFallback: false }))).rejects.toBeInstanceOf(StepUpError)
  })
})
