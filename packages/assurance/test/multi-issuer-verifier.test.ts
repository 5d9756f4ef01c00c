import { beforeAll, describe, expect, it } from 'vitest'
import { createIntrospectionVerifier } from '../src/introspection-verifier.ts'
import {
  createMultiIssuerVerifier,
  type IssuerOptions,
  type MultiIssuerVerifierOptions,
} from '../src/multi-issuer-verifier.ts'
import { AUDIENCE, b64url, codeOf, EX_9470_05, makeKey, NOW, sign, type TestKey } from './keys.ts'

const A = 'https://a.example.com'
const B = 'https://b.example.net'
const OPAQUE = 'https://opaque.example.org'

let ka: TestKey
let kb: TestKey
beforeAll(async () => {
  ;[ka, kb] = await Promise.all([makeKey('ES256', 'a'), makeKey('ES256', 'b')])
})

/** A fetch that records every URL and answers `answer(url)` (404 by default). */
function recorder(answer: (url: string) => Response = () => new Response(null, { status: 404 })) {
  const urls: string[] = []
  const fetch = (async (input: URL | RequestInfo) => {
    urls.push(String(input))
    return answer(String(input))
  }) as typeof globalThis.fetch
  return { urls, fetch }
}

const jwtIssuer = (issuer: string, key: TestKey) => ({
  issuer,
  audience: AUDIENCE,
  jwks: { keys: [key.jwk] },
  now: () => NOW,
})

/** An introspection issuer answering `response` for every token; `seen` lists the tokens sent. */
function introspected(response: Record<string, unknown>) {
  const seen: string[] = []
  const introspection = createIntrospectionVerifier({
    endpoint: `${OPAQUE}/introspect`,
    clientId: 'rs',
    clientSecret: 'secret',
    audience: AUDIENCE,
    now: () => NOW,
    fetch: (async (_: unknown, init?: RequestInit) => {
      seen.push(new URLSearchParams(init?.body as URLSearchParams).get('token') ?? '')
      return Response.json(response)
    }) as typeof globalThis.fetch,
  })
  return { seen, entry: { issuer: OPAQUE, introspection } }
}
const withoutIss = () => {
  const { iss: _, ...claims } = EX_9470_05
  return claims
}
const ACTIVE = { active: true, aud: AUDIENCE, sub: 'someone', exp: NOW + 60 }

const build = (options: unknown) => () =>
  createMultiIssuerVerifier(options as MultiIssuerVerifierOptions)

