import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AccessTokenError } from './errors.js'
import { evaluateAssurance } from './evaluate.js'
import {
  createIntrospectionVerifier,
  type IntrospectionVerifierOptions,
} from './introspection-verifier.js'

const NOW = 1419350300
const AUDIENCE = 'https://protected.example.net/resource'

/** EX-7662-03 (RFC 7662 §2.2). */
const EX_7662_03 = {
  active: true,
  client_id: 'l238j323ds-23ij4',
  username: 'jdoe',
  scope: 'read write dolphin',
  sub: 'Z5O3upPC88QrAjx00dis',
  aud: 'https://protected.example.net/resource',
  iss: 'https://server.example.com/',
  exp: 1419356238,
  iat: 1419350238,
  extension_field: 'twenty-seven',
}

interface Seen {
  url: string
  method: string
  headers: Headers
  body: URLSearchParams
}

function stub(answer: () => Response | Promise<Response>) {
  const seen: Seen[] = []
  const fetch = (async (input: URL | RequestInfo, init?: RequestInit) => {
    seen.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: new URLSearchParams(init?.body as URLSearchParams),
    })
    return answer()
  }) as typeof globalThis.fetch
  return { fetch, seen }
}

const make = (fetch: typeof globalThis.fetch, extra: Partial<IntrospectionVerifierOptions> = {}) =>
  createIntrospectionVerifier({
    endpoint: 'https://server.example.com/introspect',
    clientId: 's6BhdRkqt3',
    clientSecret: 'gX1fBat3bV',
    audience: AUDIENCE,
    fetch,
    now: () => NOW,
    ...extra,
  } as IntrospectionVerifierOptions)

const codeOf = async (p: Promise<unknown>) =>
  ((await p.catch((e: unknown) => e)) as AccessTokenError).code

