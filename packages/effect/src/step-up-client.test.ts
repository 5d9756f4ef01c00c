import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { StepUpAuthorizationParams, StepUpChallenge } from '@stepup/client'
import { Effect, Exit, Schedule, Stream } from 'effect'
import {
  FetchHttpClient,
  type HttpClient,
  type HttpClientError,
  HttpClientRequest,
} from 'effect/http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StepUpAuthError } from './errors.js'
import { makeStepUpClient, type StepUpClientOptions } from './step-up-client.js'

type Client = HttpClient.HttpClient.With<
  HttpClientError.HttpClientError | StepUpAuthError<'StepUpFailed'>
>

interface Seen {
  method?: string
  path: string
  authorization: string | undefined
  body: string
}

const CHALLENGE = {
  phr: 'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr"',
  phrh: 'Bearer error="insufficient_user_authentication", acr_values="phrh"',
  invalid: 'Bearer error="invalid_token", error_description="The access token is invalid"',
}

let api: Server
let foreign: Server
let API = ''
let FOREIGN = ''
const seen: Seen[] = []
const foreignSeen: Seen[] = []
const applied: string[] = []
let flaky = 0
const PAYMENT = { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5' } }

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

/** A resource server: `weak` tokens meet a phr challenge, `phr` tokens meet phrh on /high. */
function handle(log: Seen[]) {
  return async (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const body = await read(req)
    const path = req.url ?? '/'
    const authorization = req.headers.authorization
    log.push({
      path,
      authorization,
      body,
      ...(req.method !== 'GET' && { method: req.method ?? '' }),
    })
    const token = authorization?.replace(/^Bearer /, '')
    const deny = (challenge: string) => {
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' })
      res.end('{"error":"insufficient_user_authentication"}')
    }
    if (path === '/flaky' && flaky++ === 0) return req.socket.destroy()
    if (path === '/prg' && req.method === 'POST') {
      applied.push(body)
      return res.writeHead(303, { location: '/prg/result' }).end()
    }
    if (path === '/details' && token !== 'phr') {
      res.writeHead(403, {
        'www-authenticate': 'Bearer error="insufficient_authorization_details"',
        'content-type': 'application/json',
      })
      return res.end(
        JSON.stringify({
          error: 'insufficient_authorization_details',
          authorization_details: [PAYMENT],
        }),
      )
    }
    if (path === '/bad-max-age') {
      return deny('Bearer error="insufficient_user_authentication", max_age="-1"')
    }
    if (path === '/bad-details') {
      res.writeHead(401, {
        'www-authenticate': 'Bearer error="insufficient_user_authentication", acr_values="phr"',
        'content-type': 'application/json',
      })
      return res.end(
        JSON.stringify({
          error: 'insufficient_user_authentication',
          authorization_details: [{ type: 7 }],
        }),
      )
    }
    if (path === '/prefer' && token === 'weak') {
      res.statusCode = 401
      res.setHeader('www-authenticate', [
        'Bearer error="insufficient_scope", scope="payments"',
        'Bearer error="insufficient_user_authentication"',
        'acr_values="phr"',
      ])
      return res.end()
    }
    if (path === '/slow') await new Promise((r) => setTimeout(r, 300))
    if (path === '/invalid') return deny(CHALLENGE.invalid)
    if (path === '/loop' || token === 'weak') return deny(CHALLENGE.phr)
    if (path === '/high' && token !== 'phrh') return deny(CHALLENGE.phrh)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ token, body }))
  }
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  )

beforeAll(async () => {
  api = createServer(handle(seen))
  foreign = createServer(handle(foreignSeen))
  API = await listen(api)
  FOREIGN = await listen(foreign)
})

afterAll(async () => {
  for (const s of [api, foreign]) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
})

/** A client whose `stepUp` answers with `tokens` in turn and counts its runs. */
function setup(
  overrides: Partial<StepUpClientOptions<never, never, never>> = {},
  tokens = ['phr'],
) {
  const calls: StepUpChallenge[] = []
  const asked: StepUpAuthorizationParams[] = []
  let current = 'weak'
  const options: StepUpClientOptions<never, never, never> = {
    allowedOrigins: [API],
    getAccessToken: () => Effect.sync(() => current),
    stepUp: (challenge, _request, params) =>
      Effect.sync(() => {
        calls.push(challenge)
        asked.push(params)
        current = tokens[Math.min(calls.length - 1, tokens.length - 1)]!
        return current
      }).pipe(Effect.delay('20 millis')),
    ...overrides,
  }
  const run = <A, E>(f: (client: Client) => Effect.Effect<A, E>) =>
    Effect.runPromiseExit(
      Effect.flatMap(makeStepUpClient(options), f).pipe(Effect.provide(FetchHttpClient.layer)),
    )
  return { calls, asked, run }
}

