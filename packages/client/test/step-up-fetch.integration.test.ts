import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createStepUpFetch,
  type StepUpChallenge,
  type StepUpContext,
  StepUpError,
  type StepUpFetchOptions,
} from '../src/index.js'
import {
  bearer,
  CHALLENGES,
  type Challenge,
  PAYMENT,
  postRedirectGet,
  protectedResource,
  type SeenRequest,
  STEP_UP_ACR,
  startServer,
  type TestServer,
} from './resource-server.js'

let rs: TestServer
let foreign: TestServer

beforeAll(async () => {
  rs = await startServer()
  foreign = await startServer((request, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`foreign ${request.path}`)
  })
})

afterAll(async () => {
  await rs.close()
  await foreign.close()
})

beforeEach(() => {
  rs.seen.length = 0
  foreign.seen.length = 0
})

const tokensSeen = (seen: readonly SeenRequest[]) => seen.map(bearer)

/** An app that keeps one current token and steps up to `next`. */
function app(
  next: string | (() => string) = 'gold',
  options: Partial<Pick<StepUpFetchOptions, 'maxStepUps' | 'currentScope' | 'mode'>> = {},
) {
  let current = 'silver'
  const stepUp = vi.fn(async (_challenge: StepUpChallenge, _context: StepUpContext) => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    current = typeof next === 'string' ? next : next()
    return current
  })
  const getAccessToken = vi.fn(() => current)
  const api = createStepUpFetch({ allowedOrigins: [rs.origin], getAccessToken, stepUp, ...options })
  return { api, stepUp, getAccessToken }
}

describe('step-up and replay (RFC 9470 §4)', () => {
  it('answers an acr_values challenge with one stepUp call and one replay', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const { api, stepUp } = app()
    const response = await api(`${rs.origin}/accounts`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, method: 'GET', path: '/accounts' })
    expect(stepUp).toHaveBeenCalledTimes(1)
    expect(stepUp.mock.calls[0]?.[0]).toMatchObject({
      kind: 'step_up',
      scheme: 'bearer',
      acr_values: ['myACR'],
    })
    expect(tokensSeen(rs.seen)).toEqual(['silver', 'gold'])
  })

  it('answers a max_age challenge sent with 403', async () => {
    rs.handle(
      protectedResource('gold', 'Bearer error="insufficient_user_authentication", max_age=0', 403),
    )
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp.mock.calls[0]?.[0]).toMatchObject({ kind: 'step_up', max_age: 0 })
  })

  it('answers insufficient_scope (RFC 6750 §3.1) the same way', async () => {
    rs.handle(protectedResource('gold', 'Bearer error="insufficient_scope", scope="payments"', 403))
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp.mock.calls[0]?.[0]).toMatchObject({
      kind: 'insufficient_scope',
      scope: ['payments'],
    })
  })

  it('tells stepUp and getAccessToken about the request without its token', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const { api, stepUp, getAccessToken } = app()
    await api(`${rs.origin}/pay`, { method: 'POST', body: 'amount=5', headers: { 'x-app': '1' } })
    const context = stepUp.mock.calls[0]?.[1]
    expect(context?.request.url).toBe(`${rs.origin}/pay`)
    expect(context?.request.method).toBe('POST')
    expect(context?.request.headers.get('x-app')).toBe('1')
    expect(context?.request.headers.has('authorization')).toBe(false)
    expect(await context?.request.text()).toBe('amount=5')
    expect(getAccessToken).toHaveBeenCalledTimes(1)
  })

  it('passes a response without a challenge through untouched', async () => {
    rs.handle((_, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('nope'))
    const { api, stepUp } = app()
    const response = await api(`${rs.origin}/missing`)
    expect(response.status).toBe(404)
    expect(await response.text()).toBe('nope')
    expect(stepUp).not.toHaveBeenCalled()
  })

  it('ignores WWW-Authenticate on a 200', async () => {
    rs.handle((_, res) => res.writeHead(200, { 'www-authenticate': STEP_UP_ACR }).end('fine'))
    const { api, stepUp } = app()
    const response = await api(`${rs.origin}/x`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('fine')
    expect(stepUp).not.toHaveBeenCalled()
    expect(rs.seen).toHaveLength(1)
  })

  it('does not answer a DPoP-only challenge to a Bearer request', async () => {
    rs.handle(
      protectedResource(
        'gold',
        'DPoP error="insufficient_user_authentication", acr_values="myACR"',
      ),
    )
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/x`)).status).toBe(401)
    expect(stepUp).not.toHaveBeenCalled()
  })

  it('leaves a malformed WWW-Authenticate alone (fail closed)', async () => {
    rs.handle(
      protectedResource('gold', 'Bearer error="insufficient_user_authentication", acr_values="x'),
    )
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/x`)).status).toBe(401)
    expect(stepUp).not.toHaveBeenCalled()
  })
})

