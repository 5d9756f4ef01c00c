import { describe, expect, it, vi } from 'vitest'
import { discoverResourceMetadata } from './resource-metadata.js'
import { createStepUpFetch } from './step-up-fetch.js'

describe('discoverResourceMetadata', () => {
  it.each([
    ['http: off loopback', 'http://rs.example/m', 'https://rs.example'],
    [
      'http: loopback for a resource that is not on loopback',
      'http://127.0.0.1/m',
      'https://rs.example',
    ],
    ['not a URL', '/m', 'https://rs.example'],
    ['a URL with a fragment', 'https://rs.example/m#x', 'https://rs.example'],
    ['another scheme', 'ftp://rs.example/m', 'https://rs.example'],
  ])('a metadata URL that is %s is refused without a request', async (_, url, resource) => {
    const fetch = vi.fn(async () => Response.json({ resource }))
    await expect(discoverResourceMetadata(url, resource, fetch)).rejects.toMatchObject({
      code: 'ERR_RESOURCE_METADATA_INVALID',
      message: expect.stringContaining('is not an https: URL'),
    })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('sends GET without the token, and does not follow a redirect', async () => {
    const fetch = vi.fn(async (_request: Request) => Response.redirect('https://rs.example/n', 302))
    await expect(
      discoverResourceMetadata('https://rs.example/m', 'https://rs.example', fetch),
    ).rejects.toMatchObject({ code: 'ERR_RESOURCE_METADATA_UNAVAILABLE' })
    const request = fetch.mock.calls[0]![0]
    expect([request.method, request.redirect]).toEqual(['GET', 'manual'])
    expect(request.headers.has('authorization')).toBe(false)
  })

  it('compares resource code point by code point: no normalisation (RFC 9728 §6)', async () => {
    const fetch = async () => Response.json({ resource: 'https://RS.example' })
    await expect(
      discoverResourceMetadata('https://rs.example/m', 'https://rs.example', fetch),
    ).rejects.toMatchObject({ code: 'ERR_RESOURCE_METADATA_MISMATCH' })
  })
})

describe('createStepUpFetch: resources', () => {
  const base = {
    allowedOrigins: ['https://api.example.com', 'http://localhost:3000'],
    getAccessToken: () => 't',
    stepUp: () => 'u',
  }

  it.each([
    ['not a list', 'https://api.example.com', 'ERR_INVALID_ARG_TYPE'],
    ['a relative URL', ['/v1'], 'ERR_INVALID_ARG_VALUE'],
    ['a query', ['https://api.example.com/v1?x'], 'ERR_INVALID_ARG_VALUE'],
    ['an empty query', ['https://api.example.com/v1?'], 'ERR_INVALID_ARG_VALUE'],
    ['a fragment', ['https://api.example.com/v1#x'], 'ERR_INVALID_ARG_VALUE'],
    ['another origin', ['https://other.example.com/v1'], 'ERR_INVALID_ARG_VALUE'],
    ['not a string', [7], 'ERR_INVALID_ARG_VALUE'],
  ])('refuses %s', (_, resources, code) => {
    expect(() => createStepUpFetch({ ...base, resources } as never)).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(/^createStepUpFetch: /) }),
    )
  })

  it('accepts identifiers on allowed origins', () => {
    expect(
      typeof createStepUpFetch({
        ...base,
        resources: [
          'https://api.example.com',
          'https://api.example.com/v1/',
          'http://localhost:3000/api',
        ],
      }),
    ).toBe('function')
  })

  it('a loopback metadata URL is not fetched for a resource that is not on loopback', async () => {
    const fetch = vi.fn(async (request: Request) =>
      request.url.startsWith('http://127.0.0.1')
        ? Response.json({ resource: 'https://api.example.com' })
        : new Response(null, {
            status: 401,
            headers: {
              'www-authenticate':
                'Bearer error="insufficient_user_authentication", resource_metadata="http://127.0.0.1:9/m"',
            },
          }),
    )
    const stepUp = vi.fn(() => 'u')
    const api = createStepUpFetch({ ...base, fetch, stepUp })
    await expect(api('https://api.example.com/x')).rejects.toMatchObject({
      code: 'ERR_RESOURCE_METADATA_INVALID',
    })
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(stepUp).not.toHaveBeenCalled()
  })
})