describe('RFC 7662 §2 — introspection', () => {
  it('EX-7662-02: POSTs the token form-encoded with HTTP Basic client authentication', async () => {
    const { fetch, seen } = stub(() => Response.json(EX_7662_03))
    await make(fetch).verify('mF_9.B5f-4.1JqM')
    expect(seen).toHaveLength(1)
    const [request] = seen
    expect(request?.url).toBe('https://server.example.com/introspect')
    expect(request?.method).toBe('POST')
    expect(request?.headers.get('authorization')).toBe('Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW')
    expect(request?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.get('accept')).toBe('application/json')
    expect(Object.fromEntries(request?.body ?? [])).toEqual({
      token: 'mF_9.B5f-4.1JqM',
      token_type_hint: 'access_token',
    })
  })

  it('form-encodes the client credentials before Basic (RFC 6749 §2.3.1)', async () => {
    const { fetch, seen } = stub(() => Response.json(EX_7662_03))
    await make(fetch, { clientId: 'a b', clientSecret: 'p:ß' }).verify('t')
    expect(atob(seen[0]!.headers.get('authorization')!.slice(6))).toBe('a+b:p%3A%C3%9F')
  })

  it('TK-07 / EX-7662-03: an active response becomes typed claims; unknown members stay in raw', async () => {
    const claims = await make(stub(() => Response.json(EX_7662_03)).fetch).verify('t')
    expect(claims).toMatchObject({
      sub: 'Z5O3upPC88QrAjx00dis',
      scopes: ['read', 'write', 'dolphin'],
      client_id: 'l238j323ds-23ij4',
    })
    expect(claims.raw['extension_field']).toBe('twenty-seven')
  })

  it('TK-08 / SD-11 / EX-7662-04: active false → ERR_TOKEN_INACTIVE (invalid_token, never a step-up)', async () => {
    const error = await make(stub(() => Response.json({ active: false })).fetch)
      .verify('t')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AccessTokenError)
    expect(error).toMatchObject({ code: 'ERR_TOKEN_INACTIVE', error: 'invalid_token', status: 401 })
  })

  it('SD-10 / EX-9470-06: an introspected token past exp is refused (the example’s auth_time is after exp)', async () => {
    const ex = {
      active: true,
      client_id: 's6BhdRkqt3',
      scope: 'purchase',
      sub: 'someone@example.net',
      aud: 'https://rs.example.com',
      iss: 'https://as.example.net',
      exp: 1639528912,
      iat: 1618354090,
      auth_time: 1646340198,
      acr: 'myACR',
    }
    const at = (now: number) =>
      make(stub(() => Response.json(ex)).fetch, {
        now: () => now,
        audience: 'https://rs.example.com',
      }).verify('t')
    expect(await codeOf(at(1646340200))).toBe('ERR_TOKEN_EXPIRED')
    // Before exp the token is active, but its auth_time lies 28 years ahead: fail closed.
    const claims = await at(1618354100)
    expect(evaluateAssurance(claims, { acr_values: ['myACR'] }, { now: 1618354100 })).toMatchObject(
      {
        ok: false,
        error: 'invalid_token',
        reasons: [{ rule: 'claims', code: 'auth_time_in_future' }],
      },
    )
  })

  it('TK-09 / EX-9449-12: a DPoP-bound introspected token presented as Bearer is refused', async () => {
    const body = {
      active: true,
      token_type: 'DPoP',
      aud: AUDIENCE,
      exp: NOW + 60,
      cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' },
    }
    const verifier = make(stub(() => Response.json(body)).fetch)
    expect(await codeOf(verifier.verify('t'))).toBe('ERR_TOKEN_DPOP_BOUND')
    await expect(
      verifier.verify('t', { scheme: 'DPoP', jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }),
    ).resolves.toBeDefined()
  })

  it('token_type "DPoP" alone marks the token as bound', async () => {
    const body = { active: true, token_type: 'DPoP', aud: AUDIENCE }
    const verifier = make(stub(() => Response.json(body)).fetch)
    expect(await codeOf(verifier.verify('t'))).toBe('ERR_TOKEN_DPOP_BOUND')
  })

  const refused: { title: string; body: object; extra?: Partial<IntrospectionVerifierOptions> }[] =
    [
      { title: 'nbf in the future', body: { active: true, aud: AUDIENCE, nbf: NOW + 1 } },
      {
        title: 'issuer mismatch',
        body: { active: true, aud: AUDIENCE, iss: 'https://evil.example.com/' },
        extra: { issuer: 'https://server.example.com/' },
      },
      {
        title: 'audience mismatch',
        body: { active: true, aud: ['https://a.example.com'] },
        extra: { audience: 'https://protected.example.net/resource' },
      },
      {
        title: 'audience missing when required',
        body: { active: true },
        extra: { audience: 'https://protected.example.net/resource' },
      },
      { title: 'a malformed acr', body: { active: true, aud: AUDIENCE, acr: 1 } },
      {
        title: 'a required member missing (requiredClaims)',
        body: { active: true, aud: AUDIENCE, exp: NOW + 60 },
        extra: { requiredClaims: ['sub'] },
      },
    ]
  it.each(refused)('$title → ERR_TOKEN_CLAIM_INVALID', async ({ body, extra }) => {
    expect(await codeOf(make(stub(() => Response.json(body)).fetch, extra).verify('t'))).toBe(
      'ERR_TOKEN_CLAIM_INVALID',
    )
  })

  it('accepts the configured issuer and an audience array containing the resource', async () => {
    const verifier = make(stub(() => Response.json(EX_7662_03)).fetch, {
      issuer: 'https://server.example.com/',
      audience: ['https://protected.example.net/resource'],
    })
    await expect(verifier.verify('t')).resolves.toBeDefined()
  })

  const unavailable: { title: string; answer: () => Response | Promise<Response> }[] = [
    { title: 'network error', answer: () => Promise.reject(new TypeError('fetch failed')) },
    {
      title: 'HTTP 401 (our credentials refused)',
      answer: () => new Response('', { status: 401 }),
    },
    {
      title: 'HTTP 302',
      answer: () => new Response('', { status: 302, headers: { location: '/' } }),
    },
    { title: 'not JSON', answer: () => new Response('<html>') },
    { title: 'no boolean active', answer: () => Response.json({ active: 'true' }) },
    { title: 'a JSON array', answer: () => Response.json([]) },
  ]
  it.each(unavailable)('$title → ERR_VERIFIER_UNAVAILABLE (temporary, 503)', async ({ answer }) => {
    const error = await make(stub(answer).fetch)
      .verify('t')
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_VERIFIER_UNAVAILABLE', temporary: true, status: 503 })
  })

  it('authenticates through clientAuth instead of a secret', async () => {
    const { fetch, seen } = stub(() => Response.json(EX_7662_03))
    const verifier = createIntrospectionVerifier({
      endpoint: new URL('https://server.example.com/introspect'),
      clientAuth: ({ headers, body }) => {
        headers.set('authorization', 'Bearer 23410913-abewfq.123483')
        body.set('client_id', 'rs')
      },
      audience: AUDIENCE,
      fetch,
      now: () => NOW,
    })
    await verifier.verify('2YotnFZFEjr1zCsicMWpAA')
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer 23410913-abewfq.123483')
    expect(seen[0]?.body.get('client_id')).toBe('rs')
  })

  const valid = {
    endpoint: 'https://as.example.com/i',
    clientId: 'a',
    clientSecret: 'b',
    audience: AUDIENCE,
  }
  const bad: { title: string; options: object; message?: RegExp }[] = [
    {
      title: 'no client authentication',
      options: { endpoint: valid.endpoint, audience: AUDIENCE },
    },
    { title: 'both a secret and a hook', options: { ...valid, clientAuth: () => {} } },
    {
      title: 'a secret without clientId',
      options: { endpoint: valid.endpoint, clientSecret: 'b', audience: AUDIENCE },
    },
    { title: 'a relative endpoint', options: { ...valid, endpoint: '/introspect' } },
    { title: 'a non-http endpoint', options: { ...valid, endpoint: 'ftp://as.example.com/i' } },
    { title: 'a negative cacheTtl', options: { ...valid, cacheTtl: -1 } },
    { title: 'an infinite clockTolerance', options: { ...valid, clockTolerance: Infinity } },
    { title: 'a clockTolerance that is NaN', options: { ...valid, clockTolerance: Number.NaN } },
    {
      title: 'requiredClaims naming an unknown claim',
      options: { ...valid, requiredClaims: ['acr'] },
    },
  ]
  it.each(bad)('refuses $title at creation', ({ options }) => {
    expect(() => createIntrospectionVerifier(options as IntrospectionVerifierOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it.each([
    { title: 'without audience', options: { ...valid, audience: undefined } },
    { title: 'with an empty audience list', options: { ...valid, audience: [] } },
  ])(
    'refuses to be built $title: "active" alone says nothing of whom the token is for',
    ({ options }) => {
      expect(() => createIntrospectionVerifier(options as IntrospectionVerifierOptions)).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARG_VALUE',
          message: expect.stringMatching(/"audience" is required/),
        }),
      )
    },
  )

  it.each([
    {
      options: { ...valid, audiences: [AUDIENCE] },
      message: 'createIntrospectionVerifier: unknown option "audiences" (did you mean "audience"?)',
    },
    {
      options: { ...valid, cacheTTL: 30 },
      message: 'createIntrospectionVerifier: unknown option "cacheTTL" (did you mean "cacheTtl"?)',
    },
    {
      options: { ...valid, cacheTtl: 30, cache: { maxEntries: 10 } },
      message: 'createIntrospectionVerifier: cache: unknown option "maxEntries"',
    },
    {
      // Checked even when no result is cached (the default cacheTtl of 0).
      options: { ...valid, cache: { maxx: 10 } },
      message: 'createIntrospectionVerifier: cache: unknown option "maxx" (did you mean "max"?)',
    },
  ])('refuses the unknown option key in $message', ({ options, message }) => {
    expect(() => createIntrospectionVerifier(options as IntrospectionVerifierOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_UNKNOWN_OPTION', message }),
    )
  })

  it('refuses a cache bound that is not a positive integer, whatever cacheTtl is', () => {
    for (const cacheTtl of [0, 30]) {
      expect(() => createIntrospectionVerifier({ ...valid, cacheTtl, cache: { max: -1 } })).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
      )
    }
  })

  it('says in the error message what was wrong, never the user', async () => {
    const reasons: {
      body: object
      extra?: Partial<IntrospectionVerifierOptions>
      message: string
    }[] = [
      {
        body: { ...EX_7662_03, aud: undefined },
        message:
          'introspection response has no "aud" member, so the token may be for another resource (RFC 7662 §4)',
      },
      {
        body: { ...EX_7662_03, aud: 'https://other.example.com' },
        message: 'introspected "aud" does not contain the configured audience (RFC 7662 §2.2)',
      },
      {
        body: { ...EX_7662_03, client_id: undefined },
        extra: { requiredClaims: ['client_id'] },
        message: 'introspection response has no "client_id" member (requiredClaims)',
      },
      {
        body: { ...EX_7662_03, exp: NOW - 10 },
        message: 'introspected "exp" passed 10 s ago, clockTolerance is 0 s (RFC 7662 §2.2)',
      },
      {
        body: { ...EX_7662_03, acr: 7 },
        message: 'token "acr" is not a string (RFC 7519 §4.1, RFC 9068 §2.2)',
      },
    ]
    for (const { body, extra, message } of reasons) {
      const error = await make(stub(() => Response.json(body)).fetch, extra)
        .verify('t')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AccessTokenError)
      expect((error as AccessTokenError).message).toBe(message)
      expect((error as AccessTokenError).message).not.toContain(EX_7662_03.sub)
      expect((error as AccessTokenError).challenge.error_description).toBe(
        'The access token is invalid',
      )
    }
  })

  it('RFC 8705 §3: an mTLS-bound response needs the certificate thumbprint it names', async () => {
    const x5t = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2'
    const body = { ...EX_7662_03, cnf: { 'x5t#S256': x5t } }
    const verifier = make(stub(() => Response.json(body)).fetch)
    await expect(verifier.verify('t', { x5tS256: x5t })).resolves.toMatchObject({
      cnf: { 'x5t#S256': x5t },
    })
    expect(await codeOf(verifier.verify('t'))).toBe('ERR_TOKEN_CNF_MISMATCH')
    expect(await codeOf(verifier.verify('t', { x5tS256: 'A'.repeat(43) }))).toBe(
      'ERR_TOKEN_CNF_MISMATCH',
    )
  })

  it('refuses a confirmation method it cannot check rather than ignore cnf', async () => {
    const body = { ...EX_7662_03, cnf: { jwk: { kty: 'EC' } } }
    expect(await codeOf(make(stub(() => Response.json(body)).fetch).verify('t'))).toBe(
      'ERR_TOKEN_CNF_UNSUPPORTED',
    )
  })
})