describe('createMultiIssuerVerifier: options', () => {
  it.each([
    [
      'an unknown option',
      { issuers: [jwtIssuer(A, {} as TestKey)], issuer: A },
      'ERR_UNKNOWN_OPTION',
      'createMultiIssuerVerifier: unknown option "issuer" (did you mean "issuers"?)',
    ],
    [
      "an unknown key of an issuer's",
      { issuers: [{ issuer: A, audiences: AUDIENCE }] },
      'ERR_UNKNOWN_OPTION',
      'createMultiIssuerVerifier: issuers[0]: unknown option "audiences" (did you mean "audience"?)',
    ],
    [
      'a misspelt introspection',
      { issuers: [{ issuer: OPAQUE, introspecton: {} }] },
      'ERR_UNKNOWN_OPTION',
      'createMultiIssuerVerifier: issuers[0]: unknown option "introspecton" (did you mean "introspection"?)',
    ],
    [
      'an unknown key of a nested option',
      { issuers: [{ issuer: A, audience: AUDIENCE, jwksOptions: { timeoutDuraton: 5 } }] },
      'ERR_UNKNOWN_OPTION',
      'createMultiIssuerVerifier: issuers[0]: jwksOptions: unknown option "timeoutDuraton" (did you mean "timeoutDuration"?)',
    ],
    [
      'an audience next to introspection',
      { issuers: [{ issuer: OPAQUE, introspection: { verify: () => {} }, audience: AUDIENCE }] },
      'ERR_UNKNOWN_OPTION',
      'createMultiIssuerVerifier: issuers[0]: unknown option "audience" for an introspection issuer, which takes only "issuer" and "introspection" (give "audience" to createIntrospectionVerifier)',
    ],
    [
      'no issuers',
      { issuers: [] },
      'ERR_INVALID_ARG_VALUE',
      'createMultiIssuerVerifier: "issuers" must list at least one issuer',
    ],
    [
      'an issuer that is not an object',
      { issuers: [A] },
      'ERR_INVALID_ARG_TYPE',
      'createMultiIssuerVerifier: issuers[0]: must be an object',
    ],
    [
      'an empty issuer',
      { issuers: [{ issuer: '', audience: AUDIENCE }] },
      'ERR_INVALID_ARG_VALUE',
      'createMultiIssuerVerifier: issuers[0]: "issuer" must be a non-empty string',
    ],
    [
      'an issuer listed twice',
      {
        issuers: [
          { issuer: A, audience: AUDIENCE },
          { issuer: A, audience: 'https://other' },
        ],
      },
      'ERR_INVALID_ARG_VALUE',
      'createMultiIssuerVerifier: issuers[1]: the issuer "https://a.example.com" is listed twice',
    ],
    [
      'a value the JWT verifier refuses, named after its issuer',
      {
        issuers: [
          { issuer: A, audience: AUDIENCE },
          { issuer: B, audience: AUDIENCE, algorithms: ['none'] },
        ],
      },
      'ERR_INVALID_ARG_VALUE',
      'createMultiIssuerVerifier: issuers[1]: invalid option "algorithms"',
    ],
    [
      'an introspection that is not a verifier',
      { issuers: [{ issuer: OPAQUE, introspection: { endpoint: `${OPAQUE}/introspect` } }] },
      'ERR_INVALID_ARG_TYPE',
      'createMultiIssuerVerifier: issuers[0]: "introspection" must be a verifier made by createIntrospectionVerifier',
    ],
    [
      'a second introspection issuer',
      {
        issuers: [
          { issuer: OPAQUE, introspection: { verify: () => {} } },
          { issuer: B, introspection: { verify: () => {} } },
        ],
      },
      'ERR_INVALID_ARG_VALUE',
      'createMultiIssuerVerifier: issuers[1]: only one issuer may use introspection: an opaque token names no issuer, and it must not be sent to servers that did not issue it',
    ],
  ])('refuses %s when it is built', (_, options, code, message) => {
    expect(build(options)).toThrow(expect.objectContaining({ name: 'TypeError', code, message }))
  })

  it.each([
    'http://as.example.com',
    'https://as.example.com/?tenant=1',
    'https://as.example.com/#x',
    'as.example.com',
  ])(
    'refuses to discover the keys of an issuer that is not an https URL without query or fragment: %s',
    (issuer) => {
      expect(build({ issuers: [{ issuer, audience: AUDIENCE }] })).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARG_VALUE',
          message: `createMultiIssuerVerifier: issuers[0]: "issuer" must be an https URL without query or fragment for its keys to be found by discovery (RFC 8414 §2); or give "jwks"`,
        }),
      )
    },
  )

  it('accepts any issuer string when the keys are given', async () => {
    const verifier = createMultiIssuerVerifier({ issuers: [jwtIssuer('urn:example:as', ka)] })
    const claims = await verifier.verify(await sign(ka, { ...EX_9470_05, iss: 'urn:example:as' }))
    expect(claims.iss).toBe('urn:example:as')
  })

  it('exposes the issuers, in the order given, frozen', () => {
    const { entry } = introspected(ACTIVE)
    const verifier = createMultiIssuerVerifier({
      issuers: [jwtIssuer(B, kb), entry, jwtIssuer(A, ka)],
    })
    expect(verifier.issuers).toEqual([B, OPAQUE, A])
    expect(Object.isFrozen(verifier.issuers)).toBe(true)
  })
})

