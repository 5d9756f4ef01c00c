import type { StepUpEvent } from '@stepup/assurance'
import {
  AccessTokenError,
  createRiskPolicy,
  parseAccessTokenClaims,
  type RiskRule,
} from '@stepup/assurance'
import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { describe, expect, it } from 'vitest'
import { protectedResourceMetadata, type StepUpEnv, stepUp } from '../src/index.ts'

const NOW = 1_750_000_000

const verify = async (token: string) => {
  if (token === 'down') throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'JWKS unreachable')
  if (token !== 'good' && token !== 'strong') throw new Error('unknown token')
  return parseAccessTokenClaims({
    sub: 'alice',
    scope: 'accounts:read',
    acr: token === 'strong' ? 'phrh' : 'phr',
    auth_time: NOW - 10,
  })
}

/** The descriptions of `400 invalid_request` for bodies the guard cannot read. */
const INVALID = {
  unsupported: 'The request body must be application/json or application/x-www-form-urlencoded',
  malformed: 'The request body is malformed',
  notObject: 'The request body must be a JSON object',
  details: 'The authorization_details of the request are invalid',
  tooLarge: 'The request body is too large',
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const json = (token: string, body: string, type = 'application/json'): RequestInit => ({
  method: 'POST',
  headers: { ...bearer(token), 'content-type': type },
  body,
})

/** A rule that fires for transfers in the body, so a test sees the policy read it. */
const detailsRule: RiskRule = {
  name: 'transfer',
  evaluate: ({ details }) => (details?.length ? { acr_values: ['phr'] } : undefined),
}
const policy = createRiskPolicy([detailsRule])

describe('stepUp', () => {
  it('sets c.get("auth") to the verified token, claims and decision, then calls the route', async () => {
    const requireAssurance = stepUp({ verify, now: () => NOW })
    const app = new Hono().get('/me', requireAssurance({ max_age: 300 }), (c) => {
      const { claims, token, decision } = c.get('auth')
      return c.json({ sub: claims.sub, token, requirement: decision.requirement, same: c.var.auth })
    })
    const res = await app.request('/me', { headers: bearer('good') })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({ sub: 'alice', token: 'good', requirement: { max_age: 300 } })
    expect(body.same).toMatchObject({ token: 'good', claims: { sub: 'alice' } })
  })

  it('RFC 9470 §3: answers a step-up with the challenge and JSON body, without calling the route', async () => {
    let called = false
    const requireAssurance = stepUp({ verify, realm: 'bank', exposeChallenge: true })
    const app = new Hono().post('/transfers', requireAssurance({ acr_values: ['phrh'] }), (c) => {
      called = true
      return c.text('paid')
    })
    const res = await app.request('/transfers', { method: 'POST', headers: bearer('good') })
    expect(called).toBe(false)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh"',
    )
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate')
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
    })
  })

  it('RFC 6750 §3: no credentials → 401 with a bare challenge and an empty body', async () => {
    const app = new Hono().get('/me', stepUp({ verify, realm: 'bank' })(), (c) => c.text('me'))
    const res = await app.request('/me')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
    expect(res.headers.has('content-type')).toBe(false)
    expect(await res.text()).toBe('')
  })

  it('RFC 6750 §3.1: a token that does not verify → 401 invalid_token', async () => {
    const app = new Hono().get('/me', stepUp({ verify })(), (c) => c.text('me'))
    const res = await app.request('/me', { headers: bearer('forged') })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
  })

  it('a verifier outage → 503 without WWW-Authenticate, the cause to onDecision only', async () => {
    const events: StepUpEvent[] = []
    const requireAssurance = stepUp({ verify, onDecision: (e) => events.push(e) })
    const app = new Hono().get('/me', requireAssurance(), (c) => c.text('me'))
    const res = await app.request('/me', { headers: bearer('down') })
    expect(res.status).toBe(503)
    expect(res.headers.has('www-authenticate')).toBe(false)
    const text = await res.text()
    expect(JSON.parse(text)).toMatchObject({ error: 'temporarily_unavailable' })
    expect(text).not.toContain('JWKS')
    expect(events).toMatchObject([{ ok: false, status: 503, error: 'temporarily_unavailable' }])
  })

  it('RFC 6750 §2.3: a token in the query string → 400 invalid_request', async () => {
    const app = new Hono().get('/me', stepUp({ verify })(), (c) => c.text('me'))
    const res = await app.request('/me?access_token=good')
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('a policy reads the JSON body and leaves it to the route', async () => {
    const app = new Hono().post('/transfers', stepUp({ verify })(policy), async (c) =>
      c.json({ body: await c.req.json(), fired: c.get('auth').decision.fired }),
    )
    const body = { authorization_details: [{ type: 'payment_initiation' }], memo: 'rent' }
    const res = await app.request('/transfers', json('good', JSON.stringify(body)))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ body, fired: ['transfer'] })
  })

  it('a policy after a middleware that read the body through Hono reads Hono’s copy', async () => {
    const app = new Hono().post(
      '/transfers',
      async (c, next) => {
        await c.req.json() // as a validator would
        await next()
      },
      stepUp({ verify })(policy),
      async (c) => c.json({ body: await c.req.json(), fired: c.get('auth').decision.fired }),
    )
    const body = { authorization_details: [{ type: 'payment_initiation' }] }
    const res = await app.request('/transfers', json('good', JSON.stringify(body)))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ body, fired: ['transfer'] })
  })

  it('fails closed (503) when a middleware before it consumed the raw body outside Hono', async () => {
    const events: StepUpEvent[] = []
    const app = new Hono().post(
      '/transfers',
      async (c, next) => {
        await c.req.raw.text()
        await next()
      },
      stepUp({ verify, onDecision: (e) => events.push(e) })(policy),
      (c) => c.text('paid'),
    )
    const res = await app.request('/transfers', json('good', '{"authorization_details":[]}'))
    expect(res.status).toBe(503)
    expect(res.headers.has('www-authenticate')).toBe(false)
    expect(events[0]?.cause).toBeInstanceOf(TypeError)
  })

  it('RFC 6750 §2.2: takes a form-encoded token and leaves the form to the route', async () => {
    const app = new Hono().post('/notes', stepUp({ verify })(), async (c) => {
      const form = await c.req.parseBody()
      return c.text(`${c.get('auth').token}:${form['memo']}`)
    })
    const res = await app.request('/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'access_token=good&memo=hi',
    })
    expect(await res.text()).toBe('good:hi')
  })

  it.each([
    ['text/plain', '{"authorization_details":[]}', 'text/plain', INVALID.unsupported],
    ['malformed JSON', '{"authorization_details":', 'application/json', INVALID.malformed],
    ['a JSON array', '[]', 'application/json', INVALID.notObject],
    ['invalid details', '{"authorization_details":[1]}', 'application/json', INVALID.details],
    ['over bodyLimit', `{"memo":"${'x'.repeat(2048)}"}`, 'application/json', INVALID.tooLarge],
  ])('fails closed on a body the policy cannot read (%s) → 400', async (_name, body, type, why) => {
    let called = false
    const app = new Hono().post('/transfers', stepUp({ verify, bodyLimit: 1024 })(policy), (c) => {
      called = true
      return c.text('paid')
    })
    const res = await app.request('/transfers', json('good', body, type))
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: why })
    expect(called).toBe(false)
  })

  it('stops reading a streamed body past bodyLimit, and reads none before the token verifies', async () => {
    let pulled = 0
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull(c) {
          pulled++
          c.enqueue(new Uint8Array(1024).fill(0x20))
        },
      })
    const app = new Hono().post('/transfers', stepUp({ verify, bodyLimit: 4096 })(policy), (c) =>
      c.text('paid'),
    )
    const post = (token?: string) =>
      app.request('/transfers', {
        method: 'POST',
        headers: { ...(token && bearer(token)), 'content-type': 'application/json' },
        body: endless(),
        duplex: 'half',
      } as RequestInit)
    expect((await post()).status).toBe(401)
    expect((await post('forged')).status).toBe(401)
    // At most the one chunk a stream pulls ahead when it is created, per request.
    expect(pulled).toBeLessThanOrEqual(2)
    pulled = 0
    const big = await post('good')
    expect(big.status).toBe(400)
    expect(pulled).toBeLessThanOrEqual(8)
  })

  it('keeps the headers earlier middleware set on a failure (hono/request-id)', async () => {
    const app = new Hono().use(requestId()).get('/me', stepUp({ verify })(), (c) => c.text('me'))
    const res = await app.request('/me', { headers: { 'x-request-id': 'req-1' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('x-request-id')).toBe('req-1')
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('hands requirement functions, signals and verify the Hono context', async () => {
    const seen: string[] = []
    const requireAssurance = stepUp<{ Bindings: { RISKY: string } }>({
      verify: async (token, c) => {
        seen.push(`verify:${c.req.path}`)
        return verify(token)
      },
      signals: (c) => ({ risky: c.env.RISKY === 'yes' }),
    })
    const risky = createRiskPolicy([
      {
        name: 'risky',
        evaluate: ({ signals }) => (signals?.['risky'] ? { max_age: 0 } : undefined),
      },
    ])
    const app = new Hono<{ Bindings: { RISKY: string } }>()
      .get(
        '/accounts/:id',
        requireAssurance((c) => (c.req.param('id') === 'savings' ? { acr_values: ['phrh'] } : {})),
        (c) => c.text(c.get('auth').claims.acr ?? ''),
      )
      .get('/risky', requireAssurance(risky), (c) => c.text('ok'))
    const get = (path: string, env: { RISKY: string } = { RISKY: 'no' }) =>
      app.request(path, { headers: bearer('good') }, env)
    expect((await get('/accounts/current')).status).toBe(200)
    expect((await get('/accounts/savings')).status).toBe(401)
    expect((await get('/risky')).status).toBe(200)
    expect((await get('/risky', { RISKY: 'yes' })).status).toBe(401)
    expect(seen).toContain('verify:/accounts/savings')
  })

  it('an app-wide guard with app.use guards every route', async () => {
    const app = new Hono<StepUpEnv>()
    app.use(stepUp({ verify })({ acr_values: ['phr'] }))
    app.get('/me', (c) => c.text(c.get('auth').claims.sub ?? ''))
    expect(await (await app.request('/me', { headers: bearer('good') })).text()).toBe('alice')
    expect((await app.request('/me')).status).toBe(401)
  })
})

describe('options are checked when the middleware is made', () => {
  it('refuses an unknown option, naming the nearest', () => {
    expect(() => stepUp({ verify, relam: 'x' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'stepUp: unknown option "relam" (did you mean "realm"?)',
      }),
    )
  })

  it('refuses an unknown dpop option', () => {
    expect(() => stepUp({ verify, dpop: { algs: ['ES256'], verify: () => {} } } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }),
    )
  })

  it('refuses requirement in stepUp(): it goes to each route', () => {
    expect(() => stepUp({ verify, requirement: {} } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: `stepUp: "requirement" goes to each route's requireAssurance(), not to stepUp()`,
      }),
    )
  })

  it('refuses the former policy option, pointing to requirement', () => {
    expect(() => stepUp({ verify, policy: {} } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'stepUp: unknown option "policy" (did you mean "requirement"?)',
      }),
    )
  })

  it('refuses an unknown requirement key when the route is declared', () => {
    const requireAssurance = stepUp({ verify })
    expect(() => requireAssurance({ acr_value: ['phr'] } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: expect.stringContaining('"acr_value"'),
      }),
    )
  })

  it.each([
    ['no options', undefined],
    ['no verify', {}],
  ])('refuses %s with a coded TypeError', (_name, options) => {
    expect(() => stepUp(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
  })
})