describe('introspection cache', () => {
  it('hands out frozen claims: what one caller changes, the next one never sees', async () => {
    const { fetch, seen } = stub(() => Response.json(EX_7662_03))
    const verifier = make(fetch, { cacheTtl: 30 })
    const first = await verifier.verify('t')
    expect(() => {
      ;(first.scopes as string[]).push('admin')
    }).toThrow(TypeError)
    expect(() => {
      ;(first.raw as Record<string, unknown>)['scope'] = 'admin'
    }).toThrow(TypeError)
    expect(() => {
      ;(first as { acr?: string }).acr = 'phrh'
    }).toThrow(TypeError)
    const second = await verifier.verify('t')
    expect(seen).toHaveLength(1)
    expect(second.scopes).toEqual(['read', 'write', 'dolphin'])
    expect(second.raw['scope']).toBe('read write dolphin')
    expect(second.acr).toBeUndefined()
  })

  it('does not cache by default', async () => {
    const { fetch, seen } = stub(() => Response.json(EX_7662_03))
    const verifier = make(fetch)
    await verifier.verify('t')
    await verifier.verify('t')
    expect(seen).toHaveLength(2)
  })

  it('caches active results for cacheTtl, never past exp, and never inactive ones', async () => {
    let now = NOW
    let body: object = { ...EX_7662_03, exp: NOW + 100 }
    const { fetch, seen } = stub(() => Response.json(body))
    const verifier = make(fetch, { cacheTtl: 30, now: () => now })
    await verifier.verify('t')
    await verifier.verify('t')
    expect(seen).toHaveLength(1)
    now = NOW + 30
    await verifier.verify('t')
    expect(seen).toHaveLength(2)

    body = { ...EX_7662_03, exp: NOW + 40 }
    await verifier.verify('u')
    now = NOW + 40
    expect(await codeOf(verifier.verify('u'))).toBe('ERR_TOKEN_EXPIRED')
    expect(seen).toHaveLength(4)

    body = { active: false }
    await verifier.verify('v').catch(() => undefined)
    await verifier.verify('v').catch(() => undefined)
    expect(seen).toHaveLength(6)
  })
})

