import { createAcrRegistry } from '@stepup/acr'
import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type AccessTokenClaims, parseAccessTokenClaims } from '../src/claims.ts'
import { AccessTokenError } from '../src/errors.ts'
import {
  createStepUpGuard,
  describeReasons,
  type HttpRequestView,
  readRequestBody,
  type StepUpEvent,
  type StepUpGuardOptions,
  type StepUpOutcome,
} from '../src/http.ts'
import { createRiskPolicy, newDevice } from '../src/index.ts'
import { INVALID_REQUEST, InvalidRequestError } from '../src/request-input.ts'

const NOW = 1_700_000_000
const claims = parseAccessTokenClaims({
  iss: 'https://as.example.com',
  sub: 'alice',
  acr: 'phr',
  auth_time: NOW - 10,
  scope: 'accounts',
})
const verify = vi.fn(async (token: string): Promise<AccessTokenClaims> => {
  if (token === 'good') return claims
  if (token === 'gold') return parseAccessTokenClaims({ ...claims.raw, acr: 'gold' })
  throw new AccessTokenError('ERR_TOKEN_SIGNATURE_INVALID', 'signature does not verify')
})

interface ViewInit {
  readonly method?: string
  readonly url?: string
  readonly headers?: HttpRequestView['headers']
  readonly body?: unknown
}
/** A request view that counts how often its body is read. */
function request(init: ViewInit = {}) {
  let reads = 0
  const view: HttpRequestView = {
    method: init.method ?? 'GET',
    url: init.url ?? '/accounts',
    headers: init.headers ?? { authorization: 'Bearer good' },
    body: () => {
      reads++
      return init.body
    },
  }
  return { view, reads: () => reads }
}
const bearer = (headers: Record<string, string> = {}, init: ViewInit = {}) =>
  request({ ...init, headers: { authorization: 'Bearer good', ...headers } }).view
const guardOf = (options: Partial<StepUpGuardOptions<null>> = {}) =>
  createStepUpGuard<null>({ verify, now: () => NOW, ...options })
const events = () => {
  const seen: StepUpEvent[] = []
  return { seen, onDecision: (e: StepUpEvent) => seen.push(e) }
}
const challengeOf = (outcome: StepUpOutcome) =>
  outcome.ok ? undefined : outcome.headers['www-authenticate']
const bodyOf = (outcome: StepUpOutcome) => (outcome.ok ? undefined : outcome.body)

afterEach(() => {
  vi.useRealTimers()
})

describe('readRequestBody', () => {
  it('is undefined for a request without a body stream', async () => {
    expect(await readRequestBody('application/json', undefined, 100)).toBeUndefined()
    expect(await readRequestBody('application/json', null, 100)).toBeUndefined()
  })
})

describe('the guard reads request headers', () => {
  it('from web Headers', async () => {
    const view = request({ headers: new Headers({ authorization: 'Bearer good' }) }).view
    expect(await guardOf()(view, null)).toMatchObject({ ok: true })
  })

  it('joins repeated field lines with ", ", so two DPoP proofs reach verifyProof as one value', async () => {
    const verifyProof = vi.fn(async (_proof: string | null) => ({
      jkt: 'k',
      consume: async () => undefined,
    }))
    const guard = guardOf({ dpop: { algs: ['ES256'], verifyProof } })
    await guard(request({ headers: { authorization: 'DPoP good', dpop: ['p1', 'p2'] } }).view, null)
    expect(verifyProof.mock.calls[0]?.[0]).toBe('p1, p2')
  })

  it('reads a header value that is neither a string nor a list as absent', async () => {
    const verifyProof = vi.fn(async (_proof: string | null) => ({
      jkt: 'k',
      consume: async () => undefined,
    }))
    const guard = guardOf({ dpop: { algs: ['ES256'], verifyProof } })
    const headers = { authorization: 'DPoP good', dpop: 5 } as unknown as Record<string, string>
    await guard(request({ headers }).view, null)
    expect(verifyProof.mock.calls[0]?.[0]).toBeNull()
  })
})