describe('single flight', () => {
  it('N parallel requests meeting the same challenge share exactly one stepUp call', async () => {
    rs.handle(async (request, res) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30))
      return protectedResource('gold', STEP_UP_ACR)(request, res)
    })
    const { api, stepUp } = app()
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api(`${rs.origin}/r/${i}`)),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200))
    expect(stepUp).toHaveBeenCalledTimes(1)
    expect(tokensSeen(rs.seen).filter((t) => t === 'gold')).toHaveLength(12)
  })

  it('a challenge that arrives after the shared step-up finished reuses its token', async () => {
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    rs.handle(async (request, res) => {
      if (request.path === '/late' && bearer(request) === 'silver') await held
      return protectedResource('gold', STEP_UP_ACR)(request, res)
    })
    const { api, stepUp } = app()
    const late = api(`${rs.origin}/late`)
    const early = await api(`${rs.origin}/early`)
    expect(early.status).toBe(200)
    release()
    expect((await late).status).toBe(200)
    expect(stepUp).toHaveBeenCalledTimes(1)
  })

  it('different challenges get their own stepUp calls', async () => {
    rs.handle((request, res) => {
      const acr = request.path === '/a' ? 'urn:example:a' : 'urn:example:b'
      const challenge = `Bearer error="insufficient_user_authentication", acr_values="${acr}"`
      return protectedResource(`token:${acr}`, challenge)(request, res)
    })
    let current = 'silver'
    const stepUp = vi.fn(async (challenge: StepUpChallenge) => {
      await new Promise((resolve) => setTimeout(resolve, 10))
      current = `token:${challenge.kind === 'step_up' ? challenge.acr_values?.[0] : ''}`
      return current
    })
    const api = createStepUpFetch({
      allowedOrigins: [rs.origin],
      getAccessToken: () => current,
      stepUp,
    })
    const [a, b] = await Promise.all([api(`${rs.origin}/a`), api(`${rs.origin}/b`)])
    expect([a.status, b.status]).toEqual([200, 200])
    expect(stepUp).toHaveBeenCalledTimes(2)
  })

  it('a later call that meets the challenge again with the new token steps up again', async () => {
    let wanted = 'gold'
    rs.handle((request, res) => protectedResource(wanted, STEP_UP_ACR)(request, res))
    let n = 0
    const { api, stepUp } = app(() => `gold${n++ || ''}`)
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    wanted = 'gold1'
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp).toHaveBeenCalledTimes(2)
    expect(tokensSeen(rs.seen)).toEqual(['silver', 'gold', 'gold', 'gold1'])
  })

  it('a caller that aborts while waiting leaves the shared step-up to the others', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    let finish = (_token: string) => {}
    let current = 'silver'
    const stepUp = vi.fn(
      () =>
        new Promise<string>((resolve) => {
          finish = (token) => {
            current = token
            resolve(token)
          }
        }),
    )
    const api = createStepUpFetch({
      allowedOrigins: [rs.origin],
      getAccessToken: () => current,
      stepUp,
    })
    const controller = new AbortController()
    const first = api(`${rs.origin}/one`)
    const second = api(`${rs.origin}/two`, { signal: controller.signal })
    await vi.waitFor(() => expect(rs.seen).toHaveLength(2))
    await vi.waitFor(() => expect(stepUp).toHaveBeenCalledTimes(1))
    controller.abort()
    await expect(second).rejects.toMatchObject({ name: 'AbortError' })
    finish('gold')
    expect((await first).status).toBe(200)
    expect(stepUp).toHaveBeenCalledTimes(1)
  })
})

