import { describe, expect, it, vi } from 'vitest'
import { createStepUpFetch, type StepUpFetchOptions } from './step-up-fetch.js'

const API = 'https://api.example.com'
const STEP_UP = 'Bearer error="insufficient_user_authentication", max_age=0'
const challenge = (header = STEP_UP, init: ResponseInit = {}) =>
  new Response(null, {
    status: 401,
    ...init,
    headers: { 'www-authenticate': header, ...(init.headers as Record<string, string>) },
  })
const ok: StepUpFetchOptions = {
  allowedOrigins: [API],
  getAccessToken: () => 'silver',
  stepUp: () => 'gold',
  fetch: async () => new Response('ok'),
}
/** A fetch answering the challenge until the request carries `Bearer gold`. */
const stepping = (header = STEP_UP) =>
  vi.fn(async (request: Request) =>
    request.headers.get('authorization') === 'Bearer gold' ? new Response('ok') : challenge(header),
  )
const failure = async (run: () => Promise<unknown>) =>
  run().then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string; challenge?: unknown },
  )

describe('createStepUpFetch: what a failed stepUp says', () => {
  it.each([
    [
      { error: 'unmet_authentication_requirements' },
      'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS',
      'stepUp failed: the authorization server could not meet the requirements (unmet_authentication_requirements, RFC 9470 §5)',
    ],
    [
      new DOMException('closed', 'AbortError'),
      'ERR_STEP_UP_CANCELLED',
      'stepUp failed: the user cancelled (stepUp rejected with an AbortError)',
    ],
    [new Error('popup blocked'), 'ERR_STEP_UP_FAILED', 'stepUp failed: stepUp rejected; see cause'],
  ])('%s → %s', async (thrown, code, message) => {
    const api = createStepUpFetch({
      ...ok,
      fetch: stepping(),
      stepUp: () => Promise.reject(thrown),
    })
    expect(await failure(() => api(`${API}/x`))).toMatchObject({ code, message, cause: thrown })
  })

  it('names the challenge when stepUp resolves no token', async () => {
    const api = createStepUpFetch({ ...ok, fetch: stepping(), stepUp: () => '' })
    expect(await failure(() => api(`${API}/x`))).toMatchObject({
      code: 'ERR_STEP_UP_FAILED',
      challenge: { kind: 'step_up', max_age: 0 },
    })
  })
})

describe('createStepUpFetch: what getAccessToken must resolve', () => {
  const shape = "a non-empty string, or { token, type: 'Bearer' | 'DPoP' }"
  it.each([
    ['', 'an empty string'],
    [5, '5'],
    [null, 'null'],
    [{ type: 'Bearer' }, 'an object without a non-empty token'],
    [{ token: 't' }, 'a token of type "undefined"; only Bearer and DPoP tokens are sent'],
    [
      { token: 't', type: 'x'.repeat(40) },
      `a token of type "${'x'.repeat(32)}…"; only Bearer and DPoP tokens are sent`,
    ],
    [
      { token: 't', type: 'y'.repeat(32) },
      `a token of type "${'y'.repeat(32)}"; only Bearer and DPoP tokens are sent`,
    ],
    [
      { token: 't', type: 'DPoP' },
      'a DPoP token, but there is no dpop.keyPair to sign its proofs with',
    ],
  ])('%j: says it resolved %s', async (value, what) => {
    const api = createStepUpFetch({ ...ok, getAccessToken: () => value as never })
    expect(await failure(() => api(`${API}/x`))).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_RETURN_VALUE',
      message: `getAccessToken must resolve the access token (${shape}); it resolved ${what}`,
    })
  })

  it('takes { token, type: "Bearer" } in any case', async () => {
    const fetch = vi.fn(async (_request: Request) => new Response('ok'))
    const api = createStepUpFetch({
      ...ok,
      fetch,
      getAccessToken: () => ({ token: 'silver', type: 'bearer' }) as never,
    })
    await api(`${API}/x`)
    expect(fetch.mock.calls[0]?.[0].headers.get('authorization')).toBe('Bearer silver')
  })

  it('is told the request, without its Authorization', async () => {
    const seen: string[] = []
    const api = createStepUpFetch({
      ...ok,
      getAccessToken: ({ request }) => {
        seen.push(`${request.method} ${request.url} ${request.headers.get('authorization')}`)
        return 'silver'
      },
    })
    await api(`${API}/x`, { method: 'PUT', headers: { authorization: 'Basic x' }, body: 'b' })
    expect(seen).toEqual([`PUT ${API}/x null`])
  })
})