const failure = (exit: Exit.Exit<unknown, unknown>): StepUpAuthError<'StepUpFailed'>['reason'] => {
  if (Exit.isSuccess(exit)) throw new Error('expected a failure')
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== 'Fail')
    throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  const error = reason.error as StepUpAuthError<'StepUpFailed'>
  expect(error._tag).toBe('StepUpAuthError')
  return error.reason
}

describe('makeStepUpClient (RFC 9470 §4 client behaviour over Effect HttpClient)', () => {
  it('steps up on insufficient_user_authentication and replays the same bytes once', async () => {
    seen.length = 0
    const { calls, run } = setup()
    const exit = await run((client) =>
      Effect.flatMap(
        client.execute(
          HttpClientRequest.post(`${API}/transfers`).pipe(
            HttpClientRequest.bodyText('{"amount":"5000"}', 'application/json'),
          ),
        ),
        (res) => res.json,
      ),
    )
    expect(Exit.isSuccess(exit) && exit.value).toEqual({ token: 'phr', body: '{"amount":"5000"}' })
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ kind: 'step_up', acr_values: ['phr'] })
    expect(seen.map((s) => [s.authorization, s.body])).toEqual([
      ['Bearer weak', '{"amount":"5000"}'],
      ['Bearer phr', '{"amount":"5000"}'],
    ])
  })

  it('single flight: concurrent requests meeting the same challenge share one stepUp', async () => {
    const { calls, run } = setup()
    const exit = await run((client) =>
      Effect.all(
        Array.from({ length: 5 }, () => Effect.map(client.get(`${API}/accounts`), (r) => r.status)),
        { concurrency: 'unbounded' },
      ),
    )
    expect(Exit.isSuccess(exit) && exit.value).toEqual([200, 200, 200, 200, 200])
    expect(calls).toHaveLength(1)
  })

  it('never loops: the same challenge after a step-up fails with ERR_STEP_UP_LOOP', async () => {
    const { calls, run } = setup()
    const error = failure(await run((client) => client.get(`${API}/loop`)))
    expect(error._tag).toBe('StepUpFailed')
    expect(error.code).toBe('ERR_STEP_UP_LOOP')
    expect(error.challenge).toMatchObject({ kind: 'step_up', acr_values: ['phr'] })
    expect(error.response?.status).toBe(401)
    expect(calls).toHaveLength(1)
  })

  it('more challenges than maxStepUps fail with ERR_STEP_UP_LIMIT', async () => {
    const { run } = setup({}, ['phr', 'phrh'])
    const error = failure(await run((client) => client.get(`${API}/high`)))
    expect(error.code).toBe('ERR_STEP_UP_LIMIT')
    expect(error.challenge).toMatchObject({ acr_values: ['phrh'] })
  })

  it('allows as many step-ups as maxStepUps', async () => {
    const { calls, run } = setup({ maxStepUps: 2 }, ['phr', 'phrh'])
    const exit = await run((client) => Effect.map(client.get(`${API}/high`), (r) => r.status))
    expect(Exit.isSuccess(exit) && exit.value).toBe(200)
    expect(calls).toHaveLength(2)
  })

  it('never sends the token to another origin', async () => {
    foreignSeen.length = 0
    const { run } = setup()
    const exit = await run((client) =>
      Effect.map(client.get(`${FOREIGN}/accounts`), (r) => r.status),
    )
    expect(Exit.isSuccess(exit) && exit.value).toBe(200)
    expect(foreignSeen).toEqual([{ path: '/accounts', authorization: undefined, body: '' }])
  })

  it('refuses a stream body before sending anything', async () => {
    seen.length = 0
    const { run } = setup()
    const body = HttpClientRequest.bodyStream(
      HttpClientRequest.post(`${API}/transfers`),
      Stream.make(new TextEncoder().encode('x')),
    )
    const error = failure(await run((client) => client.execute(body)))
    expect(error.code).toBe('ERR_BODY_NOT_REPLAYABLE')
    expect(seen).toEqual([])
  })

  it('classifies stepUp failures: cancelled, unmet requirements, anything else', async () => {
    const cases = [
      [Object.assign(new Error('closed'), { name: 'AbortError' }), 'ERR_STEP_UP_CANCELLED'],
      [
        { error: 'unmet_authentication_requirements' },
        'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS',
      ],
      [new Error('popup blocked'), 'ERR_STEP_UP_FAILED'],
    ] as const
    for (const [cause, code] of cases) {
      const { run } = setup({ stepUp: () => Effect.fail(cause) })
      const error = failure(await run((client) => client.get(`${API}/accounts`)))
      expect(error.code).toBe(code)
      expect(error.cause).toBe(cause)
      expect(error.challenge).toMatchObject({ kind: 'step_up' })
    }
  })

  it('a stepUp that resolves no token fails with ERR_STEP_UP_FAILED', async () => {
    const { run } = setup({ stepUp: () => Effect.succeed('') })
    expect(failure(await run((client) => client.get(`${API}/accounts`))).code).toBe(
      'ERR_STEP_UP_FAILED',
    )
  })

  it('a stepUp slower than stepUpTimeout fails with ERR_STEP_UP_TIMEOUT', async () => {
    const { run } = setup({ stepUp: () => Effect.never, stepUpTimeout: '30 millis' })
    expect(failure(await run((client) => client.get(`${API}/accounts`))).code).toBe(
      'ERR_STEP_UP_TIMEOUT',
    )
  })

  it('invalid_token is not a step-up: onInvalidToken is told and the 401 is returned', async () => {
    const told: string[] = []
    const { calls, run } = setup({
      onInvalidToken: ({ challenge }) => Effect.sync(() => told.push(challenge.params.error ?? '')),
    })
    const exit = await run((client) => Effect.map(client.get(`${API}/invalid`), (r) => r.status))
    expect(Exit.isSuccess(exit) && exit.value).toBe(401)
    expect(told).toEqual(['invalid_token'])
    expect(calls).toHaveLength(0)
  })

  it('retries transport failures of idempotent requests with the given Schedule', async () => {
    flaky = 0
    const { run } = setup({ retry: Schedule.recurs(1) })
    const exit = await run((client) => Effect.map(client.get(`${API}/flaky`), (r) => r.status))
    expect(Exit.isSuccess(exit) && exit.value).toBe(200)
    // The dropped connection, its retry (meeting the step-up challenge), and the replay.
    expect(flaky).toBe(3)
  })

  it('does not retry a POST, nor when the Schedule says never', async () => {
    for (const [method, retry] of [
      ['POST', Schedule.recurs(3)],
      ['GET', Schedule.recurs(0)],
    ] as const) {
      flaky = 0
      const { run } = setup({ retry })
      const request =
        method === 'POST'
          ? HttpClientRequest.post(`${API}/flaky`)
          : HttpClientRequest.get(`${API}/flaky`)
      const exit = await run((client) => client.execute(request))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(flaky).toBe(1)
    }
  })

  it('times out each attempt with the given timeout', async () => {
    const { run } = setup({ timeout: '50 millis', retry: Schedule.recurs(0) })
    const exit = await run((client) => client.get(`${API}/slow`))
    const cause = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    const error = (cause?._tag === 'Fail' ? cause.error : undefined) as {
      _tag: string
      reason: { _tag: string; description?: string }
    }
    expect(error._tag).toBe('HttpClientError')
    expect(error.reason).toMatchObject({ _tag: 'TransportError', description: 'timed out' })
  })

  it('checks its options when called (coded TypeErrors)', () => {
    const base = setup().run
    expect(base).toBeTypeOf('function')
    const ok: StepUpClientOptions<never, never, never> = {
      allowedOrigins: [API],
      getAccessToken: () => Effect.succeed('t'),
      stepUp: () => Effect.succeed('t'),
    }
    for (const bad of [
      { allowedOrigins: [] },
      { allowedOrigins: ['https://api.example.com/path'] },
      { allowedOrigins: ['ftp://api.example.com'] },
      { allowedOrigins: ['https://*.example.com'] },
      { allowedOrigins: ['http://api.example.com'] },
      { allowedOrigins: ['https://a.example'], allowInsecureOrigins: ['http://a.example'] },
      { currentScope: 'a"b' },
      { mode: 'both' },
      { maxStepUps: 0 },
      { stepUp: undefined },
    ]) {
      expect(() => makeStepUpClient({ ...ok, ...bad } as never)).toThrow(
        expect.objectContaining({
          name: 'TypeError',
          code: expect.stringMatching(/^ERR_INVALID_ARG_/),
        }),
      )
    }
  })
})

