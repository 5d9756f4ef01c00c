import { describe, expect, it, vi } from 'vitest'
import type { StepUpChallenge } from './challenge.js'
import { StepUpError } from './errors.js'
import { createStepUpFetch, type StepUpFetchOptions } from './step-up-fetch.js'

const ok: StepUpFetchOptions = {
  allowedOrigins: ['https://api.example.com'],
  getAccessToken: () => 'silver',
  stepUp: () => 'gold',
  fetch: async () => new Response('ok'),
}

describe('createStepUpFetch: options are checked once, at factory time', () => {
  it.each([
    ['allowedOrigins missing', { allowedOrigins: undefined }, 'ERR_INVALID_ARG_VALUE'],
    ['allowedOrigins empty', { allowedOrigins: [] }, 'ERR_INVALID_ARG_VALUE'],
    [
      'an origin with a path',
      { allowedOrigins: ['https://api.example.com/v1'] },
      'ERR_INVALID_ARG_VALUE',
    ],
    [
      'an origin with a query',
      { allowedOrigins: ['https://api.example.com/?a'] },
      'ERR_INVALID_ARG_VALUE',
    ],
    [
      'an origin with credentials',
      { allowedOrigins: ['https://u:p@api.example.com'] },
      'ERR_INVALID_ARG_VALUE',
    ],
    ['a non-http origin', { allowedOrigins: ['ftp://api.example.com'] }, 'ERR_INVALID_ARG_VALUE'],
    ['not a URL', { allowedOrigins: ['api.example.com'] }, 'ERR_INVALID_ARG_VALUE'],
    ['a wildcard', { allowedOrigins: ['https://*.example.com'] }, 'ERR_INVALID_ARG_VALUE'],
    ['maxStepUps 0', { maxStepUps: 0 }, 'ERR_INVALID_ARG_VALUE'],
    ['maxStepUps 1.5', { maxStepUps: 1.5 }, 'ERR_INVALID_ARG_VALUE'],
    ['maxStepUps Infinity', { maxStepUps: Number.POSITIVE_INFINITY }, 'ERR_INVALID_ARG_VALUE'],
    ['getAccessToken missing', { getAccessToken: undefined }, 'ERR_INVALID_ARG_TYPE'],
    ['stepUp not a function', { stepUp: 'gold' }, 'ERR_INVALID_ARG_TYPE'],
    ['fetch not a function', { fetch: {} }, 'ERR_INVALID_ARG_TYPE'],
    ['onInvalidToken not a function', { onInvalidToken: true }, 'ERR_INVALID_ARG_TYPE'],
    [
      'an http origin off loopback',
      { allowedOrigins: ['http://api.example.com'] },
      'ERR_INVALID_ARG_VALUE',
    ],
    [
      'allowInsecureOrigins naming an origin not allowed',
      { allowInsecureOrigins: ['http://api.internal'] },
      'ERR_INVALID_ARG_VALUE',
    ],
    ['an unknown mode', { mode: 'both' }, 'ERR_INVALID_ARG_VALUE'],
    ['a currentScope token with a quote', { currentScope: 'a"b' }, 'ERR_INVALID_ARG_VALUE'],
    ['a currentScope that is not a list', { currentScope: 5 }, 'ERR_INVALID_ARG_VALUE'],
    ['an unknown key', { maxStepUp: 2 }, 'ERR_UNKNOWN_OPTION'],
    ['an unknown key set to undefined', { onInvalidTokens: undefined }, 'ERR_UNKNOWN_OPTION'],
    ['options that are not an object', null, 'ERR_INVALID_ARG_TYPE'],
  ])('%s', (_, patch, code) => {
    const options = patch === null ? null : { ...ok, ...patch }
    expect(() => createStepUpFetch(options as unknown as StepUpFetchOptions)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code,
        message: expect.stringMatching(/^createStepUpFetch: /),
      }),
    )
  })

  it('names the unknown key and the nearest known one', () => {
    expect(() => createStepUpFetch({ ...ok, alowedOrigins: [] } as never)).toThrow(
      'createStepUpFetch: unknown option "alowedOrigins" (did you mean "allowedOrigins"?)',
    )
  })

  it('sends the token to an http origin listed in allowInsecureOrigins, and to loopback', async () => {
    const fetch = vi.fn(async (_request: Request) => new Response('ok'))
    const api = createStepUpFetch({
      ...ok,
      fetch,
      allowedOrigins: ['http://api.internal', 'http://[::1]:3000', 'http://localhost'],
      allowInsecureOrigins: ['http://api.internal'],
    })
    await api('http://api.internal/x')
    await api('http://[::1]:3000/x')
    await api('http://localhost/x')
    expect(fetch.mock.calls.map(([r]) => r.headers.get('authorization'))).toEqual([
      'Bearer silver',
      'Bearer silver',
      'Bearer silver',
    ])
  })

  it('accepts origins with a default port or a trailing slash, and compares them normalised', async () => {
    const fetch = vi.fn(async (_request: Request) => new Response('ok'))
    const api = createStepUpFetch({
      ...ok,
      fetch,
      allowedOrigins: ['https://API.example.com:443/', 'http://127.0.0.1:8080'],
    })
    await api('https://api.example.com/x')
    await api('http://127.0.0.1:8080/y')
    await api('https://api.example.com:8443/z')
    expect(fetch.mock.calls.map(([r]) => r.headers.get('authorization'))).toEqual([
      'Bearer silver',
      'Bearer silver',
      null,
    ])
  })
})