describe('createStepUpGuard: options', () => {
  const typeError = (code: string, message: string) =>
    expect.objectContaining({ name: 'TypeError', code, message })

  it('accepts every documented option together', () => {
    expect(() =>
      createStepUpGuard<null>({
        verify,
        requirement: {},
        signals: () => ({}),
        realm: 'bank',
        resourceMetadata: 'https://rs.example.com/.well-known/oauth-protected-resource',
        acrRegistry: createAcrRegistry(),
        authorizationDetailsRegistry: createAuthorizationDetailsRegistry([], {
          allowUnknownTypes: true,
        }),
        clockTolerance: 5,
        bodyLimit: 1024,
        certificateThumbprint: () => undefined,
        dpop: { algs: ['ES256'] },
        exposeChallenge: true,
        onDecision: () => undefined,
        now: () => NOW,
      }),
    ).not.toThrow()
  })

  it('accepts the keys an adapter reads itself, and names the adapter in errors', () => {
    expect(() =>
      createStepUpGuard({ verify, cookie: 'a' } as never, 'myAdapter', ['cookie']),
    ).not.toThrow()
    expect(() =>
      createStepUpGuard({ verify, cookies: 'a' } as never, 'myAdapter', ['cookie']),
    ).toThrow('myAdapter: unknown option "cookies" (did you mean "cookie"?)')
  })

  it('refuses a verify that is neither a function nor a verifier', () => {
    const message = 'createStepUpGuard: verify must be a function or an access token verifier'
    for (const bad of [undefined, 5, {}, { verify: 'x' }]) {
      expect(() => createStepUpGuard({ verify: bad } as never)).toThrow(
        typeError('ERR_INVALID_ARG_TYPE', message),
      )
    }
  })

  it('takes a verifier object and calls its verify', async () => {
    const verifier = { verify: vi.fn(async () => claims) }
    expect(await guardOf({ verify: verifier })(bearer(), null)).toMatchObject({ ok: true })
    expect(verifier.verify).toHaveBeenCalledWith('good', { scheme: 'Bearer' })
  })

  it('hands a verifier only the presentation it has: no x5tS256 member without a certificate', async () => {
    const seen: object[] = []
    const verifier = {
      verify: async (_token: string, presentation: object) => {
        seen.push(presentation)
        return claims
      },
    }
    await guardOf({ verify: verifier, certificateThumbprint: () => undefined })(bearer(), null)
    expect(seen.map((p) => Object.keys(p))).toEqual([['scheme']])
  })

  it('names createStepUpGuard when no caller is given', () => {
    expect(() => createStepUpGuard({ verify, realmz: 'bank' } as never)).toThrow(
      typeError(
        'ERR_UNKNOWN_OPTION',
        'createStepUpGuard: unknown option "realmz" (did you mean "realm"?)',
      ),
    )
  })

  it('refuses the former policy option, pointing to requirement', () => {
    expect(() => createStepUpGuard({ verify, policy: createRiskPolicy([]) } as never)).toThrow(
      typeError(
        'ERR_UNKNOWN_OPTION',
        'createStepUpGuard: unknown option "policy" (did you mean "requirement"?)',
      ),
    )
  })

  it.each([
    ['acr', 'acrRegistry'],
    ['authorizationDetails', 'authorizationDetailsRegistry'],
  ])('refuses the former registry option %s, pointing to %s', (old, now) => {
    expect(() => createStepUpGuard({ verify, [old]: {} } as never)).toThrow(
      typeError(
        'ERR_UNKNOWN_OPTION',
        `createStepUpGuard: unknown option "${old}" (did you mean "${now}"?)`,
      ),
    )
  })

  it('takes a policy that createRiskPolicy did not make as a requirement object, and refuses it', () => {
    expect(() =>
      createStepUpGuard({ verify, requirement: { decide: async () => ({}) } as never }),
    ).toThrow(typeError('ERR_UNKNOWN_OPTION', 'requirement: unknown option "decide"'))
  })

  it('checks a fixed requirement when built, a requirement function only when called', () => {
    expect(() => createStepUpGuard({ verify, requirement: { max_age: -1 } })).toThrow(
      typeError('ERR_INVALID_ARG_VALUE', 'invalid option "max_age"'),
    )
    expect(() => createStepUpGuard({ verify, requirement: () => ({ max_age: -1 }) })).not.toThrow()
  })

  it('accepts a bodyLimit of 0, and names bodyLimit when refusing one', () => {
    expect(() => createStepUpGuard({ verify, bodyLimit: 0 })).not.toThrow()
    expect(() => createStepUpGuard({ verify, bodyLimit: -1 })).toThrow(
      typeError(
        'ERR_INVALID_ARG_VALUE',
        'createStepUpGuard: bodyLimit must be a non-negative integer',
      ),
    )
  })
})

