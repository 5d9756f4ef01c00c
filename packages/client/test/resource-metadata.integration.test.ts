import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createStepUpFetch,
  fetchProtectedResourceMetadata,
  type StepUpChallenge,
  type StepUpContext,
  type StepUpFetchOptions,
} from '../src/index.js'
import { discoverResourceMetadata, RESOURCE_METADATA_TIMEOUT } from '../src/resource-metadata.js'
import { bearer, type Handler, startServer, type TestServer } from './resource-server.js'

let rs: TestServer

beforeAll(async () => {
  rs = await startServer()
})

afterAll(async () => {
  await rs.close()
})

beforeEach(() => {
  rs.seen.length = 0
})

const WELL_KNOWN = '/.well-known/oauth-protected-resource'

/**
 * A resource whose step-up challenge names its metadata (RFC 9728 §5.1, beside acr_values as
 * §5.1 allows), and serves `metadata` there (a string is sent as is).
 */
function resourceWithMetadata(
  metadata: unknown,
  serve: (res: Parameters<Handler>[1]) => void = (res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(typeof metadata === 'string' ? metadata : JSON.stringify(metadata)),
): Handler {
  return (request, res) => {
    if (request.path.startsWith(WELL_KNOWN)) return serve(res)
    if (bearer(request) === 'gold') return res.writeHead(200).end('ok')
    res
      .writeHead(401, {
        'www-authenticate': `Bearer error="insufficient_user_authentication", acr_values="myACR", resource_metadata="${rs.origin}${WELL_KNOWN}"`,
      })
      .end()
  }
}

function app(options: Partial<StepUpFetchOptions> = {}) {
  const stepUp = vi.fn((_challenge: StepUpChallenge, _context: StepUpContext) => 'gold')
  const api = createStepUpFetch({
    allowedOrigins: [rs.origin],
    getAccessToken: () => 'silver',
    stepUp,
    ...options,
  })
  return { api, stepUp }
}

const paths = () => rs.seen.map((r) => `${r.method} ${r.path} ${bearer(r) ?? '-'}`)

describe('RFC 9728 discovery from the challenge', () => {
  it('fetches the metadata without the token and hands stepUp the authorization server', async () => {
    const metadata = {
      resource: rs.origin,
      authorization_servers: ['https://as.example.com', 'https://as2.example.net'],
      scopes_supported: ['accounts'],
    }
    rs.handle(resourceWithMetadata(metadata))
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/accounts`)).status).toBe(200)
    expect(paths()).toEqual(['GET /accounts silver', `GET ${WELL_KNOWN} -`, 'GET /accounts gold'])
    expect(rs.seen[1]?.headers.accept).toBe('application/json')
    const context = stepUp.mock.calls[0]?.[1]
    expect(context?.resource).toBe(rs.origin)
    expect(context?.resourceMetadata).toEqual(metadata)
    expect(context?.authorizationServer).toBe('https://as.example.com')
  })

  it('a resource that differs is ERR_RESOURCE_METADATA_MISMATCH and no token is requested (§3.3)', async () => {
    rs.handle(
      resourceWithMetadata({
        resource: `${rs.origin}/`,
        authorization_servers: ['https://evil.example'],
      }),
    )
    const { api, stepUp } = app()
    await expect(api(`${rs.origin}/accounts`)).rejects.toMatchObject({
      name: 'StepUpError',
      code: 'ERR_RESOURCE_METADATA_MISMATCH',
      challenge: expect.objectContaining({ kind: 'step_up' }),
      message: expect.stringContaining('RFC 9728 §3.3'),
    })
    expect(stepUp).not.toHaveBeenCalled()
    expect(paths()).toEqual(['GET /accounts silver', `GET ${WELL_KNOWN} -`])
  })

  it('resources: the longest listed identifier the URL falls under is the resource', async () => {
    const v1 = `${rs.origin}/v1`
    rs.handle(resourceWithMetadata({ resource: v1, authorization_servers: ['https://as.example'] }))
    const { api, stepUp } = app({ resources: [rs.origin, v1, `${rs.origin}/v1/admin`] })
    expect((await api(`${rs.origin}/v1/accounts`)).status).toBe(200)
    expect(stepUp.mock.calls[0]?.[1].resource).toBe(v1)
    expect((await api(`${rs.origin}/v1`)).status).toBe(200)
    // /v10 is not under /v1: its resource is the origin, which the metadata does not name.
    await expect(api(`${rs.origin}/v10/accounts`)).rejects.toMatchObject({
      code: 'ERR_RESOURCE_METADATA_MISMATCH',
    })
    await expect(api(`${rs.origin}/v1/admin/users`)).rejects.toMatchObject({
      code: 'ERR_RESOURCE_METADATA_MISMATCH',
    })
  })

  it('parallel calls meeting the same challenge share one metadata request and one stepUp', async () => {
    rs.handle(resourceWithMetadata({ resource: rs.origin }))
    const { api, stepUp } = app()
    const responses = await Promise.all([1, 2, 3, 4, 5].map((i) => api(`${rs.origin}/r/${i}`)))
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(stepUp).toHaveBeenCalledTimes(1)
    expect(rs.seen.filter((r) => r.path === WELL_KNOWN)).toHaveLength(1)
    expect(stepUp.mock.calls[0]?.[1]).not.toHaveProperty('authorizationServer')
  })

  it.each([
    [
      'a status other than 200',
      (res: Parameters<Handler>[1]) => res.writeHead(404).end(),
      'ERR_RESOURCE_METADATA_UNAVAILABLE',
    ],
    [
      'a redirect (not followed)',
      (res: Parameters<Handler>[1]) => res.writeHead(302, { location: '/elsewhere' }).end(),
      'ERR_RESOURCE_METADATA_UNAVAILABLE',
    ],
    [
      'another media type',
      (res: Parameters<Handler>[1]) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end(`{"resource":"${rs.origin}"}`),
      'ERR_RESOURCE_METADATA_INVALID',
    ],
    [
      'more than 64 KiB',
      (res: Parameters<Handler>[1]) =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ resource: rs.origin, pad: 'x'.repeat(65536) })),
      'ERR_RESOURCE_METADATA_INVALID',
    ],
  ])('%s is refused, and stepUp is not called', async (_, serve, code) => {
    rs.handle(resourceWithMetadata(undefined, serve))
    const { api, stepUp } = app()
    await expect(api(`${rs.origin}/x`)).rejects.toMatchObject({ code })
    expect(stepUp).not.toHaveBeenCalled()
  })

  it.each([
    ['not JSON', '{"resource":'],
    ['an array', [{ resource: 'x' }]],
    ['no resource', { authorization_servers: ['https://as.example'] }],
    ['a resource that is not a string', { resource: 7 }],
    ['authorization_servers not a list', { resource: '<origin>', authorization_servers: 'x' }],
    [
      'an http: authorization server off loopback',
      { resource: '<origin>', authorization_servers: ['http://as.example'] },
    ],
    [
      'an authorization server that is not a URL',
      { resource: '<origin>', authorization_servers: ['as.example'] },
    ],
  ])('a document with %s is ERR_RESOURCE_METADATA_INVALID', async (_, document) => {
    const body =
      typeof document === 'string'
        ? document
        : JSON.parse(JSON.stringify(document).replaceAll('<origin>', rs.origin))
    rs.handle(resourceWithMetadata(body))
    const { api, stepUp } = app()
    await expect(api(`${rs.origin}/x`)).rejects.toMatchObject({
      code: 'ERR_RESOURCE_METADATA_INVALID',
    })
    expect(stepUp).not.toHaveBeenCalled()
  })

  it('a loopback http: authorization server is accepted for a loopback resource (development)', async () => {
    rs.handle(
      resourceWithMetadata({ resource: rs.origin, authorization_servers: ['http://localhost:9'] }),
    )
    const { api, stepUp } = app()
    expect((await api(`${rs.origin}/x`)).status).toBe(200)
    expect(stepUp.mock.calls[0]?.[1].authorizationServer).toBe('http://localhost:9')
  })
})

describe('fetchProtectedResourceMetadata', () => {
  it('fetches and checks a document on its own', async () => {
    rs.handle(resourceWithMetadata({ resource: rs.origin }))
    await expect(
      fetchProtectedResourceMetadata(`${rs.origin}${WELL_KNOWN}`, { resource: rs.origin }),
    ).resolves.toEqual({ resource: rs.origin })
  })

  it('refuses unknown options and a missing resource', () => {
    expect(() =>
      fetchProtectedResourceMetadata('https://rs.example/m', {
        resource: 'https://rs.example',
        resorce: 1,
      } as never),
    ).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }))
    expect(() => fetchProtectedResourceMetadata('https://rs.example/m', {} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })
})

// Fake timers: under vitest on Node only (the runtime matrix's shim fakes Date, not timers).
describe('the metadata request is time-bounded', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** A fetch that answers only when its request is aborted, with the abort reason. */
  const silent = vi.fn(
    (request: Request) =>
      new Promise<Response>((_, reject) => {
        request.signal.addEventListener('abort', () => reject(request.signal.reason))
      }),
  )

  it('gives up after 5 s with ERR_RESOURCE_METADATA_UNAVAILABLE', async () => {
    vi.useFakeTimers()
    const pending = discoverResourceMetadata(
      'https://rs.example/.well-known/oauth-protected-resource',
      'https://rs.example',
      silent,
    )
    const outcome = expect(pending).rejects.toMatchObject({
      code: 'ERR_RESOURCE_METADATA_UNAVAILABLE',
      message: expect.stringContaining('no answer within 5 s'),
      cause: expect.objectContaining({ name: 'TimeoutError' }),
    })
    await vi.advanceTimersByTimeAsync(RESOURCE_METADATA_TIMEOUT - 1)
    expect(silent.mock.calls[0]?.[0].signal.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await outcome
  })

  it('also bounds the time to read the body', async () => {
    vi.useFakeTimers()
    const slowBody = vi.fn(
      async (request: Request) =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"resource":'))
              request.signal.addEventListener('abort', () =>
                controller.error(request.signal.reason),
              )
            },
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
    )
    const pending = discoverResourceMetadata('https://rs.example/m', 'https://rs.example', slowBody)
    const outcome = expect(pending).rejects.toMatchObject({
      code: 'ERR_RESOURCE_METADATA_UNAVAILABLE',
    })
    await vi.advanceTimersByTimeAsync(RESOURCE_METADATA_TIMEOUT)
    await outcome
  })
})