describe('never loops (RFC 9470 §5, pitfall 7)', () => {
  it('the same challenge after a step-up ends with ERR_STEP_UP_LOOP', async () => {
    rs.handle(protectedResource('never', STEP_UP_ACR))
    const { api, stepUp } = app()
    const error = await api(`${rs.origin}/x`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StepUpError)
    expect(error).toMatchObject({
      code: 'ERR_STEP_UP_LOOP',
      challenge: { kind: 'step_up', acr_values: ['myACR'] },
    })
    expect((error as StepUpError).response?.status).toBe(401)
    expect(stepUp).toHaveBeenCalledTimes(1)
    expect(rs.seen).toHaveLength(2)
  })

  it('the same requirements with another description are still the same challenge', async () => {
    rs.handle((request, res) =>
      protectedResource(
        'never',
        `Bearer error="insufficient_user_authentication", error_description="try ${rs.seen.length}", acr_values="myACR"`,
      )(request, res),
    )
    const { api } = app()
    await expect(api(`${rs.origin}/x`)).rejects.toMatchObject({ code: 'ERR_STEP_UP_LOOP' })
  })

  const escalating = (request: SeenRequest, res: import('node:http').ServerResponse) => {
    const next: Record<string, string> = { silver: 'gold', gold: 'platinum' }
    const token = bearer(request) ?? ''
    if (token === 'platinum') return void res.writeHead(200).end('ok')
    res
      .writeHead(401, {
        'www-authenticate': `Bearer error="insufficient_user_authentication", acr_values="${next[token]}"`,
      })
      .end()
  }

  it('more distinct challenges than maxStepUps end with ERR_STEP_UP_LIMIT', async () => {
    rs.handle(escalating)
    const { api, stepUp } = app(
      (() => {
        const order = ['gold', 'platinum']
        return () => order.shift() ?? ''
      })(),
    )
    await expect(api(`${rs.origin}/x`)).rejects.toMatchObject({
      code: 'ERR_STEP_UP_LIMIT',
      challenge: { acr_values: ['platinum'] },
    })
    expect(stepUp).toHaveBeenCalledTimes(1)
  })

  it('maxStepUps: 2 allows two distinct step-ups', async () => {
    rs.handle(escalating)
    const order = ['gold', 'platinum']
    const { api, stepUp } = app(() => order.shift() ?? '', { maxStepUps: 2 })
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp).toHaveBeenCalledTimes(2)
    expect(tokensSeen(rs.seen)).toEqual(['silver', 'gold', 'platinum'])
  })
})

describe('how stepUp ends', () => {
  const failing = (error: unknown) =>
    createStepUpFetch({
      allowedOrigins: [rs.origin],
      getAccessToken: () => 'silver',
      stepUp: () => {
        throw error
      },
    })

  it('an AbortError from stepUp (the user cancelled) is ERR_STEP_UP_CANCELLED', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const cancelled = new DOMException('The user closed the window', 'AbortError')
    const error = await failing(cancelled)(`${rs.origin}/x`).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_STEP_UP_CANCELLED', cause: cancelled })
    expect((error as StepUpError).challenge).toMatchObject({ kind: 'step_up' })
    expect(rs.seen).toHaveLength(1)
  })

  it('unmet_authentication_requirements from the authorization server surfaces as such', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const as: oauth.AuthorizationServer = { issuer: 'https://as.example.net' }
    const client: oauth.Client = { client_id: 's6BhdRkqt3' }
    const api = createStepUpFetch({
      allowedOrigins: [rs.origin],
      getAccessToken: () => 'silver',
      stepUp: () => {
        const callback = new URL(
          'https://client.example.org/cb?error=unmet_authentication_requirements&state=af0ifjsldkj',
        )
        oauth.validateAuthResponse(as, client, callback, 'af0ifjsldkj')
        return 'unreachable'
      },
    })
    const error = await api(`${rs.origin}/x`).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS' })
    expect((error as StepUpError).cause).toBeInstanceOf(oauth.AuthorizationResponseError)
    expect(rs.seen).toHaveLength(1)
  })

  it('any other failure is ERR_STEP_UP_FAILED with the cause', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const boom = new Error('popup blocked')
    await expect(failing(boom)(`${rs.origin}/x`)).rejects.toMatchObject({
      code: 'ERR_STEP_UP_FAILED',
      cause: boom,
    })
  })

  it('a stepUp that resolves no token is ERR_STEP_UP_FAILED', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const api = createStepUpFetch({
      allowedOrigins: [rs.origin],
      getAccessToken: () => 'silver',
      stepUp: () => '',
    })
    await expect(api(`${rs.origin}/x`)).rejects.toMatchObject({ code: 'ERR_STEP_UP_FAILED' })
    expect(rs.seen).toHaveLength(1)
  })
})