describe('createStepUpFetch: per request', () => {
  it('overrides an Authorization header the caller set for an allowed origin', async () => {
    const fetch = vi.fn(async (_request: Request) => new Response('ok'))
    const api = createStepUpFetch({ ...ok, fetch })
    await api('https://api.example.com/x', { headers: { authorization: 'Basic abc' } })
    expect(fetch.mock.calls[0]?.[0].headers.get('authorization')).toBe('Bearer silver')
  })

  it('refuses a getAccessToken that resolves no token', async () => {
    const api = createStepUpFetch({ ...ok, getAccessToken: () => '' })
    await expect(api('https://api.example.com/x')).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_RETURN_VALUE',
    })
  })

  it('uses globalThis.fetch at call time when no fetch is given', async () => {
    const spy = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('stubbed'))
    try {
      const { fetch: _omit, ...rest } = ok
      const api = createStepUpFetch(rest)
      expect(await (await api('https://api.example.com/x')).text()).toBe('stubbed')
      const sent = spy.mock.calls[0]?.[0] as Request
      expect(sent.headers.get('authorization')).toBe('Bearer silver')
    } finally {
      spy.mockRestore()
    }
  })

  it('does not start a step-up for a request aborted while its challenge arrived', async () => {
    const controller = new AbortController()
    const stepUp = vi.fn(() => 'gold')
    const api = createStepUpFetch({
      ...ok,
      stepUp,
      fetch: async () => {
        controller.abort()
        return new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=0',
          },
        })
      },
    })
    await expect(
      api('https://api.example.com/x', { signal: controller.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    })
    expect(stepUp).not.toHaveBeenCalled()
  })

  it('does not answer a challenge that a fetch reached by following redirects itself', async () => {
    const stepUp = vi.fn(() => 'gold')
    const fetch = vi.fn(async () => {
      const response = new Response(null, {
        status: 401,
        headers: {
          'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=0',
        },
      })
      return Object.defineProperty(response, 'redirected', { value: true })
    })
    const api = createStepUpFetch({ ...ok, stepUp, fetch })
    const response = await api('https://api.example.com/x', { method: 'POST', body: 'a' })
    expect(response.status).toBe(401)
    expect(stepUp).not.toHaveBeenCalled()
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('a stepUp that rejects with a StepUpError is passed on as is', async () => {
    const own = new StepUpError('ERR_STEP_UP_CANCELLED', 'closed')
    const api = createStepUpFetch({
      ...ok,
      stepUp: async (_challenge: StepUpChallenge) => Promise.reject(own),
      fetch: async () =>
        new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=0',
          },
        }),
    })
    await expect(api('https://api.example.com/x')).rejects.toBe(own)
  })

  it('an unmet_authentication_requirements error found in cause is recognised', async () => {
    const api = createStepUpFetch({
      ...ok,
      stepUp: () => {
        throw new Error('wrapped', { cause: { error: 'unmet_authentication_requirements' } })
      },
      fetch: async () =>
        new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=0',
          },
        }),
    })
    await expect(api('https://api.example.com/x')).rejects.toMatchObject({
      code: 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS',
    })
  })

  it('a rejected shared step-up is not reused by the next call', async () => {
    let calls = 0
    const stepUp = vi.fn(() => {
      calls++
      if (calls === 1) throw new Error('first attempt fails')
      return 'gold'
    })
    const api = createStepUpFetch({
      ...ok,
      stepUp,
      fetch: async (request) =>
        request.headers.get('authorization') === 'Bearer gold'
          ? new Response('ok')
          : new Response(null, {
              status: 401,
              headers: {
                'www-authenticate': 'Bearer error="insufficient_user_authentication", max_age=0',
              },
            }),
    })
    await expect(api('https://api.example.com/x')).rejects.toMatchObject({
      code: 'ERR_STEP_UP_FAILED',
    })
    expect((await api('https://api.example.com/x')).status).toBe(200)
    expect(stepUp).toHaveBeenCalledTimes(2)
  })
})

describe('createStepUpFetch: memory', () => {
  it('remembers finished step-ups for the last 64 challenges only', async () => {
    const challenge = (n: string) =>
      new Response(null, {
        status: 401,
        headers: {
          'www-authenticate': `Bearer error="insufficient_user_authentication", acr_values="acr-${n}"`,
        },
      })
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const stepUp = vi.fn(
      (c: StepUpChallenge) => `token-${c.kind === 'step_up' ? c.acr_values?.[0] : ''}`,
    )
    const api = createStepUpFetch({
      ...ok,
      stepUp,
      fetch: async (request) => {
        const n = new URL(request.url).pathname.slice(1).split('-')[0]!
        if (request.headers.get('authorization') === `Bearer token-acr-${n}`)
          return new Response('ok')
        if (request.url.endsWith('-held')) await held
        return challenge(n)
      },
    })
    const waiting = [api('https://api.example.com/0-held'), api('https://api.example.com/1-held')]
    await api('https://api.example.com/0')
    await api('https://api.example.com/1')
    for (let i = 2; i < 65; i++) await api(`https://api.example.com/${i}`)
    expect(stepUp).toHaveBeenCalledTimes(65)
    release()
    await Promise.all(waiting)
    expect(stepUp).toHaveBeenCalledTimes(66)
    expect(stepUp.mock.calls.at(-1)?.[0]).toMatchObject({ acr_values: ['acr-0'] })
  })
})