describe('protectedResourceMetadata', () => {
  const app = new Hono()
  app.use(
    protectedResourceMetadata({
      resource: 'https://api.example.com/v1',
      authorization_servers: ['https://as.example.com'],
      scopes_supported: [],
    }),
  )
  app.use(stepUp({ verify })())
  app.all('*', (c) => c.text('guarded'))

  it('RFC 9728 §3.1: serves the document at the path inserted after the host, before the guard', async () => {
    const res = await app.request('https://api.example.com/.well-known/oauth-protected-resource/v1')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(await res.json()).toEqual({
      resource: 'https://api.example.com/v1',
      authorization_servers: ['https://as.example.com'],
    })
  })

  it('answers HEAD without a body', async () => {
    const res = await app.request('/.well-known/oauth-protected-resource/v1', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })

  it.each([
    ['GET', '/.well-known/oauth-protected-resource'],
    ['GET', '/.well-known/oauth-protected-resource/v1/x'],
    ['POST', '/.well-known/oauth-protected-resource/v1'],
  ])('passes %s %s on to the next middleware', async (method, path) => {
    const res = await app.request(path, { method })
    expect(res.status).toBe(401)
  })

  it('compares the path as sent, percent-escapes and all', async () => {
    const spaced = new Hono().use(
      protectedResourceMetadata({ resource: 'https://api.example.com/my api' }),
    )
    const res = await spaced.request('/.well-known/oauth-protected-resource/my%20api')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ resource: 'https://api.example.com/my api' })
  })

  it.each(['http://api.example.com', 'https://api.example.com/?q=1', 'nope'])(
    'refuses the resource %s',
    (resource) => {
      expect(() => protectedResourceMetadata({ resource })).toThrow(TypeError)
    },
  )
})