describe('invalid_token is not a step-up (RFC 6750 §3.1)', () => {
  it('goes to onInvalidToken and the 401 comes back', async () => {
    rs.handle(
      protectedResource(
        'gold',
        'Bearer error="invalid_token", error_description="The access token expired"',
      ),
    )
    const onInvalidToken = vi.fn()
    const stepUp = vi.fn(() => 'gold')
    const api = createStepUpFetch({
      allowedOrigins: [rs.origin],
      getAccessToken: () => 'expired',
      stepUp,
      onInvalidToken,
    })
    const response = await api(`${rs.origin}/x`)
    expect(response.status).toBe(401)
    expect(stepUp).not.toHaveBeenCalled()
    expect(onInvalidToken).toHaveBeenCalledTimes(1)
    const context = onInvalidToken.mock.calls[0]?.[0]
    expect(context.response).toBe(response)
    expect(context.challenge.params.error).toBe('invalid_token')
    expect(context.request.url).toBe(`${rs.origin}/x`)
    expect(rs.seen).toHaveLength(1)
  })
})

describe('the token goes to allowed origins only', () => {
  it('a foreign origin never sees the token, nor is getAccessToken asked', async () => {
    const { api, getAccessToken } = app()
    const response = await api(`${foreign.origin}/x`, { headers: { 'x-app': '1' } })
    expect(await response.text()).toBe('foreign /x')
    expect(foreign.seen[0]?.headers.authorization).toBeUndefined()
    expect(foreign.seen[0]?.headers['x-app']).toBe('1')
    expect(getAccessToken).not.toHaveBeenCalled()
  })

  it('a step-up challenge from a foreign origin is not answered', async () => {
    foreign.handle(protectedResource('gold', STEP_UP_ACR))
    const { api, stepUp } = app()
    expect((await api(`${foreign.origin}/x`)).status).toBe(401)
    expect(stepUp).not.toHaveBeenCalled()
    foreign.handle((request, res) => res.writeHead(200).end(`foreign ${request.path}`))
  })

  it('a redirect to a foreign origin drops the token', async () => {
    rs.handle((_, res) => res.writeHead(302, { location: `${foreign.origin}/landing` }).end())
    const { api } = app()
    const response = await api(`${rs.origin}/go`)
    expect(await response.text()).toBe('foreign /landing')
    expect(tokensSeen(rs.seen)).toEqual(['silver'])
    expect(foreign.seen).toHaveLength(1)
    expect(foreign.seen[0]?.headers.authorization).toBeUndefined()
  })

  it('a redirect back from a foreign origin does not pick the token up again', async () => {
    rs.handle((request, res) => {
      if (request.path === '/start')
        res.writeHead(307, { location: `${foreign.origin}/bounce` }).end()
      else res.writeHead(200).end('home')
    })
    foreign.handle((_, res) => res.writeHead(307, { location: `${rs.origin}/home` }).end())
    const { api } = app()
    expect(await (await api(`${rs.origin}/start`)).text()).toBe('home')
    expect(tokensSeen(rs.seen)).toEqual(['silver', undefined])
    expect(foreign.seen[0]?.headers.authorization).toBeUndefined()
    foreign.handle((request, res) => res.writeHead(200).end(`foreign ${request.path}`))
  })

  it('a same-origin redirect keeps the token and a 307 keeps the body', async () => {
    rs.handle((request, res) => {
      if (request.path === '/old') res.writeHead(307, { location: '/new' }).end()
      else protectedResource('silver', STEP_UP_ACR)(request, res)
    })
    const { api } = app()
    const response = await api(`${rs.origin}/old`, { method: 'PUT', body: 'data' })
    expect(response.status).toBe(200)
    expect(response.url).toBe(`${rs.origin}/new`)
    expect(rs.seen.map((r) => [r.method, r.path, bearer(r), r.body.toString()])).toEqual([
      ['PUT', '/old', 'silver', 'data'],
      ['PUT', '/new', 'silver', 'data'],
    ])
  })

  it('a 303 after POST continues as GET without the body or its headers', async () => {
    rs.handle((request, res) => {
      if (request.path === '/submit') res.writeHead(303, { location: '/result' }).end()
      else res.writeHead(200).end('done')
    })
    const { api } = app()
    await api(`${rs.origin}/submit`, {
      method: 'POST',
      body: 'a=1',
      headers: { 'content-type': 'text/plain' },
    })
    const second = rs.seen[1]
    expect([second?.method, second?.body.length, second?.headers['content-type']]).toEqual([
      'GET',
      0,
      undefined,
    ])
    expect(bearer(second!)).toBe('silver')
  })

  it("redirect: 'manual' is left to the caller", async () => {
    rs.handle((_, res) => res.writeHead(302, { location: `${foreign.origin}/x` }).end())
    const { api } = app()
    const response = await api(`${rs.origin}/go`, { redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(foreign.seen).toHaveLength(0)
  })

  it('gives up after 20 redirects like fetch', async () => {
    rs.handle((_, res) => res.writeHead(302, { location: '/again' }).end())
    const { api } = app()
    await expect(api(`${rs.origin}/again`)).rejects.toThrow(TypeError)
    expect(rs.seen).toHaveLength(21)
  })
})

describe('the replay sends the same bytes', () => {
  const bodies: [string, () => BodyInit][] = [
    ['string', () => 'amount=100&to=alice'],
    ['ArrayBuffer', () => new TextEncoder().encode('bytes \u0000\u00ff').buffer as ArrayBuffer],
    ['Uint8Array', () => new Uint8Array([0, 1, 2, 254, 255])],
    ['Blob', () => new Blob(['{"amount":100}'], { type: 'application/json' })],
    ['URLSearchParams', () => new URLSearchParams({ amount: '100', memo: 'rent & food' })],
    [
      'FormData',
      () => {
        const form = new FormData()
        form.append('amount', '100')
        form.append('file', new Blob(['receipt'], { type: 'text/plain' }), 'r.txt')
        return form
      },
    ],
  ]

  it.each(bodies)('%s', async (_, body) => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const { api } = app()
    expect((await api(`${rs.origin}/pay`, { method: 'POST', body: body() })).status).toBe(200)
    const [first, replay] = rs.seen
    expect(first?.body.length).toBeGreaterThan(0)
    expect(replay?.body.equals(first!.body)).toBe(true)
    expect(replay?.headers['content-type']).toBe(first?.headers['content-type'])
    expect(tokensSeen(rs.seen)).toEqual(['silver', 'gold'])
  })

  it('a Request passed in is read once and replayed', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const { api } = app()
    const request = new Request(`${rs.origin}/pay`, { method: 'POST', body: 'from a Request' })
    expect((await api(request)).status).toBe(200)
    expect(rs.seen.map((r) => r.body.toString())).toEqual(['from a Request', 'from a Request'])
  })

  it('a ReadableStream body to an allowed origin is refused before sending', async () => {
    const { api, getAccessToken } = app()
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk'))
        controller.close()
      },
    })
    const init = { method: 'POST', body: stream, duplex: 'half' } as RequestInit
    const error = await api(`${rs.origin}/upload`, init).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StepUpError)
    expect(error).toMatchObject({ code: 'ERR_BODY_NOT_REPLAYABLE' })
    expect(rs.seen).toHaveLength(0)
    expect(getAccessToken).not.toHaveBeenCalled()
  })

  it('a ReadableStream body to a foreign origin is sent as is', async () => {
    const { api } = app()
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk'))
        controller.close()
      },
    })
    const init = { method: 'POST', body: stream, duplex: 'half' } as RequestInit
    expect((await api(`${foreign.origin}/upload`, init)).status).toBe(200)
    expect(foreign.seen[0]?.body.toString()).toBe('chunk')
  })
})