describe('createStepUpGuard: the challenge it renders', () => {
  const bare = request({ headers: {} }).view

  it('is a bare Bearer challenge by default', async () => {
    expect(challengeOf(await guardOf()(bare, null))).toBe('Bearer')
  })

  it('adds realm and resource_metadata when given', async () => {
    const guard = guardOf({ realm: 'bank', resourceMetadata: 'https://rs.example.com/meta' })
    expect(challengeOf(await guard(bare, null))).toBe(
      'Bearer realm="bank", resource_metadata="https://rs.example.com/meta"',
    )
  })

  it('offers DPoP with its algs next to Bearer when DPoP is accepted', async () => {
    const guard = guardOf({ dpop: { algs: ['ES256', 'EdDSA'] } })
    expect(challengeOf(await guard(bare, null))).toBe('Bearer, DPoP algs="ES256 EdDSA"')
  })

  it('refuses a DPoP token when no verifyProof is configured', async () => {
    const guard = guardOf({ dpop: { algs: ['ES256'] } })
    const outcome = await guard(bearer({ authorization: 'DPoP good' }), null)
    expect(bodyOf(outcome)).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'DPoP proofs are not accepted here',
    })
  })

  it('answers a malformed Authorization header with a Bearer invalid_request', async () => {
    const outcome = await guardOf({ realm: 'bank' })(bearer({ authorization: 'Bearer a b' }), null)
    expect(challengeOf(outcome)).toMatch(/^Bearer realm="bank", error="invalid_request"/)
  })
})

describe('createStepUpGuard: evaluation options', () => {
  it('decides acr with the acr registry given', async () => {
    const acr = createAcrRegistry([{ value: 'silver' }, { value: 'gold', satisfies: ['silver'] }])
    const guard = guardOf({ acrRegistry: acr, requirement: { acr_values: ['silver'] } })
    expect(await guard(bearer({ authorization: 'Bearer gold' }), null)).toMatchObject({ ok: true })
  })

  it('compares authorization_details with the registry given', async () => {
    const authorizationDetails = createAuthorizationDetailsRegistry([], {
      allowUnknownTypes: true,
    })
    const covers = vi.spyOn(authorizationDetails, 'covers')
    const guard = guardOf({
      authorizationDetailsRegistry: authorizationDetails,
      requirement: { authorization_details: [{ type: 'x' }] },
    })
    await guard(bearer(), null)
    expect(covers).toHaveBeenCalledTimes(1)
  })

  it('applies clockTolerance to max_age', async () => {
    const requirement = { max_age: 8 }
    expect(await guardOf({ requirement })(bearer(), null)).toMatchObject({ ok: false })
    expect(await guardOf({ requirement, clockTolerance: 2 })(bearer(), null)).toMatchObject({
      ok: true,
    })
  })

  it('evaluates at the time now gives', async () => {
    const requirement = { max_age: 60 }
    expect(await guardOf({ requirement })(bearer(), null)).toMatchObject({ ok: true })
    expect(await guardOf({ requirement, now: () => NOW + 100 })(bearer(), null)).toMatchObject({
      ok: false,
    })
  })

  it('reads the system clock, in seconds, without now', async () => {
    vi.useFakeTimers({ now: NOW * 1000 })
    const guard = createStepUpGuard<null>({ verify, requirement: { max_age: 60 } })
    expect(await guard(bearer(), null)).toMatchObject({ ok: true })
    vi.setSystemTime((NOW + 100) * 1000)
    expect(await guard(bearer(), null)).toMatchObject({ ok: false })
  })

  it('calls a requirement function with the request and evaluates what it returns', async () => {
    const requirement = vi.fn(() => ({ acr_values: ['phrh'] }))
    const guard = createStepUpGuard<string>({ verify, requirement, now: () => NOW })
    const outcome = await guard(bearer(), 'the request')
    expect(requirement).toHaveBeenCalledWith('the request')
    expect(challengeOf(outcome)).toContain('acr_values="phrh"')
  })

  it('hands the route a fixed requirement as its decision, no rule fired', async () => {
    const outcome = await guardOf({ requirement: { scope: ['accounts'] } })(bearer(), null)
    expect(outcome.ok && outcome.auth.decision).toEqual({
      requirement: { scope: ['accounts'] },
      fired: [],
      singleUse: false,
      result: { ok: true, claims },
    })
  })
})

