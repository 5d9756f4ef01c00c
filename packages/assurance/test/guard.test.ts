import { describe, expect, it, vi } from 'vitest'
import { parseAccessTokenClaims } from '../src/claims.ts'
import { AccessTokenError } from '../src/errors.ts'
import { createStepUpGuard, type HttpRequestView, type StepUpEvent } from '../src/http.ts'
import { amountThreshold, createRiskPolicy, destructiveMethod, newDevice } from '../src/index.ts'
import { INVALID_REQUEST, InvalidRequestError } from '../src/request-input.ts'

const NOW = 1_700_000_000
const TYPE = 'payment_initiation'
const payment = (amount: string) => ({
  type: TYPE,
  instructedAmount: { currency: 'EUR', amount },
})
const claimsFor = (token: string) => {
  const base = { iss: 'https://as.example.com', sub: 'alice', scope: 'transfers', jti: token }
  if (token === 'strong')
    return parseAccessTokenClaims({
      ...base,
      acr: 'phrh',
      auth_time: NOW - 5,
      authorization_details: [payment('10000')],
    })
  if (token === 'weak')
    return parseAccessTokenClaims({ ...base, acr: 'urn:bank:pwd', auth_time: NOW - 5 })
  if (token === 'bound')
    return parseAccessTokenClaims({
      ...base,
      acr: 'phrh',
      auth_time: NOW - 5,
      cnf: { jkt: 'key-1' },
    })
  throw new Error('unknown token')
}
const verify = vi.fn(async (token: string) => claimsFor(token))

interface ViewInit {
  method?: string
  url?: string
  headers?: Record<string, string>
  body?: unknown
}
/** A request view that counts how often its body is read. */
function request(init: ViewInit = {}) {
  let reads = 0
  const view: HttpRequestView = {
    method: init.method ?? 'POST',
    url: init.url ?? '/transfers',
    headers: init.headers ?? {},
    body: () => {
      reads++
      if (init.body instanceof Error) throw init.body
      return init.body
    },
  }
  return { view, reads: () => reads }
}
const json = (token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
  request({
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': '100',
      ...(token && { authorization: `Bearer ${token}` }),
      ...headers,
    },
  })