describe('the challenge forms of the resource server', () => {
  it('401 insufficient_user_authentication with scope and details: one authorization request asks for all', async () => {
    rs.handle(protectedResource('gold', CHALLENGES.stepUpWithScopeAndDetails))
    const { api, stepUp } = app('gold', { currentScope: 'openid accounts' })
    const response = await api(`${rs.origin}/transfers`, { method: 'POST', body: '{}' })
    expect(response.status).toBe(200)
    expect(stepUp).toHaveBeenCalledTimes(1)
    const [challenge, context] = stepUp.mock.calls[0]!
    expect(challenge).toMatchObject({
      kind: 'step_up',
      acr_values: ['phrh'],
      max_age: 300,
      scope: ['accounts', 'payments'],
      authorization_details: [PAYMENT],
    })
    expect(context.params).toStrictEqual({
      acr_values: 'phrh',
      max_age: '300',
      scope: 'openid accounts payments',
      authorization_details: JSON.stringify([PAYMENT]),
    })
    expect(tokensSeen(rs.seen)).toEqual(['silver', 'gold'])
  })

  it('403 insufficient_authorization_details: requests the details the body names', async () => {
    rs.handle(protectedResource('gold', CHALLENGES.insufficientAuthorizationDetails))
    const { api, stepUp } = app('gold', { currentScope: 'openid accounts' })
    expect((await api(`${rs.origin}/transfers`, { method: 'POST', body: '{}' })).status).toBe(200)
    const [challenge, context] = stepUp.mock.calls[0]!
    expect(challenge).toMatchObject({
      kind: 'insufficient_authorization_details',
      authorization_details: [PAYMENT],
    })
    expect(context.params).toStrictEqual({
      scope: 'openid accounts',
      authorization_details: JSON.stringify([PAYMENT]),
    })
    expect(rs.seen.map((r) => [r.method, bearer(r)])).toEqual([
      ['POST', 'silver'],
      ['POST', 'gold'],
    ])
  })

  it('403 insufficient_scope: adds the named scopes to those granted, never drops one', async () => {
    rs.handle(protectedResource('gold', CHALLENGES.insufficientScope))
    const { api, stepUp } = app('gold', { currentScope: ['openid', 'profile', 'accounts'] })
    expect((await api(`${rs.origin}/payments`)).status).toBe(200)
    expect(stepUp.mock.calls[0]?.[1].params).toStrictEqual({
      scope: 'openid profile accounts payments',
    })
  })

  it('keeps the scopes an earlier step-up added in the next one', async () => {
    let wanted = 'gold'
    rs.handle((request, res) =>
      request.path === '/payments'
        ? protectedResource(wanted, CHALLENGES.insufficientScope)(request, res)
        : protectedResource(wanted, STEP_UP_ACR)(request, res),
    )
    const tokens = ['gold', 'platinum']
    const { api, stepUp } = app(() => tokens.shift() ?? '', { currentScope: 'openid' })
    expect((await api(`${rs.origin}/payments`)).status).toBe(200)
    wanted = 'platinum'
    expect((await api(`${rs.origin}/high`)).status).toBe(200)
    expect(stepUp.mock.calls.map(([, context]) => context.params.scope)).toEqual([
      'openid accounts payments',
      'openid accounts payments',
    ])
  })

  it('mode claims: the parameters carry an essential acr and openid (OIDC Core §5.5)', async () => {
    rs.handle(protectedResource('gold', STEP_UP_ACR))
    const { api, stepUp } = app('gold', { mode: 'claims', currentScope: 'accounts' })
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp.mock.calls[0]?.[1].params).toStrictEqual({
      claims: '{"id_token":{"acr":{"essential":true,"values":["myACR"]}}}',
      scope: 'openid accounts',
    })
  })

  it('reads a step-up split over several WWW-Authenticate field lines (RFC 9110 §5.3)', async () => {
    rs.handle(protectedResource('gold', CHALLENGES.severalLines))
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp.mock.calls[0]?.[0]).toMatchObject({
      kind: 'step_up',
      scheme: 'bearer',
      acr_values: ['myACR'],
      max_age: 0,
    })
    expect(stepUp.mock.calls[0]?.[1].params).toMatchObject({ prompt: 'login', max_age: '0' })
  })

  it('an insufficient_scope listed first does not hide the step-up after it', async () => {
    rs.handle(protectedResource('gold', CHALLENGES.scopeBeforeStepUp))
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp).toHaveBeenCalledTimes(1)
    expect(stepUp.mock.calls[0]?.[0]).toMatchObject({ kind: 'step_up', acr_values: ['myACR'] })
  })

  it('nor does it on an earlier field line', async () => {
    rs.handle(
      protectedResource('gold', {
        lines: [
          'Bearer error="insufficient_scope", scope="payments"',
          'Bearer error="insufficient_user_authentication", acr_values="myACR"',
        ],
      }),
    )
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp.mock.calls[0]?.[0]).toMatchObject({ kind: 'step_up' })
  })
})

