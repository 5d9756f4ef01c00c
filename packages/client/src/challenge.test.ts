import { challengeKey } from '@stepup/internal/step-up'
import { describe, expect, it } from 'vitest'
import { parseChallengeBody, readStepUpChallenge } from './challenge.js'
import { StepUpError } from './errors.js'

const read = (value: string, status = 401) =>
  readStepUpChallenge(new Response(null, { status, headers: { 'www-authenticate': value } }))!

describe('challengeKey', () => {
  it('ignores error_description and realm, which do not change the requirement', () => {
    const a = read(
      'Bearer realm="a", error="insufficient_user_authentication", error_description="x", acr_values="gold"',
    )
    const b = read(
      'Bearer error="insufficient_user_authentication", error_description="y", acr_values="gold"',
    )
    expect(challengeKey(a)).toBe(challengeKey(b))
  })

  it('does not depend on parameter order', () => {
    const a = read('Bearer error="insufficient_user_authentication", max_age=5, acr_values="gold"')
    const b = read('Bearer acr_values="gold", max_age=5, error="insufficient_user_authentication"')
    expect(challengeKey(a)).toBe(challengeKey(b))
  })

  it.each([
    ['acr_values', 'acr_values="gold"', 'acr_values="platinum"'],
    ['acr_values order', 'acr_values="gold silver"', 'acr_values="silver gold"'],
    ['max_age', 'max_age=5', 'max_age=6'],
    ['scope', 'acr_values="gold", scope="a"', 'acr_values="gold", scope="b"'],
    [
      'resource_metadata',
      'max_age=5, resource_metadata="https://a.example/m"',
      'max_age=5, resource_metadata="https://b.example/m"',
    ],
  ])('tells challenges apart by %s', (_, x, y) => {
    const a = read(`Bearer error="insufficient_user_authentication", ${x}`)
    const b = read(`Bearer error="insufficient_user_authentication", ${y}`)
    expect(challengeKey(a)).not.toBe(challengeKey(b))
  })

  it('tells kinds and schemes apart', () => {
    const keys = [
      read('Bearer error="insufficient_scope", scope="a"', 403),
      read('Bearer error="insufficient_user_authentication", scope="a"'),
      read('DPoP error="insufficient_user_authentication", scope="a"'),
    ].map(challengeKey)
    expect(new Set(keys).size).toBe(3)
  })
})

describe('readStepUpChallenge: typed fields', () => {
  it('leaves out fields the challenge does not carry', () => {
    const challenge = read('Bearer error="insufficient_user_authentication"')
    expect(Object.keys(challenge).sort()).toEqual(['kind', 'raw', 'scheme'])
  })

  it('leaves out parameters that break their syntax (RFC 9728 §5.1 https URL)', () => {
    const challenge = read(
      'Bearer error="insufficient_user_authentication", acr_values="gold", resource_metadata="http://rs.example/m"',
    )
    expect(challenge).not.toHaveProperty('resource_metadata')
    expect(challenge.raw.params.resource_metadata).toBe('http://rs.example/m')
  })

  it.each([
    'http://localhost:8080/.well-known/oauth-protected-resource',
    'http://127.0.0.1/m',
    'http://[::1]:3000/m',
  ])('keeps an http: resource_metadata on loopback, for development: %s', (url) => {
    const challenge = read(
      `Bearer error="insufficient_user_authentication", resource_metadata="${url}"`,
    )
    expect(challenge.resource_metadata).toBe(url)
  })

  it.each(['http://127.0.0.2/m', 'http://localhost.example/m', 'ws://localhost/m'])(
    'leaves out an http: resource_metadata off loopback: %s',
    (url) => {
      const challenge = read(
        `Bearer error="insufficient_user_authentication", resource_metadata="${url}"`,
      )
      expect(challenge).not.toHaveProperty('resource_metadata')
    },
  )
})

describe('challengeKey: authorization_details', () => {
  const base = read('Bearer error="insufficient_user_authentication", acr_values="gold"')
  const detail = (amount: string, extra: object = {}) => ({
    type: 'payment_initiation',
    instructedAmount: { currency: 'EUR', amount },
    ...extra,
  })

  it('tells challenges apart by the details they name, at any depth', () => {
    const a = { ...base, authorization_details: [detail('10.00')] }
    const b = { ...base, authorization_details: [detail('99.00')] }
    expect(challengeKey(a)).not.toBe(challengeKey(b))
    expect(challengeKey(a)).not.toBe(challengeKey(base))
  })

  it('does not depend on the order of members inside the details', () => {
    const a = { ...base, authorization_details: [{ type: 't', x: { a: 1, b: 2 } }] }
    const b = { ...base, authorization_details: [{ x: { b: 2, a: 1 }, type: 't' }] }
    expect(challengeKey(a)).toBe(challengeKey(b))
  })
})

