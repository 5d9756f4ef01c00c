import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { describe, expect, it } from 'vitest'
import {
  createIntrospectionVerifier,
  type IntrospectionVerifierOptions,
} from './introspection-verifier.js'

const NOW = 1_700_000_000
const AUDIENCE = 'https://rs.example.com'
const ENDPOINT = 'https://as.example.com/introspect'

/** A fetch answering every call with `answer`, recording the requests. */
function stub(answer: () => Response | Promise<Response>) {
  const seen: Headers[] = []
  const fetch = (async (_input: URL | RequestInfo, init?: RequestInit) => {
    seen.push(new Headers(init?.headers))
    return answer()
  }) as typeof globalThis.fetch
  return { fetch, seen }
}
const answering = (body: unknown) => stub(() => Response.json(body)).fetch
const make = (fetch: typeof globalThis.fetch, extra: Partial<IntrospectionVerifierOptions> = {}) =>
  createIntrospectionVerifier({
    endpoint: ENDPOINT,
    clientId: 'rs',
    clientSecret: 'secret',
    audience: AUDIENCE,
    fetch,
    now: () => NOW,
    ...extra,
  } as IntrospectionVerifierOptions)
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  )
const active = { active: true, aud: AUDIENCE }

describe('createIntrospectionVerifier: options', () => {
  const valid = { endpoint: ENDPOINT, clientId: 'rs', clientSecret: 'secret', audience: AUDIENCE }
  const invalid = (name: string) =>
    expect.objectContaining({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: `invalid option "${name}"`,
    })

  it('accepts timeout, confirmation, authorizationDetails and maxTokenLength', () => {
    expect(() =>
      createIntrospectionVerifier({
        ...valid,
        timeout: 1000,
        confirmation: { jwk: () => true },
        authorizationDetailsRegistry: createAuthorizationDetailsRegistry([], {
          allowUnknownTypes: true,
        }),
        maxTokenLength: 100,
      }),
    ).not.toThrow()
  })

  it('accepts a fractional clockTolerance', () => {
    expect(() => createIntrospectionVerifier({ ...valid, clockTolerance: 0.5 })).not.toThrow()
  })

  it.each([
    ['no options', undefined, 'options'],
    [
      'an endpoint whose scheme only ends in http',
      { ...valid, endpoint: 'xhttp://as.example.com/i' },
      'endpoint',
    ],
    [
      'a clientId without clientSecret',
      { endpoint: ENDPOINT, clientId: 'rs', audience: AUDIENCE },
      'clientAuth',
    ],
    [
      'a clientAuth that is not a function',
      { endpoint: ENDPOINT, clientAuth: 'x', audience: AUDIENCE },
      'clientAuth',
    ],
    ['an empty issuer', { ...valid, issuer: '' }, 'issuer'],
    ['an issuer that is not a string', { ...valid, issuer: 5 }, 'issuer'],
    ['a negative cacheTtl', { ...valid, cacheTtl: -1 }, 'cacheTtl'],
    ['a negative timeout', { ...valid, timeout: -1 }, 'timeout'],
    ['a negative clockTolerance', { ...valid, clockTolerance: -1 }, 'clockTolerance'],
  ])('refuses %s, naming the option', (_, options, name) => {
    expect(() => createIntrospectionVerifier(options as IntrospectionVerifierOptions)).toThrow(
      invalid(name),
    )
  })

  it.each([
    ['a number', [AUDIENCE, 5]],
    ['an empty string', [AUDIENCE, '']],
  ])('refuses an audience list holding %s', (_, audience) => {
    expect(() =>
      createIntrospectionVerifier({ ...valid, audience } as IntrospectionVerifierOptions),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message:
          'createIntrospectionVerifier: "audience" is required, the resource server\'s identifier(s) that "aud" must contain',
      }),
    )
  })
})

describe('createIntrospectionVerifier: client authentication', () => {
  it('sends no Authorization header of its own with clientAuth', async () => {
    const { fetch, seen } = stub(() => Response.json(active))
    const verifier = createIntrospectionVerifier({
      endpoint: ENDPOINT,
      clientAuth: () => undefined,
      audience: AUDIENCE,
      fetch,
      now: () => NOW,
    })
    await verifier.verify('t')
    expect(seen[0]?.has('authorization')).toBe(false)
  })
})

describe('createIntrospectionVerifier: an endpoint that does not answer as RFC 7662 says', () => {
  it('is unavailable when it answers another status than 200, whatever the body', async () => {
    const error = await errorOf(
      make(stub(() => Response.json(active, { status: 201 })).fetch).verify('t'),
    )
    expect(error).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      message: `introspection at ${ENDPOINT} failed`,
      cause: expect.objectContaining({ message: 'introspection answered 201' }),
    })
  })

  it('keeps the fetch failure as the cause', async () => {
    const failure = new TypeError('fetch failed')
    const error = await errorOf(make(stub(() => Promise.reject(failure)).fetch).verify('t'))
    expect(error).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      message: `introspection at ${ENDPOINT} failed`,
      cause: failure,
    })
  })

  it.each([
    ['JSON null', null],
    ['no active member', { aud: AUDIENCE }],
  ])('is unavailable for %s', async (_, body) => {
    const error = await errorOf(make(answering(body)).verify('t'))
    expect(error).toMatchObject({
      code: 'ERR_VERIFIER_UNAVAILABLE',
      message: 'introspection response has no boolean "active" member (RFC 7662 §2.2)',
    })
  })
})

describe('createIntrospectionVerifier: time, issuer and audience of an active response', () => {
  const verify = (body: object, extra: Partial<IntrospectionVerifierOptions> = {}) =>
    errorOf(make(answering({ ...active, ...body }), extra).verify('t'))

  it('accepts a response without exp or nbf', async () => {
    expect(await verify({})).toBeUndefined()
  })

  it('accepts exp and nbf within clockTolerance, and refuses them beyond', async () => {
    expect(await verify({ exp: NOW - 3 }, { clockTolerance: 5 })).toBeUndefined()
    expect(await verify({ exp: NOW - 5 }, { clockTolerance: 5 })).toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
    })
    expect(await verify({ nbf: NOW + 5 }, { clockTolerance: 5 })).toBeUndefined()
    expect(await verify({ nbf: NOW + 8 }, { clockTolerance: 5 })).toMatchObject({
      code: 'ERR_TOKEN_CLAIM_INVALID',
      message: 'introspected "nbf" is 8 s ahead, clockTolerance is 5 s (RFC 7662 §2.2)',
    })
  })

  it('names the issuer it got and the one it expected', async () => {
    expect(
      await verify({ iss: 'https://evil.example.com' }, { issuer: 'https://as.example.com' }),
    ).toMatchObject({
      code: 'ERR_TOKEN_CLAIM_INVALID',
      message:
        'introspected "iss" is "https://evil.example.com", expected exactly "https://as.example.com" (RFC 7662 §2.2)',
    })
  })

  it('accepts a token for any one of several configured audiences', async () => {
    expect(
      await verify(
        { aud: 'https://b.example.com' },
        { audience: ['https://a.example.com', 'https://b.example.com'] },
      ),
    ).toBeUndefined()
  })

  it('compares a string aud exactly, and looks for the audience in an aud list', async () => {
    expect(await verify({ aud: `${AUDIENCE}/other` })).toMatchObject({
      code: 'ERR_TOKEN_CLAIM_INVALID',
    })
    expect(await verify({ aud: ['https://x.example.com', AUDIENCE] })).toBeUndefined()
  })
})
