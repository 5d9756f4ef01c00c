import { describe, expect, it } from 'vitest'
import { parseChallengeBody, readStepUpChallenge, type StepUpChallenge } from './challenge.js'

const respond = (status: number, header: string, init: ResponseInit = {}, body?: string) =>
  new Response(body ?? null, {
    ...init,
    status,
    headers: { 'www-authenticate': header, ...(init.headers as Record<string, string>) },
  })
const read = (header: string, status = 401) => readStepUpChallenge(respond(status, header))
const refusal = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    return error as { code: string; message: string }
  }
  return undefined
}

describe('readStepUpChallenge: which challenges count', () => {
  it('reads Bearer and DPoP challenges only, whatever error another scheme names', () => {
    expect(read('Basic error="insufficient_user_authentication", max_age=0')).toBeUndefined()
  })

  it('reads no step-up from an error name an object already has (constructor, __proto__)', () => {
    expect(read('Bearer error="constructor"')).toBeUndefined()
    expect(read('Bearer error="__proto__"')).toBeUndefined()
  })

  it('names the scheme option when it is neither Bearer nor DPoP', () => {
    expect(() =>
      readStepUpChallenge(respond(401, 'Bearer'), { scheme: 'bearer' as never }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: 'readStepUpChallenge: scheme must be "Bearer" or "DPoP"',
      }),
    )
  })
})

describe('readStepUpChallenge: fields', () => {
  it('has only the fields the challenge carries', () => {
    const challenge = read('Bearer error="insufficient_user_authentication", max_age=0')
    expect(Object.keys(challenge ?? {}).sort()).toEqual(['kind', 'max_age', 'raw', 'scheme'])
  })

  it('reads acr_values and max_age on insufficient_user_authentication only (RFC 9470 §3)', () => {
    const scope = read(
      'Bearer error="insufficient_scope", scope="a", acr_values="gold", max_age=0',
      403,
    )
    expect(scope).toEqual({
      kind: 'insufficient_scope',
      scheme: 'bearer',
      scope: ['a'],
      raw: expect.anything(),
    })
    expect(read('Bearer error="insufficient_scope", scope="a", max_age="soon"', 403)).toMatchObject(
      { kind: 'insufficient_scope' },
    )
  })

  it('keeps an http: resource_metadata on loopback, for development', () => {
    for (const url of [
      'http://localhost:8080/.well-known/oauth-protected-resource',
      'http://127.0.0.1/m',
      'http://[::1]:3000/m',
    ]) {
      const challenge = read(
        `Bearer error="insufficient_user_authentication", resource_metadata="${url}"`,
      )
      expect(challenge?.resource_metadata).toBe(url)
    }
  })

  it('leaves out an http: resource_metadata off loopback', () => {
    const challenge = read(
      'Bearer error="insufficient_user_authentication", resource_metadata="http://rs.example/m"',
    )
    expect(challenge).not.toHaveProperty('resource_metadata')
  })

  it('refuses a max_age that is a loopback URL: only resource_metadata may be one', () => {
    expect(
      refusal(() =>
        read('Bearer error="insufficient_user_authentication", max_age="http://localhost/"'),
      ),
    ).toMatchObject({ code: 'ERR_CHALLENGE_INVALID' })
  })

  it('quotes at most 64 characters of an invalid value, marking the cut', () => {
    const long = `-${'1'.repeat(69)}`
    const cut = `${long.slice(0, 64)}…`
    expect(
      refusal(() => read(`Bearer error="insufficient_user_authentication", max_age="${long}"`)),
    ).toMatchObject({
      message: `the server's max_age "${cut}" is not a non-negative integer (RFC 9470 §3)`,
    })
    const exact = `-${'1'.repeat(63)}`
    expect(
      refusal(() => read(`Bearer error="insufficient_user_authentication", max_age="${exact}"`)),
    ).toMatchObject({
      message: `the server's max_age "${exact}" is not a non-negative integer (RFC 9470 §3)`,
    })
  })
})

describe('parseChallengeBody: which bodies are read', () => {
  const STEP_UP = 'Bearer error="insufficient_user_authentication", acr_values="gold"'
  const DETAILS = [{ type: 'payment_initiation' }]
  const step = (contentType: string, text: string) => {
    const response = respond(401, STEP_UP, { headers: { 'content-type': contentType } }, text)
    return parseChallengeBody(readStepUpChallenge(response)!, response, text)
  }
  const named = JSON.stringify({
    error: 'insufficient_user_authentication',
    authorization_details: DETAILS,
  })

  it('reads JSON media types in any case, with parameters', () => {
    expect(step('Application/JSON ; charset=utf-8', named)).toMatchObject({
      authorization_details: DETAILS,
    })
  })

  it.each(['text/plain+json', 'application/xml', 'text/json'])('does not read %s', (type) => {
    expect(step(type, named)).not.toHaveProperty('authorization_details')
  })

  it('reads a body of exactly 64 KiB, and not one byte more', () => {
    const sized = (bytes: number) => {
      const shell = JSON.stringify({
        error: 'insufficient_user_authentication',
        authorization_details: [{ type: 'payment_initiation', pad: '' }],
      })
      return shell.replace('"pad":""', `"pad":"${'x'.repeat(bytes - shell.length)}"`)
    }
    expect(sized(65536)).toHaveLength(65536)
    expect(step('application/json', sized(65536))).toMatchObject({
      authorization_details: [{ pad: expect.any(String) }],
    })
    expect(step('application/json', sized(65537))).not.toHaveProperty('authorization_details')
  })

  it('takes a JSON null body, or none at all, as no details', () => {
    expect(step('application/json', 'null')).not.toHaveProperty('authorization_details')
    const response = respond(401, STEP_UP, { headers: { 'content-type': 'application/json' } })
    const challenge = readStepUpChallenge(response)!
    expect(parseChallengeBody(challenge, response, null)).toBe(challenge)
  })

  it('returns what it is given when there is no challenge', () => {
    const response = respond(200, '')
    expect(
      parseChallengeBody(undefined as unknown as StepUpChallenge, response, '{}'),
    ).toBeUndefined()
  })
})