describe('readStepUpChallenge with body (draft-zehavi-oauth-rar-metadata, RFC 9396 §2)', () => {
  const DETAILS = [
    { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5' } },
  ]
  const respond = (
    status: number,
    header: string,
    body: unknown,
    contentType = 'application/json',
  ): [Response, string] => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    const headers = { 'www-authenticate': header, 'content-type': contentType }
    return [new Response(text, { status, headers }), text]
  }
  const STEP_UP = 'Bearer error="insufficient_user_authentication", acr_values="gold"'
  const DETAILS_403 = 'Bearer error="insufficient_authorization_details"'
  const parse = (status: number, header: string, body: unknown, contentType?: string) => {
    const [response, text] = respond(status, header, body, contentType)
    return readStepUpChallenge(response, { body: text })!
  }
  const refusal = (status: number, header: string, body: unknown, contentType?: string) => {
    try {
      parse(status, header, body, contentType)
    } catch (error) {
      return error
    }
    return undefined
  }

  it('adds the details a 401 insufficient_user_authentication body names', () => {
    const body = { error: 'insufficient_user_authentication', authorization_details: DETAILS }
    expect(parse(401, STEP_UP, body)).toMatchObject({
      kind: 'step_up',
      acr_values: ['gold'],
      authorization_details: DETAILS,
    })
  })

  it('adds the details a 403 insufficient_authorization_details body names', () => {
    const body = {
      error: 'insufficient_authorization_details',
      error_description: 'not covered',
      authorization_details: DETAILS,
    }
    expect(parse(403, DETAILS_403, body)).toMatchObject({
      kind: 'insufficient_authorization_details',
      authorization_details: DETAILS,
    })
  })

  it('reads application/*+json and media type parameters', () => {
    const body = { error: 'insufficient_authorization_details', authorization_details: DETAILS }
    expect(parse(403, DETAILS_403, body, 'application/problem+json; charset=utf-8')).toMatchObject({
      authorization_details: DETAILS,
    })
  })

  it.each([
    ['a body of another error', { error: 'invalid_request', authorization_details: DETAILS }],
    ['a body without error', { authorization_details: DETAILS }],
    ['a body that is not JSON', '<html>'],
    ['an empty body', ''],
    ['an empty list', { error: 'insufficient_user_authentication', authorization_details: [] }],
  ])('leaves a step-up as it is for %s', (_, body) => {
    const challenge = parse(401, STEP_UP, body)
    expect(challenge).not.toHaveProperty('authorization_details')
    expect(challenge.kind).toBe('step_up')
  })

  it('leaves a step-up as it is when the body is not JSON by its content type', () => {
    const body = { error: 'insufficient_user_authentication', authorization_details: DETAILS }
    expect(parse(401, STEP_UP, body, 'text/plain')).not.toHaveProperty('authorization_details')
  })

  it('does not read a body over 64 KiB', () => {
    const big = [{ type: 't', pad: 'x'.repeat(65536) }]
    const body = { error: 'insufficient_user_authentication', authorization_details: big }
    expect(parse(401, STEP_UP, body)).not.toHaveProperty('authorization_details')
    expect(
      refusal(403, DETAILS_403, { ...body, error: 'insufficient_authorization_details' }),
    ).toMatchObject({
      code: 'ERR_CHALLENGE_INVALID',
    })
  })

  it.each([
    ['not an array', { type: 'x' }, /authorization_details must be an array \(RFC 9396 §2\)/],
    ['a string in the array', ['x'], /authorization_details\[0\] must be an object/],
    [
      'a detail without type',
      [{ actions: ['read'] }],
      /authorization_details\[0\]\.type must be a non-empty string/,
    ],
    ['a detail with a number type', [{ type: 7 }], /\[0\]\.type must be a non-empty string/],
    ['an empty type', [{ type: '' }], /\[0\]\.type/],
    [
      'string actions',
      [{ type: 't', actions: 'read' }],
      /\[0\]\.actions must be an array of strings/,
    ],
    ['a numeric identifier', [{ type: 't', identifier: 1 }], /\[0\]\.identifier must be a string/],
  ])('refuses details that are %s', (_, details, message) => {
    const error = refusal(401, STEP_UP, {
      error: 'insufficient_user_authentication',
      authorization_details: details,
    })
    expect(error).toBeInstanceOf(StepUpError)
    expect(error).toMatchObject({
      code: 'ERR_CHALLENGE_INVALID',
      challenge: { kind: 'step_up' },
      message: expect.stringMatching(message),
    })
  })

  it.each([
    ['no body', ''],
    ['a body without details', { error: 'insufficient_authorization_details' }],
    ['an empty list', { error: 'insufficient_authorization_details', authorization_details: [] }],
  ])('refuses an insufficient_authorization_details with %s', (_, body) => {
    expect(refusal(403, DETAILS_403, body)).toMatchObject({
      code: 'ERR_CHALLENGE_INVALID',
      message: expect.stringMatching(/insufficient_authorization_details/),
    })
  })

  it('returns other kinds unchanged without reading the body', () => {
    const [response] = respond(403, 'Bearer error="insufficient_scope", scope="a"', '')
    const challenge = readStepUpChallenge(response)!
    expect(parseChallengeBody(challenge, response, 'not json')).toBe(challenge)
    expect(readStepUpChallenge(response, { body: 'not json' })).toStrictEqual(challenge)
  })

  it('reads only the header without body: insufficient_authorization_details names no details', () => {
    const body = { error: 'insufficient_authorization_details', authorization_details: DETAILS }
    const [response] = respond(403, DETAILS_403, body)
    const challenge = readStepUpChallenge(response)
    expect(challenge?.kind).toBe('insufficient_authorization_details')
    expect(challenge).not.toHaveProperty('authorization_details')
  })

  it('gives what the step-up fetch reads: the same challenge as parseChallengeBody', () => {
    const body = { error: 'insufficient_user_authentication', authorization_details: DETAILS }
    const [response, text] = respond(401, STEP_UP, body)
    expect(readStepUpChallenge(response, { body: text })).toStrictEqual(
      parseChallengeBody(readStepUpChallenge(response)!, response, text),
    )
  })

  it.each([
    [null, 'ERR_INVALID_ARG_TYPE'],
    [new Uint8Array(2), 'ERR_INVALID_ARG_TYPE'],
  ])('refuses a body that is not a string (%o)', (body, code) => {
    const [response] = respond(401, STEP_UP, '')
    expect(() => readStepUpChallenge(response, { body: body as never })).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code,
        message: 'readStepUpChallenge: body must be the response body as a string',
      }),
    )
  })
})
