import { AccessTokenError, createRiskPolicy, parseAccessTokenClaims } from '@stepup/assurance'
import { describe, expect, it } from 'vitest'
import { evaluateRequest, protectedResourceMetadata, withStepUp } from '../src/index.ts'

const verify = async (token: string) => {
  if (token === 'down') throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'JWKS unreachable')
  if (token !== 'good') throw new Error('unknown token')
  return parseAccessTokenClaims({
    sub: 'alice',
    acr: 'phr',
    auth_time: Math.floor(Date.now() / 1000),
  })
}

const req = (token?: string, init: RequestInit = {}) =>
  new Request('https://api.example.com/x', {
    ...init,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(init.headers as object) },
  })

describe('withStepUp', () => {
  it('calls the handler with auth on success', async () => {
    const handler = withStepUp((_r, auth) => Response.json({ sub: auth.claims.sub }), { verify })
    const res = await handler(req('good'))
    expect(await res.json()).toEqual({ sub: 'alice' })
  })

  it('answers a step-up with status, challenge and JSON body, without calling the handler', async () => {
    let called = false
    const handler = withStepUp(
      () => {
        called = true
        return new Response('no')
      },
      { verify, realm: 'bank', requirement: { acr_values: ['phrh'] }, exposeChallenge: true },
    )
    const res = await handler(req('good'))
    expect(called).toBe(false)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('acr_values="phrh"')
    expect(res.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate')
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toMatchObject({ error: 'insufficient_user_authentication' })
  })

  it('never reads the body before the token is verified, and no more than bodyLimit after', async () => {
    const policy = createRiskPolicy([{ name: 'none', evaluate: () => undefined }])
    const handler = withStepUp(() => new Response('paid'), {
      verify,
      requirement: policy,
      bodyLimit: 4096,
    })
    let pulled = 0
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull(c) {
          pulled++
          c.enqueue(new Uint8Array(1024).fill(0x20))
        },
      })
    const post = (token?: string) =>
      req(token, {
        method: 'POST',
        body: endless(),
        headers: { 'content-type': 'application/json' },
        duplex: 'half',
      } as RequestInit)
    expect((await handler(post())).status).toBe(401)
    expect((await handler(post('forged'))).status).toBe(401)
    // At most the one chunk a stream pulls ahead when it is created, per request.
    expect(pulled).toBeLessThanOrEqual(2)
    pulled = 0
    const big = await handler(post('good'))
    expect(big.status).toBe(400)
    expect(await big.json()).toMatchObject({ error_description: 'The request body is too large' })
    expect(pulled).toBeLessThanOrEqual(8)
  })

  it('refuses unknown options, naming the nearest', () => {
    expect(() => withStepUp(() => new Response(), { verify, relam: 'x' } as never)).toThrow(
      'withStepUp: unknown option "relam" (did you mean "realm"?)',
    )
  })

  it('leaves the body to the handler when a policy read it', async () => {
    const policy = createRiskPolicy([{ name: 'none', evaluate: () => undefined }])
    const handler = withStepUp(async (r) => Response.json(await r.json()), {
      verify,
      requirement: policy,
    })
    const body = { authorization_details: [{ type: 'payment_initiation' }], memo: 'rent' }
    const res = await handler(
      req('good', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }),
    )
    expect(await res.json()).toEqual(body)
  })

  it('accepts an RFC 6750 §2.2 form body token and leaves the form readable', async () => {
    const handler = withStepUp(async (r) => new Response((await r.formData()).get('memo')), {
      verify,
    })
    const res = await handler(
      req(undefined, {
        method: 'POST',
        body: 'access_token=good&memo=hi',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    )
    expect(await res.text()).toBe('hi')
  })

  it('a verifier outage → 503 without WWW-Authenticate', async () => {
    const res = await withStepUp(() => new Response('no'), { verify })(req('down'))
    expect(res.status).toBe(503)
    expect(res.headers.has('www-authenticate')).toBe(false)
  })

  it('checks options when wrapping, with a coded TypeError', () => {
    expect(() => withStepUp(() => new Response(), {} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
  })
})

describe('evaluateRequest', () => {
  it('returns the core outcome for frameworks that respond themselves', async () => {
    const options = { verify, requirement: { max_age: 300 } }
    const ok = await evaluateRequest(req('good'), options)
    expect(ok).toMatchObject({ ok: true, auth: { token: 'good', claims: { sub: 'alice' } } })
    const missing = await evaluateRequest(req(), options)
    expect(missing).toEqual({
      ok: false,
      status: 401,
      headers: { 'www-authenticate': 'Bearer' },
      body: null,
    })
  })

  it('refuses a token in the query string with 400 invalid_request', async () => {
    const result = await evaluateRequest(
      new Request('https://api.example.com/x?access_token=good'),
      { verify },
    )
    expect(result).toMatchObject({ ok: false, status: 400, body: { error: 'invalid_request' } })
  })
})

describe('protectedResourceMetadata', () => {
  const metadata = protectedResourceMetadata({
    resource: 'https://api.example.com/v1',
    authorization_servers: ['https://as.example.com'],
    scopes_supported: [],
  })

  it('RFC 9728 §3.1 serves the document at the path inserted after the host', async () => {
    const res = metadata(
      new Request('https://api.example.com/.well-known/oauth-protected-resource/v1'),
    )
    expect(res?.status).toBe(200)
    expect(await res?.json()).toEqual({
      resource: 'https://api.example.com/v1',
      authorization_servers: ['https://as.example.com'],
    })
  })

  it('returns undefined for other paths and methods', () => {
    expect(metadata(new Request('https://api.example.com/v1'))).toBeUndefined()
    const post = new Request('https://api.example.com/.well-known/oauth-protected-resource/v1', {
      method: 'POST',
    })
    expect(metadata(post)).toBeUndefined()
  })

  it.each([
    'http://api.example.com',
    'https://api.example.com/?q=1',
    'https://api.example.com/#f',
    'nope',
  ])('refuses the resource %s', (resource) => {
    expect(() => protectedResourceMetadata({ resource })).toThrow(TypeError)
  })
})