describe('createMultiIssuerVerifier: discovery locations', () => {
  it.each([
    [
      'https://as.example.com',
      'https://as.example.com/.well-known/openid-configuration',
      'https://as.example.com/.well-known/oauth-authorization-server',
    ],
    [
      'https://as.example.com/',
      'https://as.example.com/.well-known/openid-configuration',
      'https://as.example.com/.well-known/oauth-authorization-server',
    ],
    // RFC 8414 §3.1's example.
    [
      'https://example.com/issuer1',
      'https://example.com/issuer1/.well-known/openid-configuration',
      'https://example.com/.well-known/oauth-authorization-server/issuer1',
    ],
    [
      'https://login.example.com:8443/realms/staff/',
      'https://login.example.com:8443/realms/staff/.well-known/openid-configuration',
      'https://login.example.com:8443/.well-known/oauth-authorization-server/realms/staff',
    ],
  ])('%s: OpenID Connect Discovery §4, then RFC 8414 §3.1', async (issuer, openid, oauth) => {
    const { urls, fetch } = recorder()
    const verifier = createMultiIssuerVerifier({
      issuers: [{ issuer, audience: AUDIENCE, fetch, now: () => NOW }],
    })
    const error = await verifier
      .verify(await sign(ka, { ...EX_9470_05, iss: issuer }))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_VERIFIER_UNAVAILABLE', status: 503 })
    expect(urls).toEqual([openid, oauth])
  })

  it('asks for JSON, does not follow redirects, and reads the keys from the jwks_uri given', async () => {
    const requests: { url: string; init: RequestInit | undefined }[] = []
    const fetch = (async (input: URL | RequestInfo, init?: RequestInit) => {
      requests.push({ url: String(input), init })
      return String(input) === 'https://keys.example.com/a/jwks'
        ? Response.json({ keys: [ka.jwk] })
        : Response.json({ issuer: A, jwks_uri: 'https://keys.example.com/a/jwks' })
    }) as typeof globalThis.fetch
    const verifier = createMultiIssuerVerifier({
      issuers: [
        {
          issuer: A,
          audience: AUDIENCE,
          fetch,
          now: () => NOW,
          jwksOptions: { headers: { 'x-api-key': 'k' } },
        },
      ],
    })
    expect((await verifier.verify(await sign(ka, { ...EX_9470_05, iss: A }))).iss).toBe(A)
    expect(requests.map((r) => r.url)).toEqual([
      `${A}/.well-known/openid-configuration`,
      'https://keys.example.com/a/jwks',
    ])
    const discovery = requests[0]?.init
    expect(discovery?.redirect).toBe('manual')
    expect(new Headers(discovery?.headers).get('accept')).toBe('application/json')
    expect(new Headers(discovery?.headers).get('x-api-key')).toBe('k')
    expect(discovery?.signal).toBeInstanceOf(AbortSignal)
  })

  it('treats a redirect as a failure of that location', async () => {
    const { urls, fetch } = recorder((url) =>
      url.endsWith('openid-configuration')
        ? new Response(null, { status: 302, headers: { location: 'https://evil.example/' } })
        : new Response(null, { status: 404 }),
    )
    const verifier = createMultiIssuerVerifier({
      issuers: [{ issuer: A, audience: AUDIENCE, fetch, now: () => NOW }],
    })
    await expect(verifier.verify(await sign(ka, { ...EX_9470_05, iss: A }))).rejects.toMatchObject({
      message: expect.stringContaining(`${A}/.well-known/openid-configuration answered HTTP 302`),
    })
    expect(urls).toEqual([
      `${A}/.well-known/openid-configuration`,
      `${A}/.well-known/oauth-authorization-server`,
    ])
  })
})