const transfers = createRiskPolicy([
  amountThreshold({
    type: TYPE,
    thresholds: [
      { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
      { atLeast: '10000', acr_values: ['phrh'], max_age: 60 },
    ],
  }),
])
const events: StepUpEvent[] = []
const guard = createStepUpGuard<null>({
  verify,
  requirement: transfers,
  now: () => NOW,
  onDecision: (e) => events.push(e),
})
const bodyOf = (outcome: Awaited<ReturnType<typeof guard>>) => (outcome.ok ? null : outcome.body)

describe('a policy that cannot read its input denies', () => {
  it.each([
    ['text/plain', { authorization_details: [payment('10000')] }, INVALID_REQUEST.unsupported],
    ['', { authorization_details: [payment('10000')] }, INVALID_REQUEST.unsupported],
    ['application/json', [1, 2], INVALID_REQUEST.notObject],
    ['application/json', 'x', INVALID_REQUEST.notObject],
    [
      'application/json',
      { amount: '10000' },
      'The request has no authorization_details of type payment_initiation',
    ],
    ['application/json', { authorization_details: {} }, INVALID_REQUEST.details],
  ])('%s %j → 400 invalid_request', async (type, body, description) => {
    const { view } = json('strong', body, { 'content-type': type })
    const outcome = await guard(view, null)
    expect(outcome).toMatchObject({ ok: false, status: 400 })
    expect(bodyOf(outcome)).toEqual({ error: 'invalid_request', error_description: description })
    expect(!outcome.ok && outcome.headers['www-authenticate']).toBe(
      `Bearer error="invalid_request", error_description="${description}"`,
    )
  })

  it('passes on the error the body reader raised (malformed, too large)', async () => {
    for (const message of [INVALID_REQUEST.malformed, INVALID_REQUEST.tooLarge]) {
      const { view } = json('strong', new InvalidRequestError(message))
      expect(bodyOf(await guard(view, null))).toEqual({
        error: 'invalid_request',
        error_description: message,
      })
    }
  })

  it('refuses a Content-Length over bodyLimit without reading the body', async () => {
    const small = createStepUpGuard<null>({
      verify,
      requirement: transfers,
      bodyLimit: 10,
      now: () => NOW,
    })
    const r = json('strong', { authorization_details: [payment('1')] }, { 'content-length': '11' })
    expect(bodyOf(await small(r.view, null))).toEqual({
      error: 'invalid_request',
      error_description: INVALID_REQUEST.tooLarge,
    })
    expect(r.reads()).toBe(0)
  })

  it('hands the body reader the limit', async () => {
    const seen: number[] = []
    const limited = createStepUpGuard<null>({
      verify,
      requirement: transfers,
      bodyLimit: 512,
      now: () => NOW,
    })
    const { view } = json('strong', undefined)
    await limited(
      {
        ...view,
        body: (limit) => {
          seen.push(limit)
          return { authorization_details: [payment('1')] }
        },
      },
      null,
    )
    expect(seen).toEqual([512])
  })

  it('reads the body only after the token is verified', async () => {
    for (const token of [undefined, 'forged']) {
      const r = json(token, { authorization_details: [payment('10000')] })
      const outcome = await guard(r.view, null)
      expect(outcome).toMatchObject({ ok: false, status: 401 })
      expect(r.reads()).toBe(0)
    }
  })

  it('steps up a weak token, and lets a strong one through with the details', async () => {
    const weak = await guard(json('weak', { authorization_details: [payment('10000')] }).view, null)
    expect(weak).toMatchObject({ ok: false, status: 401 })
    const strong = await guard(
      json('strong', { authorization_details: [payment('10000')] }).view,
      null,
    )
    expect(strong.ok || strong.body).toBe(true)
  })

  it('reads a form body before verification (RFC 6750 §2.2), within the limit', async () => {
    const r = request({
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '99999' },
      body: { access_token: 'strong' },
    })
    expect(bodyOf(await guard(r.view, null))).toEqual({
      error: 'invalid_request',
      error_description: INVALID_REQUEST.tooLarge,
    })
    expect(r.reads()).toBe(0)
  })

  it('keeps a rule’s own description within what RFC 6750 §3 lets a challenge carry', async () => {
    const quoting = createStepUpGuard<null>({
      verify,
      requirement: createRiskPolicy([
        {
          name: 'q',
          evaluate: () => {
            throw new InvalidRequestError('Say "why" \\ plainly é')
          },
        },
      ]),
    })
    expect(bodyOf(await quoting(json('strong', {}).view, null))).toEqual({
      error: 'invalid_request',
      error_description: 'Say why  plainly ',
    })
  })

  it('answers a target that does not parse with 400, and reads // as a path', async () => {
    const admin = createStepUpGuard<null>({
      verify,
      requirement: createRiskPolicy([
        destructiveMethod({ path: '/admin', requirement: { acr_values: ['phrh'] } }),
      ]),
      now: () => NOW,
    })
    const bad = await admin(
      request({ method: 'DELETE', url: '/admin%zz', headers: { authorization: 'Bearer weak' } })
        .view,
      null,
    )
    expect(bodyOf(bad)).toEqual({
      error: 'invalid_request',
      error_description: INVALID_REQUEST.target,
    })
    const slashes = await admin(
      request({ method: 'GET', url: '//?x', headers: { authorization: 'Bearer weak' } }).view,
      null,
    )
    expect(slashes).toMatchObject({ ok: true })
    const dup = await admin(
      request({
        method: 'DELETE',
        url: '//Admin/users/1',
        headers: { authorization: 'Bearer weak' },
      }).view,
      null,
    )
    expect(dup).toMatchObject({ ok: false, status: 401 })
  })
})

