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

describe('readRequestBody', () => {
  const text = (value: string) => async () => value
  it.each([
    ['application/json', '{"a":1}', { a: 1 }],
    ['application/merchant+json; charset=utf-8', '{"a":1}', { a: 1 }],
    ['Application/X-WWW-Form-Urlencoded', 'access_token=t&x=1', { access_token: 't', x: '1' }],
    ['application/json', '{not json', undefined],
  ])('%s %s → %o', async (type, body, expected) => {
    expect(await readRequestBody(type, text(body))).toEqual(expected)
  })

  it('does not read a body of any other type, or without a type', async () => {
    const never = async (): Promise<string> => {
      throw new Error('read')
    }
    expect(await readRequestBody('text/plain', never)).toBeUndefined()
    expect(await readRequestBody(null, never)).toBeUndefined()
  })

  it('treats a failed read as no body', async () => {
    const fails = async (): Promise<string> => {
      throw new Error('stream broken')
    }
    expect(await readRequestBody('application/json', fails)).toBeUndefined()
  })
})