describe('createMultiIssuerVerifier: choosing the issuer', () => {
  it('passes the presentation on: a DPoP-bound token presented as Bearer is refused', async () => {
    const verifier = createMultiIssuerVerifier({ issuers: [jwtIssuer(A, ka), jwtIssuer(B, kb)] })
    const bound = await sign(kb, { ...EX_9470_05, iss: B, cnf: { jkt: 'thumbprint' } })
    expect(await codeOf(verifier.verify(bound))).toBe('ERR_TOKEN_DPOP_BOUND')
    expect((await verifier.verify(bound, { scheme: 'DPoP', jkt: 'thumbprint' })).cnf?.jkt).toBe(
      'thumbprint',
    )
  })

  it('sends opaque tokens, and JWTs naming its issuer, to the introspection issuer only', async () => {
    const { seen, entry } = introspected({ ...ACTIVE, iss: OPAQUE })
    const verifier = createMultiIssuerVerifier({ issuers: [jwtIssuer(A, ka), entry] })
    expect((await verifier.verify('2YotnFZFEjr1zCsicMWpAA')).iss).toBe(OPAQUE)
    const jwt = await sign(kb, { ...EX_9470_05, iss: OPAQUE })
    expect((await verifier.verify(jwt)).iss).toBe(OPAQUE)
    const noIss = `${b64url({ alg: 'ES256' })}.${b64url({ sub: 'x' })}.sig`
    expect((await verifier.verify(noIss)).iss).toBe(OPAQUE)
    expect(seen).toEqual(['2YotnFZFEjr1zCsicMWpAA', jwt, noIss])
    // A's JWTs are verified with A's keys; a JWT naming another issuer goes nowhere.
    expect((await verifier.verify(await sign(ka, { ...EX_9470_05, iss: A }))).iss).toBe(A)
    const stranger = await sign(ka, { ...EX_9470_05, iss: 'https://stranger.example' })
    expect(await codeOf(verifier.verify(stranger))).toBe('ERR_TOKEN_CLAIM_INVALID')
    expect(seen).toHaveLength(3)
  })

  it('refuses an introspection result naming another issuer, and accepts one naming none', async () => {
    const other = introspected({ ...ACTIVE, iss: A })
    const verifier = createMultiIssuerVerifier({ issuers: [other.entry] })
    const refused = await verifier.verify('opaque').catch((e: unknown) => e as Error)
    expect(refused).toMatchObject({
      code: 'ERR_TOKEN_CLAIM_INVALID',
      message: `introspected "iss" is "${A}", expected exactly "${OPAQUE}" (RFC 7662 §2.2)`,
    })
    const none = introspected(ACTIVE)
    const accepting = createMultiIssuerVerifier({ issuers: [none.entry] })
    expect((await accepting.verify('opaque')).sub).toBe('someone')
  })

  it.each([
    ['an opaque token', () => '2YotnFZFEjr1zCsicMWpAA', 'ERR_TOKEN_MALFORMED'],
    ['a JWT without iss', () => sign(ka, withoutIss()), 'ERR_TOKEN_MALFORMED'],
    [
      'a JWT whose iss is not a string',
      () => sign(ka, { ...EX_9470_05, iss: [A] as never }),
      'ERR_TOKEN_CLAIM_INVALID',
    ],
    ['an empty token', () => '', 'ERR_TOKEN_MALFORMED'],
  ])('refuses %s without introspection, and without a request', async (_, token, code) => {
    const { urls, fetch } = recorder()
    const verifier = createMultiIssuerVerifier({
      issuers: [{ issuer: A, audience: AUDIENCE, fetch, now: () => NOW }],
    })
    expect(await codeOf(verifier.verify(await token()))).toBe(code)
    expect(urls).toEqual([])
  })

  it('refuses a JWT longer than the largest maxTokenLength before decoding it', async () => {
    const verifier = createMultiIssuerVerifier({
      issuers: [jwtIssuer(A, ka), { ...jwtIssuer(B, kb), maxTokenLength: 10_000 }],
    })
    const long = await sign(kb, { ...EX_9470_05, iss: B, pad: 'x'.repeat(6500) })
    expect((await verifier.verify(long)).iss).toBe(B)
    const longer = `${b64url({ alg: 'ES256' })}.${b64url({ iss: B, pad: 'x'.repeat(8000) })}.sig`
    await expect(verifier.verify(longer)).rejects.toMatchObject({
      code: 'ERR_TOKEN_TOO_LARGE',
      message: `access token is ${longer.length} characters, over the largest maxTokenLength 10000`,
    })
  })

  it('type-checks an issuer list mixing JWT and introspection issuers', () => {
    const { entry } = introspected(ACTIVE)
    const issuers: IssuerOptions[] = [jwtIssuer(A, ka), entry]
    expect(createMultiIssuerVerifier({ issuers }).issuers).toEqual([A, OPAQUE])
  })
})