describe('a failure of what the decision depends on is a 503, never a pass', () => {
  const UNAVAILABLE = {
    error: 'temporarily_unavailable',
    error_description: 'The request cannot be authorized right now',
  }
  const cases: [string, Parameters<typeof createStepUpGuard<null>>[0]][] = [
    [
      'a rule that throws',
      {
        verify,
        requirement: createRiskPolicy([
          {
            name: 'boom',
            evaluate: () => {
              throw new Error('db at 10.0.0.7 down')
            },
          },
        ]),
      },
    ],
    [
      'a signals function that throws',
      {
        verify,
        requirement: createRiskPolicy([newDevice()]),
        signals: () => {
          throw new Error('geo service down')
        },
      },
    ],
    [
      'a signal that is not wired',
      { verify, requirement: createRiskPolicy([newDevice()]), signals: () => ({}) },
    ],
    [
      'a requirement function that throws',
      {
        verify,
        requirement: () => {
          throw new Error('config service down')
        },
      },
    ],
    [
      'a grant store that is down',
      {
        verify,
        requirement: createRiskPolicy([{ name: 'once', evaluate: () => ({ singleUse: true }) }], {
          grants: {
            has: async () => false,
            add: async () => {
              throw new Error('connect ECONNREFUSED 127.0.0.1:6390')
            },
          },
        }),
      },
    ],
  ]
  it.each(cases)('%s', async (_, options) => {
    const seen: StepUpEvent[] = []
    const g = createStepUpGuard<null>({
      ...options,
      now: () => NOW,
      onDecision: (e) => seen.push(e),
    })
    const outcome = await g(json('strong', { authorization_details: [payment('1')] }).view, null)
    expect(outcome).toMatchObject({ ok: false, status: 503, body: UNAVAILABLE })
    expect(!outcome.ok && outcome.headers['www-authenticate']).toBeUndefined()
    expect(JSON.stringify(outcome)).not.toMatch(/10\.0\.0\.7|ECONNREFUSED|service down/)
    expect(seen).toEqual([
      expect.objectContaining({ ok: false, status: 503, cause: expect.any(Error) }),
    ])
    expect(seen[0]?.reason).toEqual(expect.any(String))
  })

  it('never rejects, even when reading the request itself throws', async () => {
    const outcome = await guard(json('strong', new RangeError('socket hang up')).view, null)
    expect(outcome).toMatchObject({ ok: false, status: 503 })
  })
})

describe('DPoP proofs are recorded only for a verified, bound token (RFC 9449 §11.1)', () => {
  const consume = vi.fn(async () => undefined)
  const dpopGuard = (c: () => Promise<void>) =>
    createStepUpGuard<null>({
      verify,
      requirement: {},
      dpop: { algs: ['ES256'], verifyProof: async () => ({ jkt: 'key-1', consume: c }) },
    })
  const dpop = (token: string) =>
    request({
      method: 'GET',
      url: '/accounts',
      headers: { authorization: `DPoP ${token}`, dpop: 'proof' },
    }).view

  it('does not consume the proof when the token is refused or bound to another key', async () => {
    consume.mockClear()
    const g = dpopGuard(consume)
    expect(await g(dpop('forged'), null)).toMatchObject({
      status: 401,
      body: { error: 'invalid_token' },
    })
    expect(await g(dpop('strong'), null)).toMatchObject({
      status: 401,
      body: { error: 'invalid_token' },
    })
    expect(consume).not.toHaveBeenCalled()
    expect(await g(dpop('bound'), null)).toMatchObject({ ok: true })
    expect(consume).toHaveBeenCalledTimes(1)
  })

  it('answers a replay with invalid_dpop_proof and a store outage with 503', async () => {
    const replayed = Object.assign(new Error('replayed'), { code: 'ERR_DPOP_REPLAYED' })
    expect(await dpopGuard(() => Promise.reject(replayed))(dpop('bound'), null)).toMatchObject({
      status: 401,
      body: { error: 'invalid_dpop_proof' },
    })
    expect(
      await dpopGuard(() => Promise.reject(new Error('ECONNREFUSED')))(dpop('bound'), null),
    ).toMatchObject({
      status: 503,
      body: { error: 'temporarily_unavailable' },
    })
  })
})