describe('one introspection call per token at a time', () => {
  /** A fetch whose answers the test releases, counting the calls per token. */
  function held() {
    const calls: string[] = []
    const pending: (() => void)[] = []
    const fetch = (async (_: URL | RequestInfo, init?: RequestInit) => {
      const token = new URLSearchParams(init?.body as URLSearchParams).get('token') ?? ''
      calls.push(token)
      await new Promise<void>((resolve) => pending.push(resolve))
      if (token === 'down') return new Response('oops', { status: 500 })
      return Response.json(token === 'inactive' ? { active: false } : EX_7662_03)
    }) as typeof globalThis.fetch
    const release = async () => {
      // Let every verification reach its fetch, then answer them all.
      await new Promise((resolve) => setImmediate(resolve))
      for (const resolve of pending.splice(0)) resolve()
    }
    return { fetch, calls, release }
  }

  it('shares one call among concurrent verifications of the same token, without a cache', async () => {
    const { fetch, calls, release } = held()
    const verifier = make(fetch)
    const same = Array.from({ length: 10 }, () => verifier.verify('t'))
    const other = verifier.verify('u')
    await release()
    const results = await Promise.all([...same, other])
    expect(calls.sort()).toEqual(['t', 'u'])
    expect(results.every((claims) => claims.sub === 'Z5O3upPC88QrAjx00dis')).toBe(true)
  })

  it('shares refusals and outages too, and calls again once the call has settled', async () => {
    const { fetch, calls, release } = held()
    const verifier = make(fetch)
    const refused = Array.from({ length: 5 }, () => verifier.verify('inactive').catch((e) => e))
    const down = Array.from({ length: 5 }, () => verifier.verify('down').catch((e) => e))
    await release()
    const codes = (await Promise.all([...refused, ...down])).map(
      (e) => (e as AccessTokenError).code,
    )
    expect(codes).toEqual([
      ...Array(5).fill('ERR_TOKEN_INACTIVE'),
      ...Array(5).fill('ERR_VERIFIER_UNAVAILABLE'),
    ])
    expect(calls.sort()).toEqual(['down', 'inactive'])
    const again = verifier.verify('inactive').catch((e) => e)
    await release()
    expect(((await again) as AccessTokenError).code).toBe('ERR_TOKEN_INACTIVE')
    expect(calls).toHaveLength(3)
  })
})

describe('against a local HTTP server', () => {
  let server: Server
  let endpoint: string
  const forms: string[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = ''
      req.on('data', (chunk: Buffer) => {
        data += chunk.toString()
      })
      req.on('end', () => {
        forms.push(data)
        const token = new URLSearchParams(data).get('token')
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify(token === 'good' ? { ...EX_7662_03, exp: NOW + 60 } : { active: false }),
        )
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it('verifies an active token and refuses an inactive one with the real fetch', async () => {
    const verifier = createIntrospectionVerifier({
      endpoint,
      clientId: 'rs',
      clientSecret: 's',
      audience: AUDIENCE,
      now: () => NOW,
    })
    await expect(verifier.verify('good')).resolves.toMatchObject({
      scopes: ['read', 'write', 'dolphin'],
    })
    expect(await codeOf(verifier.verify('bad'))).toBe('ERR_TOKEN_INACTIVE')
    expect(forms[0]).toBe('token=good&token_type_hint=access_token')
  })
})