describe('createStepUpGuard: bodies', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' }

  it('takes an access_token from a form body (RFC 6750 §2.2)', async () => {
    const r = request({ method: 'POST', headers: form, body: { access_token: 'good' } })
    expect(await guardOf()(r.view, null)).toMatchObject({ ok: true })
  })

  it('does not read a GET request body, even one said to be a form', async () => {
    const r = request({ headers: { ...form, authorization: 'Bearer good' }, body: {} })
    await guardOf()(r.view, null)
    expect(r.reads()).toBe(0)
  })

  it('reads a form body once, for the token and the policy', async () => {
    const r = request({
      method: 'POST',
      headers: form,
      body: { access_token: 'good' },
    })
    const outcome = await guardOf({ requirement: createRiskPolicy([]) })(r.view, null)
    expect(outcome).toMatchObject({ ok: true })
    expect(r.reads()).toBe(1)
  })

  it('answers a form body over the limit with a Bearer invalid_request', async () => {
    const r = request({
      method: 'POST',
      headers: { ...form, 'content-length': '11' },
      body: { access_token: 'good' },
    })
    const outcome = await guardOf({ bodyLimit: 10 })(r.view, null)
    expect(challengeOf(outcome)).toBe(
      `Bearer error="invalid_request", error_description="${INVALID_REQUEST.tooLarge}"`,
    )
  })

  it('reads a body whose Content-Length is exactly the limit', async () => {
    const r = request({
      method: 'POST',
      headers: { ...form, 'content-length': '10' },
      body: { access_token: 'good' },
    })
    expect(await guardOf({ bodyLimit: 10 })(r.view, null)).toMatchObject({ ok: true })
  })

  it('refuses a JSON body that is null for a policy', async () => {
    const r = request({
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
      body: null,
    })
    const outcome = await guardOf({ requirement: createRiskPolicy([]) })(r.view, null)
    expect(bodyOf(outcome)).toEqual({
      error: 'invalid_request',
      error_description: INVALID_REQUEST.notObject,
    })
  })

  it.each([
    ['not an array', { type: 'x' }],
    ['an array with an entry that is not an object', [{ type: 'x' }, 'y']],
    ['an array with a null entry', [null]],
    ['an array with an entry without a type', [{ type: 'x' }, { amount: '1' }]],
  ])('refuses authorization_details %s, the cause saying what they must be', async (_, details) => {
    const { seen, onDecision } = events()
    const r = request({
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
      body: { authorization_details: details },
    })
    const outcome = await guardOf({ requirement: createRiskPolicy([]), onDecision })(r.view, null)
    expect(bodyOf(outcome)).toEqual({
      error: 'invalid_request',
      error_description: INVALID_REQUEST.details,
    })
    const cause = seen[0]?.cause as Error & { cause: Error }
    expect(cause.cause.message).toBe(
      'authorization_details must be an array of objects with a type',
    )
  })

  it('passes the app signals to the policy', async () => {
    const policy = createRiskPolicy([newDevice({ requirement: { acr_values: ['phrh'] } })])
    const guard = (newDevice: boolean) =>
      guardOf({ requirement: policy, signals: () => ({ newDevice }) })(bearer(), null)
    expect(await guard(false)).toMatchObject({ ok: true })
    expect(await guard(true)).toMatchObject({ ok: false, status: 401 })
  })

  it('decides a policy with the guard acr registry and clock', async () => {
    const acr = createAcrRegistry([{ value: 'silver' }, { value: 'gold', satisfies: ['silver'] }])
    const policy = createRiskPolicy([
      { name: 'silver', evaluate: () => ({ acr_values: ['silver'], max_age: 60 }) },
    ])
    const gold = bearer({ authorization: 'Bearer gold' })
    expect(await guardOf({ requirement: policy, acrRegistry: acr })(gold, null)).toMatchObject({
      ok: true,
    })
    const later = guardOf({ requirement: policy, acrRegistry: acr, now: () => NOW + 100 })
    expect(await later(gold, null)).toMatchObject({ ok: false, status: 401 })
  })
})