describe('sender constraints other than DPoP (RFC 8705 §3)', () => {
  const x5t = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2'
  const mtlsVerify = async () =>
    parseAccessTokenClaims({ sub: 'alice', acr: 'phrh', cnf: { 'x5t#S256': x5t } })
  const bearer = request({
    method: 'GET',
    url: '/accounts',
    headers: { authorization: 'Bearer m' },
  })

  it('refuses a certificate-bound token without the certificate thumbprint', async () => {
    const g = createStepUpGuard<null>({ verify: mtlsVerify })
    expect(await g(bearer.view, null)).toMatchObject({
      status: 401,
      body: { error: 'invalid_token' },
    })
  })

  it('accepts it when certificateThumbprint gives the matching thumbprint, only then', async () => {
    const ok = createStepUpGuard<null>({ verify: mtlsVerify, certificateThumbprint: () => x5t })
    expect(await ok(bearer.view, null)).toMatchObject({ ok: true })
    const other = createStepUpGuard<null>({ verify: mtlsVerify, certificateThumbprint: () => 'x' })
    expect(await other(bearer.view, null)).toMatchObject({ status: 401 })
  })
})

describe('options are checked completely', () => {
  it.each([
    [
      { verify, relam: 'bank' },
      'createStepUpGuard: unknown option "relam" (did you mean "realm"?)',
    ],
    [
      { verify, requirements: {} },
      'createStepUpGuard: unknown option "requirements" (did you mean "requirement"?)',
    ],
    [
      { verify, requirement: { acr_value: ['phr'], maxAge: 300 } },
      'requirement: unknown option "acr_value" (did you mean "acr_values"?)',
    ],
    [
      { verify, dpop: { algs: ['ES256'], verifyproof: async () => ({ jkt: 'k' }) } },
      'createStepUpGuard: dpop: unknown option "verifyproof" (did you mean "verifyProof"?)',
    ],
  ])('%j', (options, message) => {
    expect(() => createStepUpGuard(options as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_UNKNOWN_OPTION', message }),
    )
  })

  it('refuses a policy not made by createRiskPolicy, and a bad bodyLimit', () => {
    expect(() =>
      createStepUpGuard({ verify, requirement: { decide: async () => ({}) } as never }),
    ).toThrow(TypeError)
    for (const bodyLimit of [-1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => createStepUpGuard({ verify, bodyLimit })).toThrow(TypeError)
    }
  })
})

describe('exposeChallenge', () => {
  it('lets browsers read Retry-After too when a 503 carries one', async () => {
    const busy = async () => {
      throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'kid not yet fetchable', {
        retryAfter: 7,
      })
    }
    const g = createStepUpGuard<null>({ verify: busy, exposeChallenge: true })
    const outcome = await g(
      request({ method: 'GET', headers: { authorization: 'Bearer x' } }).view,
      null,
    )
    expect(outcome).toMatchObject({
      ok: false,
      status: 503,
      headers: {
        'retry-after': '7',
        'access-control-expose-headers': 'WWW-Authenticate, Retry-After',
      },
    })
  })
})

describe('onDecision', () => {
  it('cannot change the answer by throwing', async () => {
    const g = createStepUpGuard<null>({
      verify,
      onDecision: () => {
        throw new Error('log sink down')
      },
    })
    expect(
      await g(request({ method: 'GET', headers: { authorization: 'Bearer strong' } }).view, null),
    ).toMatchObject({ ok: true })
    expect(await g(request({ method: 'GET' }).view, null)).toMatchObject({ ok: false, status: 401 })
  })

  it('says in words why a decision failed', async () => {
    events.length = 0
    await guard(json('weak', { authorization_details: [payment('10000')] }).view, null)
    expect(events.at(-1)).toMatchObject({
      ok: false,
      status: 401,
      error: 'insufficient_user_authentication',
      reason:
        'acr_not_satisfied (acr: one of phrh); authorization_details_not_covered (authorization_details: missing payment_initiation detail)',
    })
  })
})
