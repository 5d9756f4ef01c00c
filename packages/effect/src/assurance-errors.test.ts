import { readdirSync, readFileSync } from 'node:fs'
import { evaluateAssurance } from '@stepup/assurance'
import { Effect } from 'effect'
import { HttpServerRespondable, HttpServerResponse } from 'effect/http'
import { describe, expect, it } from 'vitest'
import {
  InsufficientUserAuthentication,
  InvalidAuthorizationDetails,
  toHttpServerResponse,
} from './assurance-errors.js'
import { WwwAuthenticateParseError } from './client-errors.js'
import { fromAssuranceFailure, StepUpAuthError } from './errors.js'

const NOW = 1_646_340_300

describe('tagged decision errors', () => {
  it('RFC 9470 §3: InsufficientUserAuthentication carries the challenge and renders it', () => {
    const result = evaluateAssurance(
      { acr: 'phr', auth_time: NOW - 600 },
      { acr_values: ['phrh'], max_age: 300 },
      { now: NOW },
    )
    if (result.ok) throw new Error('expected a failure')
    const error = fromAssuranceFailure(result)
    expect(error).toBeInstanceOf(StepUpAuthError)
    expect(error._tag).toBe('StepUpAuthError')
    expect(error.reason).toBeInstanceOf(InsufficientUserAuthentication)
    expect(error.reason._tag).toBe('InsufficientUserAuthentication')
    expect(error.message).toBe(error.reason.message)
    expect(error.reason.challenge).toMatchObject({ acr_values: ['phrh'], max_age: 300 })
    expect(error.toErrorResponse({ realm: 'api' })).toEqual({
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh", max_age="300"',
        'content-type': 'application/json',
      },
      body: {
        error: 'insufficient_user_authentication',
        error_description: 'A different authentication level is required',
      },
    })
  })

  it('is respondable under the key effect/http/HttpServerRespondable exports, and its reasons are not', () => {
    const error = new StepUpAuthError({
      reason: new InvalidAuthorizationDetails({ issues: [{ path: [], message: 'invalid' }] }),
    })
    expect(HttpServerRespondable.isRespondable(error)).toBe(true)
    expect(typeof Reflect.get(error, HttpServerRespondable.symbol)).toBe('function')
    expect(HttpServerRespondable.isRespondable(error.reason)).toBe(false)
    expect(Object.keys(error)).not.toContain(HttpServerRespondable.symbol)
  })

  it("names the key through effect/http's export: no source file spells it out", () => {
    const dir = new URL('.', import.meta.url)
    const copies = readdirSync(dir)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .filter((file) =>
        readFileSync(new URL(file, dir), 'utf8').includes(HttpServerRespondable.symbol),
      )
    expect(copies).toEqual([])
  })

  it('catchReason handles one reason and leaves the others', async () => {
    const result = evaluateAssurance({ acr: 'phr' }, { acr_values: ['phrh'] }, { now: NOW })
    if (result.ok) throw new Error('expected a failure')
    const handled = await Effect.runPromise(
      Effect.fail(fromAssuranceFailure(result)).pipe(
        Effect.catchReason('StepUpAuthError', 'InsufficientUserAuthentication', (reason) =>
          Effect.succeed(reason.challenge.acr_values),
        ),
      ),
    )
    expect(handled).toEqual(['phrh'])
  })

  it('a client-side reason answers a bare 500 when a server handler fails with it', () => {
    const error = new StepUpAuthError({ reason: new WwwAuthenticateParseError({ offset: 3 }) })
    expect(error.toErrorResponse()).toEqual({ status: 500, headers: {}, body: null })
  })

  it('implements HttpServerRespondable with the same status, challenge and body', async () => {
    const result = evaluateAssurance({ scope: 'a' }, { scope: ['b'] }, { now: NOW })
    if (result.ok) throw new Error('expected a failure')
    const error = fromAssuranceFailure(result)
    expect(HttpServerRespondable.isRespondable(error)).toBe(true)
    const response = await Effect.runPromise(HttpServerRespondable.toResponse(error as never))
    const web = HttpServerResponse.toWeb(response)
    expect(web.status).toBe(403)
    expect(web.headers.get('www-authenticate')).toBe(result.wwwAuthenticate)
    expect(web.headers.get('content-type')).toBe('application/json')
    expect(await web.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the access token',
    })
  })

  it('InvalidAuthorizationDetails answers 400 invalid_request without echoing the input', async () => {
    const error = new InvalidAuthorizationDetails({
      issues: [{ path: [0, 'type'], message: 'required' }],
    })
    expect(error.message).toBe('Invalid authorization_details at [0,type]: required')
    const res = error.toErrorResponse()
    expect(res.status).toBe(400)
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: 'The authorization_details of the request are invalid',
    })
  })

  it('toHttpServerResponse sends no body and no content-type for a challenge without error', async () => {
    const web = HttpServerResponse.toWeb(
      toHttpServerResponse({ status: 401, headers: { 'www-authenticate': 'Bearer' }, body: null }),
    )
    expect([web.status, web.headers.get('www-authenticate'), await web.text()]).toEqual([
      401,
      'Bearer',
      '',
    ])
  })
})