describe('createStepUpGuard: what verification hands on', () => {
  it('leaves the sender constraint of a verifier’s claims to that verifier', async () => {
    const bound = parseAccessTokenClaims({ ...claims.raw, cnf: { jwk: { kty: 'OKP' } } })
    const verifier = { verify: async () => bound }
    expect(await guardOf({ verify: verifier })(bearer(), null)).toMatchObject({ ok: true })
  })

  it('answers anything a verify function throws, but the verifier’s outage error, with 401', async () => {
    const outage = Object.assign(new Error('upstream 503'), { temporary: true, status: 503 })
    const guard = guardOf({
      verify: async () => {
        throw outage
      },
    })
    expect(await guard(bearer(), null)).toMatchObject({
      ok: false,
      status: 401,
      body: { error: 'invalid_token' },
    })
  })

  it('tells onDecision why a token was refused', async () => {
    const { seen, onDecision } = events()
    await guardOf({ onDecision })(bearer({ authorization: 'Bearer forged' }), null)
    expect(seen).toEqual([
      expect.objectContaining({
        ok: false,
        status: 401,
        error: 'invalid_token',
        reason: 'AccessTokenError: signature does not verify',
        cause: expect.any(AccessTokenError),
      }),
    ])
  })
})

describe('createStepUpGuard: DPoP proofs', () => {
  const dpopView = () => bearer({ authorization: 'DPoP good', dpop: 'the-proof' })
  const boundVerify = async () => parseAccessTokenClaims({ ...claims.raw, cnf: { jkt: 'k' } })

  it('hands verifyProof the DPoP header, the request and the token', async () => {
    const verifyProof = vi.fn(async (_proof: string | null) => ({
      jkt: 'k',
      consume: async () => undefined,
    }))
    const view = dpopView()
    await guardOf({ verify: boundVerify, dpop: { algs: ['ES256'], verifyProof } })(view, null)
    expect(verifyProof).toHaveBeenCalledWith('the-proof', view, 'good')
  })

  it('refuses a proof verifyProof throws on, telling onDecision why', async () => {
    const { seen, onDecision } = events()
    const refusal = new Error('htm does not match')
    const verifyProof = async () => {
      throw refusal
    }
    const guard = guardOf({
      verify: boundVerify,
      dpop: { algs: ['ES256'], verifyProof },
      onDecision,
    })
    const outcome = await guard(dpopView(), null)
    expect(bodyOf(outcome)).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof is invalid',
    })
    expect(seen[0]).toMatchObject({ reason: 'Error: htm does not match', cause: refusal })
  })

  it.each([
    ['a replay', Object.assign(new Error('replayed'), { code: 'ERR_DPOP_REPLAYED' }), 401],
    ['a store outage', new Error('ECONNREFUSED'), 503],
    ['a coded outage', Object.assign(new Error('quota'), { code: 'ERR_STORE_FULL' }), 503],
    ['a rejection with null', null, 503],
  ])('tells onDecision about %s when the proof is consumed', async (_, failure, status) => {
    const { seen, onDecision } = events()
    const consume = () => Promise.reject(failure)
    const verifyProof = async () => ({ jkt: 'k', consume })
    const guard = guardOf({
      verify: boundVerify,
      dpop: { algs: ['ES256'], verifyProof },
      onDecision,
    })
    expect(await guard(dpopView(), null)).toMatchObject({ ok: false, status })
    expect(seen).toEqual([expect.objectContaining({ status, cause: failure })])
  })
})