describe('a challenge that cannot be acted on is refused before anyone signs in', () => {
  const STEP_UP = 'Bearer error="insufficient_user_authentication"'
  it.each([
    [
      'max_age="-1"',
      { lines: [`${STEP_UP}, max_age="-1"`] },
      /max_age "-1" is not a non-negative integer \(RFC 9470 §3\)/,
    ],
    ['max_age="abc"', { lines: [`${STEP_UP}, max_age="abc"`] }, /max_age "abc"/],
    [
      'acr_values with an empty value',
      { lines: [`${STEP_UP}, acr_values="a  b"`] },
      /acr_values "a {2}b"/,
    ],
    ['acr_values=""', { lines: [`${STEP_UP}, acr_values=""`] }, /acr_values ""/],
    [
      'authorization_details that is not an array',
      {
        lines: [`${STEP_UP}, max_age=0`],
        body: { error: 'insufficient_user_authentication', authorization_details: PAYMENT },
      },
      /authorization_details must be an array \(RFC 9396 §2\)/,
    ],
    [
      'a detail without a string type',
      {
        status: 403,
        lines: ['Bearer error="insufficient_authorization_details"'],
        body: { error: 'insufficient_authorization_details', authorization_details: [{ type: 7 }] },
      },
      /authorization_details\[0\]\.type must be a non-empty string/,
    ],
    [
      'a 403 insufficient_authorization_details without details',
      { status: 403, lines: ['Bearer error="insufficient_authorization_details"'] },
      /the server.s insufficient_authorization_details came without a JSON body/,
    ],
  ] as [string, Challenge, RegExp][])(
    '%s: ERR_CHALLENGE_INVALID, stepUp never called',
    async (_, challenge, message) => {
      rs.handle(protectedResource('gold', challenge))
      const { api, stepUp } = app()
      const error = await api(`${rs.origin}/x`).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StepUpError)
      expect(error).toMatchObject({
        code: 'ERR_CHALLENGE_INVALID',
        message: expect.stringMatching(message),
      })
      expect((error as StepUpError).response?.status).toBe(challenge.status ?? 401)
      expect(stepUp).not.toHaveBeenCalled()
      expect(rs.seen).toHaveLength(1)
    },
  )

  it('the refused response keeps its body for the caller', async () => {
    rs.handle(
      protectedResource('gold', {
        status: 403,
        lines: ['Bearer error="insufficient_authorization_details"'],
        body: { error: 'insufficient_authorization_details', authorization_details: 'all' },
      }),
    )
    const { api } = app()
    const error = (await api(`${rs.origin}/x`).catch((e: unknown) => e)) as StepUpError
    expect(await error.response?.json()).toMatchObject({ authorization_details: 'all' })
  })
})