describe('makeStepUpClient: the same rules as createStepUpFetch', () => {
  const ok: StepUpClientOptions<never, never, never> = {
    allowedOrigins: ['https://api.example.com'],
    getAccessToken: () => Effect.succeed('t'),
    stepUp: () => Effect.succeed('t'),
  }

  it('refuses unknown option keys, naming the nearest known one', () => {
    expect(() => makeStepUpClient({ ...ok, allowedOrigin: [API] } as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_UNKNOWN_OPTION',
        message:
          'makeStepUpClient: unknown option "allowedOrigin" (did you mean "allowedOrigins"?)',
      }),
    )
  })

  it('takes exact origins only: a wildcard is refused, naming the entry (RFC 6750 §5.3)', () => {
    expect(() => makeStepUpClient({ ...ok, allowedOrigins: ['https://*.example.com'] })).toThrow(
      /^makeStepUpClient: allowedOrigins\[0\] "https:\/\/\*\.example\.com" is not an origin/,
    )
    expect(() => makeStepUpClient({ ...ok, allowedOrigins: ['http://api.internal'] })).toThrow(
      /is not https:.*allowInsecureOrigins: \["http:\/\/api\.internal"\]/,
    )
    expect(
      makeStepUpClient({
        ...ok,
        allowedOrigins: ['http://api.internal'],
        allowInsecureOrigins: ['http://api.internal'],
      }),
    ).toBeDefined()
  })

  it('retries only the GET after a 303 from a POST, never the POST (RFC 9110 §9.2.2)', async () => {
    seen.length = 0
    applied.length = 0
    const { calls, run } = setup()
    const exit = await run((client) =>
      Effect.map(
        client.execute(
          HttpClientRequest.post(`${API}/prg`).pipe(
            HttpClientRequest.bodyText('{"amount":"5000"}', 'application/json'),
          ),
        ),
        (r) => r.status,
      ),
    )
    expect(Exit.isSuccess(exit) && exit.value).toBe(200)
    expect(calls).toHaveLength(1)
    expect(applied).toEqual(['{"amount":"5000"}'])
    expect(seen.map((s) => [s.method ?? 'GET', s.path, s.authorization])).toEqual([
      ['POST', '/prg', 'Bearer weak'],
      ['GET', '/prg/result', 'Bearer weak'],
      ['GET', '/prg/result', 'Bearer phr'],
    ])
  })

  it('never replays when the transport followed the redirect itself', async () => {
    seen.length = 0
    applied.length = 0
    const { calls, run } = setup()
    const following: typeof globalThis.fetch = (input, init) =>
      globalThis.fetch(input, { ...init, redirect: 'follow' })
    const exit = await run((client) =>
      Effect.map(
        client.execute(HttpClientRequest.post(`${API}/prg`).pipe(HttpClientRequest.bodyText('{}'))),
        (r) => r.status,
      ).pipe(Effect.provideService(FetchHttpClient.Fetch, following)),
    )
    expect(Exit.isSuccess(exit) && exit.value).toBe(401)
    expect(calls).toHaveLength(0)
    expect(applied).toEqual(['{}'])
    expect(seen.map((s) => s.path)).toEqual(['/prg', '/prg/result'])
  })

  it('answers 403 insufficient_authorization_details with the details the body names', async () => {
    const { calls, asked, run } = setup({ currentScope: 'openid accounts' })
    const exit = await run((client) => Effect.map(client.get(`${API}/details`), (r) => r.status))
    expect(Exit.isSuccess(exit) && exit.value).toBe(200)
    expect(calls[0]).toMatchObject({
      kind: 'insufficient_authorization_details',
      authorization_details: [PAYMENT],
    })
    expect(asked).toEqual([
      { scope: 'openid accounts', authorization_details: JSON.stringify([PAYMENT]) },
    ])
  })

  it('prefers the step-up over an insufficient_scope listed first, over several lines', async () => {
    const { calls, run } = setup()
    const exit = await run((client) => Effect.map(client.get(`${API}/prefer`), (r) => r.status))
    expect(Exit.isSuccess(exit) && exit.value).toBe(200)
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ kind: 'step_up', acr_values: ['phr'] })
  })

  it.each([
    ['/bad-max-age', /max_age "-1" is not a non-negative integer \(RFC 9470 §3\)/],
    ['/bad-details', /authorization_details\[0\]\.type must be a non-empty string/],
  ])('%s: fails with ERR_CHALLENGE_INVALID before stepUp runs', async (path, message) => {
    const { calls, run } = setup()
    const error = failure(await run((client) => client.get(`${API}${path}`)))
    expect(error).toMatchObject({
      _tag: 'StepUpFailed',
      code: 'ERR_CHALLENGE_INVALID',
      message: expect.stringMatching(message),
    })
    expect(error.response?.status).toBe(401)
    expect(calls).toHaveLength(0)
  })
})