describe('createStepUpGuard: DPoP nonces (RFC 9449 §8)', () => {
  const dpopView = () => bearer({ authorization: 'DPoP good', dpop: 'the-proof' })
  const refusing = (refusal: unknown, onDecision?: (e: StepUpEvent) => void) =>
    guardOf({
      dpop: {
        algs: ['ES256'],
        verifyProof: async () => {
          throw refusal
        },
      },
      ...(onDecision && { onDecision }),
    })
  const coded = (code: string, nonce: unknown) =>
    Object.assign(new Error('refused'), { code, nonce })

  it('answers a nonce refusal with use_dpop_nonce and the nonce, telling onDecision why', async () => {
    const { seen, onDecision } = events()
    const refusal = coded('ERR_DPOP_NONCE_MISSING', 'n-1')
    const outcome = await refusing(refusal, onDecision)(dpopView(), null)
    expect(outcome).toMatchObject({
      ok: false,
      status: 401,
      body: { error: 'use_dpop_nonce' },
      headers: { 'dpop-nonce': 'n-1' },
    })
    expect(seen[0]).toMatchObject({ reason: 'Error: refused', cause: refusal })
  })

  it('sends no nonce with another refusal, even one carrying a nonce', async () => {
    const outcome = await refusing(coded('ERR_DPOP_SIGNATURE_INVALID', 'n-1'))(dpopView(), null)
    expect(outcome).toMatchObject({ ok: false, body: { error: 'invalid_dpop_proof' } })
    expect(!outcome.ok && outcome.headers['dpop-nonce']).toBeUndefined()
  })

  it('sends no nonce that is not a string', async () => {
    const outcome = await refusing(coded('ERR_DPOP_NONCE_INVALID', 123))(dpopView(), null)
    expect(outcome).toMatchObject({ ok: false, body: { error: 'invalid_dpop_proof' } })
    expect(!outcome.ok && outcome.headers['dpop-nonce']).toBeUndefined()
  })
})

describe('createStepUpGuard: what onDecision hears', () => {
  it('on success: the rules that fired and what was asked for and held, never the token', async () => {
    const { seen, onDecision } = events()
    await guardOf({ onDecision, requirement: { acr_values: ['phr'] } })(bearer(), null)
    expect(seen).toEqual([
      { ok: true, status: 200, fired: [], acr_values: ['phr'], acr: 'phr', sub: 'alice' },
    ])
  })

  it('on a step-up: the reasons and what was asked for and held', async () => {
    const { seen, onDecision } = events()
    await guardOf({ onDecision, requirement: { acr_values: ['phrh'] } })(bearer(), null)
    expect(seen).toEqual([
      expect.objectContaining({
        ok: false,
        status: 401,
        error: 'insufficient_user_authentication',
        reason: 'acr_not_satisfied (acr: one of phrh)',
        fired: [],
        acr_values: ['phrh'],
        acr: 'phr',
        sub: 'alice',
      }),
    ])
  })
})

describe('createStepUpGuard: never rejects', () => {
  it('answers 503 when reading a header throws', async () => {
    const headers = {
      get: () => {
        throw new Error('hostile header')
      },
    } as unknown as Headers
    const outcome = await guardOf()(request({ headers }).view, null)
    expect(outcome).toMatchObject({ ok: false, status: 503 })
  })

  it('answers an InvalidRequestError from reading the request with a Bearer invalid_request', async () => {
    const headers = {
      get: () => {
        throw new InvalidRequestError('The request headers cannot be read')
      },
    } as unknown as Headers
    const outcome = await guardOf()(request({ headers }).view, null)
    expect(outcome).toMatchObject({ ok: false, status: 400 })
    expect(challengeOf(outcome)).toBe(
      'Bearer error="invalid_request", error_description="The request headers cannot be read"',
    )
  })

  it('refuses a query token in a target that does not parse as a URL', async () => {
    const outcome = await guardOf()(bearer({}, { url: 'http://a b/x?access_token=good' }), null)
    expect(bodyOf(outcome)).toMatchObject({ error: 'invalid_request' })
  })

  it('finds no query token in a target without a query, even one that does not parse', async () => {
    const outcome = await guardOf()(bearer({}, { url: 'http://a b/x&access_token=good' }), null)
    expect(outcome).toMatchObject({ ok: true })
  })
})

describe('describeReasons', () => {
  it('says what each rule required or missed', () => {
    expect(
      describeReasons([
        { rule: 'acr', code: 'acr_not_satisfied', required: ['phr', 'phrh'] },
        { rule: 'max_age', code: 'auth_time_stale', required: 60 },
        { rule: 'scope', code: 'scope_missing', missing: ['a', 'b'] },
        {
          rule: 'authorization_details',
          code: 'authorization_details_not_covered',
          missing: [{ type: 'payment_initiation' }],
        },
        { rule: 'claims', code: 'claims_malformed' },
      ]),
    ).toBe(
      'acr_not_satisfied (acr: one of phr phrh); auth_time_stale (max_age: within 60 s); scope_missing (scope: missing a, b); ' +
        'authorization_details_not_covered (authorization_details: missing payment_initiation detail); ' +
        'claims_malformed (claims)',
    )
  })
})
