import { describe, expect, it } from 'vitest'
import { parseAccessTokenClaims } from './claims.js'
import { AccessTokenError } from './errors.js'
import { createStepUpGuard, type HttpRequestView, readRequestBody } from './http.js'

const NOW = 1_700_000_000
const claims = parseAccessTokenClaims({ sub: 'alice', acr: 'phr', auth_time: NOW - 10 })
const verify = async (token: string) => {
  if (token === 'good') return claims
  if (token === 'down') throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE')
  throw new AccessTokenError('ERR_TOKEN_SIGNATURE_INVALID')
}
const view = (url: string, authorization?: string): HttpRequestView => ({
  method: 'GET',
  url,
  headers: authorization === undefined ? {} : { authorization },
  body: () => undefined,
})
const guard = createStepUpGuard<null>({
  verify,
  requirement: { acr_values: ['phrh'], max_age: 300 },
  realm: 'bank',
  now: () => NOW,
})

describe('createStepUpGuard', () => {
  it('asks for credentials with a bare challenge when there are none (RFC 6750 §3.1)', async () => {
    const outcome = await guard(view('/accounts'), null)
    expect(outcome).toMatchObject({ ok: false, status: 401 })
    expect(!outcome.ok && outcome.headers['www-authenticate']).toBe('Bearer realm="bank"')
  })

  it.each(['/accounts?access_token=good', '/accounts?x=1&access%5Ftoken=good'])(
    'refuses a token in the query string: %s (RFC 6750 §2.3)',
    async (url) => {
      const outcome = await guard(view(url), null)
      expect(outcome).toMatchObject({ ok: false, status: 400, body: { error: 'invalid_request' } })
    },
  )

  it('accepts other query strings', async () => {
    const outcome = await guard(view('/accounts?page=2', 'Bearer good'), null)
    expect(outcome.ok || outcome.body?.error).toBe('insufficient_user_authentication')
  })

  it('answers a weak token with the step-up challenge', async () => {
    const outcome = await guard(view('/accounts', 'Bearer good'), null)
    expect(outcome).toMatchObject({ ok: false, status: 401 })
    expect(!outcome.ok && outcome.headers['www-authenticate']).toContain('acr_values="phrh"')
  })

  it('hides why a token was refused, and answers 503 when verification is unavailable', async () => {
    const refused = await guard(view('/accounts', 'Bearer forged'), null)
    expect(refused).toMatchObject({ ok: false, status: 401, body: { error: 'invalid_token' } })
    expect(JSON.stringify(refused)).not.toContain('SIGNATURE')
    const down = await guard(view('/accounts', 'Bearer down'), null)
    expect(down).toMatchObject({ ok: false, status: 503 })
    expect(!down.ok && down.headers['www-authenticate']).toBeUndefined()
  })

  it('passes a token that meets the requirement', async () => {
    const strong = createStepUpGuard<null>({ verify, requirement: { acr_values: ['phr'] } })
    const outcome = await strong(view('/accounts', 'Bearer good'), null)
    expect(outcome).toMatchObject({ ok: true, auth: { token: 'good', claims } })
  })
})

const stream = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c))
      controller.close()
    },
  })

describe('readRequestBody', () => {
  it.each([
    ['application/json', '{"a":1}', { a: 1 }],
    ['application/merchant+json; charset=utf-8', '{"a":1}', { a: 1 }],
    ['Application/X-WWW-Form-Urlencoded', 'access_token=t&x=1', { access_token: 't', x: '1' }],
  ])('%s %s → %o', async (type, body, expected) => {
    expect(await readRequestBody(type, stream(body), 1024)).toEqual(expected)
  })

  it('is undefined without a body, or with an empty one and no type', async () => {
    expect(await readRequestBody('application/json', null, 1024)).toBeUndefined()
    expect(await readRequestBody(undefined, stream(), 1024)).toBeUndefined()
  })

  it.each([
    [
      'text/plain',
      '{"a":1}',
      'The request body must be application/json or application/x-www-form-urlencoded',
    ],
    [
      null,
      '{"a":1}',
      'The request body must be application/json or application/x-www-form-urlencoded',
    ],
    [
      'application/jsonx',
      '{"a":1}',
      'The request body must be application/json or application/x-www-form-urlencoded',
    ],
    ['application/json', '{not json', 'The request body is malformed'],
    ['application/json', '"\uFFFD', 'The request body is malformed'],
  ])('refuses %s %s with a 400 the guard can send', async (type, body, message) => {
    await expect(readRequestBody(type, stream(body), 1024)).rejects.toMatchObject({
      name: 'InvalidRequestError',
      error: 'invalid_request',
      status: 400,
      message,
    })
  })

  it('refuses bytes that are not UTF-8', async () => {
    const bytes = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array([0x7b, 0xff, 0x7d]))
        c.close()
      },
    })
    await expect(readRequestBody('application/json', bytes, 1024)).rejects.toThrow(
      'The request body is malformed',
    )
  })

  it('stops reading past the limit and cancels the stream', async () => {
    let pulled = 0
    let cancelled = false
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(1024).fill(0x20))
      },
      cancel() {
        cancelled = true
      },
    })
    await expect(readRequestBody('application/json', endless, 4096)).rejects.toThrow(
      'The request body is too large',
    )
    expect(pulled).toBeLessThanOrEqual(6)
    expect(cancelled).toBe(true)
  })

  it('reads an async iterable of bytes (a Node request) within the limit too', async () => {
    async function* chunks() {
      yield new TextEncoder().encode('{"a":')
      yield new TextEncoder().encode('1}')
    }
    expect(await readRequestBody('application/json', chunks(), 7)).toEqual({ a: 1 })
    await expect(readRequestBody('application/json', chunks(), 6)).rejects.toThrow(
      'The request body is too large',
    )
  })
})