describe('createStepUpFetch: options', () => {
  it('accepts mode acr_values', () => {
    expect(typeof createStepUpFetch({ ...ok, mode: 'acr_values' })).toBe('function')
  })

  it('refuses a resource identifier that is a URL object, not a string', () => {
    expect(() => createStepUpFetch({ ...ok, resources: [new URL(`${API}/v1`)] as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('names currentScope when it is invalid', () => {
    expect(() => createStepUpFetch({ ...ok, currentScope: 'a"b' })).toThrow(/currentScope/)
  })

  it('without options says getAccessToken is missing, as a TypeError with a code', () => {
    expect(() => createStepUpFetch(undefined as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: 'createStepUpFetch: getAccessToken must be a function',
      }),
    )
  })
})

describe('createStepUpFetch: request bodies', () => {
  it('sends a request with a null body', async () => {
    const fetch = vi.fn(async (_request: Request) => new Response('ok'))
    await createStepUpFetch({ ...ok, fetch })(`${API}/x`, { body: null })
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it.each([
    [
      'an async iterable',
      () =>
        (async function* () {
          yield new Uint8Array([1])
        })(),
    ],
    ['anything with getReader', () => ({ getReader: () => undefined })],
  ])('refuses %s as a stream body it cannot replay', async (_, body) => {
    const fetch = vi.fn(async () => new Response('ok'))
    const api = createStepUpFetch({ ...ok, fetch })
    expect(
      await failure(() => api(`${API}/x`, { method: 'POST', body: body() as never })),
    ).toMatchObject({
      code: 'ERR_BODY_NOT_REPLAYABLE',
      message:
        'a stream body cannot be replayed after a step-up; send bytes, a string, a Blob or FormData',
    })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('sends the caller’s own request, with its settings (its abort signal)', async () => {
    const fetch = vi.fn(async (_request: Request) => new Response('ok'))
    const controller = new AbortController()
    await createStepUpFetch({ ...ok, fetch })(`${API}/x`, { signal: controller.signal })
    expect(fetch.mock.calls[0]?.[0].signal.aborted).toBe(false)
    controller.abort()
    expect(fetch.mock.calls[0]?.[0].signal.aborted).toBe(true)
  })

  it('keeps the caller’s request settings (cache, credentials, mode, integrity, keepalive)', async () => {
    const url = `${API}/x`
    const settings = {
      cache: 'no-store',
      credentials: 'omit',
      mode: 'same-origin',
      integrity: 'sha256-abc',
      keepalive: true,
    } as const
    // The settings this runtime's own Request accepts (workerd refuses integrity), and what it
    // keeps of them (Bun has no credentials): the step-up fetch must send exactly that.
    const init: RequestInit = Object.fromEntries(
      Object.entries(settings).filter(([key, value]) => {
        try {
          new Request(url, { [key]: value })
          return true
        } catch {
          return false
        }
      }),
    )
    const own = new Request(url, init)
    const fetch = vi.fn(async (_request: Request) => new Response('ok'))
    await createStepUpFetch({ ...ok, fetch })(url, init)
    const sent = fetch.mock.calls[0]![0]
    const keys = ['cache', 'credentials', 'mode', 'integrity', 'keepalive'] as const
    expect(keys.map((key) => sent[key])).toEqual(keys.map((key) => own[key]))
  })
})

describe('createStepUpFetch: challenge bodies', () => {
  it('cancels an insufficient_scope body unread: only step-up and authorization details challenges have a body to read', async () => {
    let pulls = 0
    let cancelled = false
    const fetch = vi.fn(async (request: Request) =>
      request.headers.get('authorization') === 'Bearer gold'
        ? new Response('ok')
        : new Response(
            new ReadableStream(
              {
                pull(controller) {
                  pulls++
                  controller.enqueue(new TextEncoder().encode('{}'))
                  controller.close()
                },
                cancel() {
                  cancelled = true
                },
              },
              { highWaterMark: 0 },
            ),
            {
              status: 403,
              headers: {
                'www-authenticate': 'Bearer error="insufficient_scope", scope="payments"',
              },
            },
          ),
    )
    const response = await createStepUpFetch({ ...ok, fetch })(`${API}/x`)
    expect(await response.text()).toBe('ok')
    expect([pulls, cancelled]).toEqual([0, true])
  })
})

describe('createStepUpFetch: redirects', () => {
  const redirect = (status: number, location: string, body: string | null = null) =>
    new Response(body, { status, headers: { location } })

  it('follows a redirect without a body', async () => {
    const fetch = vi.fn(async (request: Request) =>
      request.url.endsWith('/a') ? redirect(302, `${API}/b`) : new Response('b'),
    )
    const response = await createStepUpFetch({ ...ok, fetch })(`${API}/a`)
    expect(await response.text()).toBe('b')
  })

  it('asks fetch not to follow redirects on a foreign hop either', async () => {
    const fetch = vi.fn(async (request: Request) =>
      request.url.startsWith(API) ? redirect(302, 'https://other.example/b') : new Response('b'),
    )
    await createStepUpFetch({ ...ok, fetch })(`${API}/a`)
    expect(fetch.mock.calls.map(([r]) => r.redirect)).toEqual(['manual', 'manual'])
  })

  it('gives up after 20 redirects with a TypeError saying so', async () => {
    const fetch = vi.fn(async () => redirect(302, `${API}/again`))
    expect(await failure(() => createStepUpFetch({ ...ok, fetch })(`${API}/a`))).toMatchObject({
      name: 'TypeError',
      message: 'too many redirects',
    })
  })

  it('keeps other headers after a 303, and the content headers after a 307', async () => {
    const fetch = vi.fn(async (request: Request) => {
      if (request.url.endsWith('/see')) return redirect(303, `${API}/other`)
      if (request.url.endsWith('/temp')) return redirect(307, `${API}/other`)
      return new Response('ok')
    })
    const api = createStepUpFetch({ ...ok, fetch })
    const headers = { 'content-type': 'text/plain', 'x-request-id': 'r1' }
    await api(`${API}/see`, { method: 'POST', headers, body: 'b' })
    await api(`${API}/temp`, { method: 'POST', headers, body: 'b' })
    const after = (i: number) => fetch.mock.calls[i]?.[0].headers
    expect([after(1)?.get('x-request-id'), after(1)?.get('content-type')]).toEqual(['r1', null])
    expect([after(3)?.get('x-request-id'), after(3)?.get('content-type')]).toEqual([
      'r1',
      'text/plain',
    ])
  })
})

describe('createStepUpFetch: onInvalidToken', () => {
  const told = async (response: () => Response) => {
    const onInvalidToken = vi.fn()
    await createStepUpFetch({ ...ok, fetch: async () => response(), onInvalidToken })(`${API}/x`)
    return onInvalidToken.mock.calls.length
  }

  it('is told about an invalid_token challenge of the scheme the token was sent with', async () => {
    expect(await told(() => challenge('Bearer error="invalid_token"'))).toBe(1)
  })

  it.each([
    [
      'a DPoP invalid_token answer to a Bearer token',
      () => challenge('DPoP error="invalid_token"'),
    ],
    ['another error', () => challenge('Bearer error="invalid_request"')],
    ['a bare challenge', () => challenge('Bearer')],
    ['a 200', () => new Response('ok')],
  ])('is not told about %s', async (_, response) => {
    expect(await told(response)).toBe(0)
  })
})

describe('createStepUpFetch: loops and limits', () => {
  it('says the same challenge came back', async () => {
    const api = createStepUpFetch({ ...ok, fetch: async () => challenge() })
    expect(await failure(() => api(`${API}/x`))).toMatchObject({
      code: 'ERR_STEP_UP_LOOP',
      message:
        'the same challenge came back after a step-up: the new token still does not meet it (is the authorization server honouring acr_values and max_age?)',
    })
  })

  it.each([
    [1, 'more than 1 step-up for one request (maxStepUps)'],
    [2, 'more than 2 step-ups for one request (maxStepUps)'],
  ])('with maxStepUps %i says: %s', async (maxStepUps, message) => {
    let n = 0
    const api = createStepUpFetch({
      ...ok,
      maxStepUps,
      stepUp: () => `token-${++n}`,
      fetch: async () => challenge(`Bearer error="insufficient_user_authentication", max_age=${n}`),
    })
    expect(await failure(() => api(`${API}/x`))).toMatchObject({
      code: 'ERR_STEP_UP_LIMIT',
      message,
    })
  })
})

describe('createStepUpFetch: resources (RFC 9728)', () => {
  const METADATA = `${API}/.well-known/oauth-protected-resource`
  /** A resource server whose challenges name the metadata, and metadata naming `resource`. */
  const server = (resource: (url: string) => string, header?: string) =>
    vi.fn(async (request: Request) => {
      if (request.url.startsWith(METADATA)) {
        return Response.json({
          resource: resource(request.url),
          authorization_servers: ['https://as.example.com'],
        })
      }
      if (request.headers.get('authorization') === 'Bearer gold') return new Response('ok')
      return challenge(header ?? `${STEP_UP}, resource_metadata="${METADATA}"`)
    })

  it('tells stepUp the longest listed resource the request is under', async () => {
    const stepUp = vi.fn((_c: unknown, _context: { resource?: string }) => 'gold')
    const api = createStepUpFetch({
      ...ok,
      allowedOrigins: [API, 'https://other.example.com'],
      resources: [`${API}/payments`, 'https://other.example.com/', `${API}/payments/eu`],
      stepUp,
      fetch: server(() => `${API}/payments/eu`),
    })
    await api(`${API}/payments/eu/1`)
    expect(stepUp.mock.calls[0]?.[1].resource).toBe(`${API}/payments/eu`)
  })

  it('tells stepUp the origin for a request under no listed resource', async () => {
    const stepUp = vi.fn((_c: unknown, _context: { resource?: string }) => 'gold')
    const api = createStepUpFetch({
      ...ok,
      allowedOrigins: [API, 'https://other.example.com'],
      resources: [`${API}/payments`, 'https://other.example.com/'],
      stepUp,
      fetch: server(() => API),
    })
    await api(`${API}/paymentsx`)
    expect(stepUp.mock.calls[0]?.[1].resource).toBe(API)
  })

  /** Two calls sent together; the challenges are answered once both requests were sent. */
  async function together(options: Partial<StepUpFetchOptions>, urls: readonly string[]) {
    let sent = 0
    let release = () => {}
    const both = new Promise<void>((resolve) => {
      release = resolve
    })
    const inner = options.fetch!
    const stepUp = vi.fn(async () => {
      await both
      return 'gold'
    })
    const api = createStepUpFetch({
      ...ok,
      ...options,
      stepUp,
      fetch: async (request) => {
        if (request.headers.get('authorization') === 'Bearer silver' && ++sent === urls.length) {
          release()
        }
        return inner(request)
      },
    })
    await Promise.all(urls.map((url) => api(url)))
    return stepUp.mock.calls.length
  }

  it('shares one step-up among resources when the challenge names no metadata', async () => {
    const calls = await together({ resources: [`${API}/a`, `${API}/b`], fetch: stepping() }, [
      `${API}/a/1`,
      `${API}/b/1`,
    ])
    expect(calls).toBe(1)
  })

  it('does not hand a token got for one resource to another that names the same metadata', async () => {
    let sent = 0
    let release = () => {}
    const both = new Promise<void>((resolve) => {
      release = resolve
    })
    const stepUp = vi.fn(async () => {
      await both
      return 'gold'
    })
    const metadata = server(() => `${API}/a`)
    const api = createStepUpFetch({
      ...ok,
      resources: [`${API}/a`, `${API}/b`],
      stepUp,
      fetch: async (request) => {
        if (request.headers.get('authorization') === 'Bearer silver' && ++sent === 2) release()
        return metadata(request)
      },
    })
    const [a, b] = await Promise.allSettled([api(`${API}/a/1`), api(`${API}/b/1`)])
    expect(a).toMatchObject({ status: 'fulfilled' })
    expect(b).toMatchObject({
      status: 'rejected',
      reason: { code: 'ERR_RESOURCE_METADATA_MISMATCH' },
    })
    expect(stepUp).toHaveBeenCalledTimes(1)
  })

  it('steps up per resource when the challenge names its metadata', async () => {
    const fetch = server((url) => (url.endsWith('/a') ? `${API}/a` : `${API}/b`))
    const calls = await together(
      {
        resources: [`${API}/a`, `${API}/b`],
        fetch: async (request) => {
          if (request.url.startsWith(METADATA)) return fetch(request)
          if (request.headers.get('authorization') === 'Bearer gold') return new Response('ok')
          const which = new URL(request.url).pathname.split('/')[1]
          return challenge(`${STEP_UP}, resource_metadata="${METADATA}/${which}"`)
        },
      },
      [`${API}/a/1`, `${API}/b/1`],
    )
    expect(calls).toBe(2)
  })
})

describe('createStepUpFetch: DPoP-bound tokens (RFC 9449)', () => {
  const dpopFetch = async (fetch: (request: Request) => Promise<Response>, extra = {}) =>
    createStepUpFetch({
      ...ok,
      fetch,
      getAccessToken: () => ({ token: 'silver', type: 'DPoP' }) as never,
      dpop: {
        keyPair: await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
          'sign',
          'verify',
        ]),
      },
      ...extra,
    })

  it('sends again with the nonce a use_dpop_nonce answer without a body gave', async () => {
    const fetch = vi.fn(async (request: Request) =>
      request.headers.has('dpop') && fetch.mock.calls.length > 1
        ? new Response('ok')
        : challenge('DPoP error="use_dpop_nonce"', { headers: { 'dpop-nonce': 'n-1' } }),
    )
    const response = await (await dpopFetch(fetch))(`${API}/x`)
    expect(await response.text()).toBe('ok')
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('sends again with the nonce when the DPoP challenge asks for it next to a Bearer step-up challenge', async () => {
    const fetch = vi.fn(async (_request: Request) =>
      fetch.mock.calls.length > 1
        ? new Response('ok')
        : challenge(
            'Bearer error="insufficient_user_authentication", DPoP error="use_dpop_nonce"',
            {
              headers: { 'dpop-nonce': 'n-1' },
            },
          ),
    )
    const response = await (await dpopFetch(fetch))(`${API}/x`)
    expect(await response.text()).toBe('ok')
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('does not send again for an invalid challenge; the call ends with it', async () => {
    const fetch = vi.fn(async () =>
      challenge('DPoP error="insufficient_user_authentication", max_age="soon"'),
    )
    expect(await failure(async () => (await dpopFetch(fetch))(`${API}/x`))).toMatchObject({
      code: 'ERR_CHALLENGE_INVALID',
    })
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('is not told about a Bearer invalid_token answer to a DPoP token', async () => {
    const onInvalidToken = vi.fn()
    const api = await dpopFetch(async () => challenge('Bearer error="invalid_token"'), {
      onInvalidToken,
    })
    await api(`${API}/x`)
    expect(onInvalidToken).not.toHaveBeenCalled()
  })
})