describe('replays only the challenged request (RFC 9110 §9.2.2)', () => {
  it('a challenge on the GET after a 303 from a POST retries the GET only, never the POST', async () => {
    const applied: string[] = []
    rs.handle(postRedirectGet('gold', STEP_UP_ACR, applied))
    const { api, stepUp } = app()
    const response = await api(`${rs.origin}/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount":5000}',
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ method: 'GET', path: '/transfers/result' })
    expect(applied).toEqual(['{"amount":5000}'])
    expect(rs.seen.map((r) => [r.method, r.path, bearer(r)])).toEqual([
      ['POST', '/transfers', 'silver'],
      ['GET', '/transfers/result', 'silver'],
      ['GET', '/transfers/result', 'gold'],
    ])
    expect((await stepUp.mock.calls[0]?.[1].request)?.url).toBe(`${rs.origin}/transfers/result`)
  })

  it('after a 307, re-issues only the hop that was challenged, with its body', async () => {
    rs.handle((request, res) => {
      if (request.path === '/old') return void res.writeHead(307, { location: '/new' }).end()
      protectedResource('gold', STEP_UP_ACR)(request, res)
    })
    const { api } = app()
    expect((await api(`${rs.origin}/old`, { method: 'PATCH', body: 'data' })).status).toBe(200)
    expect(rs.seen.map((r) => [r.method, r.path, bearer(r), r.body.toString()])).toEqual([
      ['PATCH', '/old', 'silver', 'data'],
      ['PATCH', '/new', 'silver', 'data'],
      ['PATCH', '/new', 'gold', 'data'],
    ])
  })

  it('a redirect after the replay is followed from the challenged hop', async () => {
    rs.handle((request, res) => {
      if (request.path === '/a') return void res.writeHead(302, { location: '/b' }).end()
      if (request.path === '/b' && bearer(request) === 'gold') {
        return void res.writeHead(302, { location: '/c' }).end()
      }
      protectedResource('gold', STEP_UP_ACR)(request, res)
    })
    const { api } = app()
    expect((await api(`${rs.origin}/a`)).status).toBe(200)
    expect(rs.seen.map((r) => `${r.path} ${bearer(r)}`)).toEqual([
      '/a silver',
      '/b silver',
      '/b gold',
      '/c gold',
    ])
  })
})

describe('tokens go over TLS or loopback only (RFC 6750 §5.3)', () => {
  let internal: TestServer
  beforeAll(async () => {
    // 127.0.0.2 is on the loopback interface, but not one of the loopback origins allowed by
    // default: it stands in for an http: origin on another host.
    internal = await startServer(protectedResource('gold', STEP_UP_ACR), '127.0.0.2')
  })
  afterAll(() => internal.close())

  const options = (extra: Partial<StepUpFetchOptions> = {}): StepUpFetchOptions => ({
    allowedOrigins: [internal.origin],
    getAccessToken: () => 'silver',
    stepUp: () => 'gold',
    ...extra,
  })

  it('an http: origin that is not loopback is refused when the fetch is created', () => {
    expect(() => createStepUpFetch(options())).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringContaining(`allowInsecureOrigins: ["${internal.origin}"]`),
      }),
    )
    expect(internal.seen).toHaveLength(0)
  })

  it('allowInsecureOrigins opts in for that origin: the token goes and the step-up works', async () => {
    const api = createStepUpFetch(options({ allowInsecureOrigins: [internal.origin] }))
    expect((await api(`${internal.origin}/x`)).status).toBe(200)
    expect(tokensSeen(internal.seen)).toEqual(['silver', 'gold'])
  })
})

describe('unknown option keys', () => {
  it('are refused when the fetch is created, naming the nearest known key', () => {
    expect(() =>
      createStepUpFetch({
        allowedOrigin: [rs.origin],
        getAccessToken: () => 't',
        stepUp: () => 't',
      } as never),
    ).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_UNKNOWN_OPTION',
        message:
          'createStepUpFetch: unknown option "allowedOrigin" (did you mean "allowedOrigins"?)',
      }),
    )
  })
})
