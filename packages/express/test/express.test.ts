import type { AddressInfo } from 'node:net'
import {
  AccessTokenError,
  amountThreshold,
  createRiskPolicy,
  parseAccessTokenClaims,
} from '@stepup/assurance'
import express5 from 'express'
import express4 from 'express4'
import { afterEach, describe, expect, it } from 'vitest'
import { StepUpHttpError, stepUp } from '../src/index.ts'

const verify = async (token: string) => {
  if (token === 'down') throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'JWKS unreachable')
  if (token !== 'good') throw new Error('unknown token')
  return parseAccessTokenClaims({
    sub: 'alice',
    acr: 'phr',
    auth_time: Math.floor(Date.now() / 1000),
  })
}

const closers: (() => void)[] = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

function listen(app: express5.Express): Promise<string> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      closers.push(() => server.close())
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    })
  })
}

const get = (base: string, token?: string) =>
  fetch(`${base}/x`, token ? { headers: { authorization: `Bearer ${token}` } } : {})

describe.each([
  ['Express 5', express5],
  ['Express 4', express4 as unknown as typeof express5],
])('%s', (_name, express) => {
  it('sets req.auth with claims, token and decision on success', async () => {
    const app = express()
    app.get('/x', stepUp({ verify, requirement: { acr_values: ['phr'] } }), (req, res) => {
      res.json({
        sub: req.auth?.claims.sub,
        token: req.auth?.token,
        ok: req.auth?.decision.result.ok,
      })
    })
    const res = await get(await listen(app), 'good')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ sub: 'alice', token: 'good', ok: true })
  })

  it('answers failures directly with status, WWW-Authenticate and JSON body', async () => {
    const app = express()
    app.get(
      '/x',
      stepUp({ verify, realm: 'bank', requirement: { acr_values: ['phrh'] } }),
      (_q, r) => {
        r.end()
      },
    )
    const res = await get(await listen(app), 'good')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh"',
    )
    expect(await res.json()).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
    })
  })

  it('passErrors hands a StepUpHttpError carrying status and headers to next(err)', async () => {
    const app = express()
    const seen: unknown[] = []
    app.get('/x', stepUp({ verify, passErrors: true }), (_q, r) => {
      r.end()
    })
    app.use(
      (
        err: unknown,
        _req: express5.Request,
        res: express5.Response,
        _next: express5.NextFunction,
      ) => {
        seen.push(err)
        const e = err as StepUpHttpError
        res
          .status(e.status)
          .set(e.headers)
          .json({ handled: true, ...e.body })
      },
    )
    const base = await listen(app)
    const res = await get(base, 'bad')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(await res.json()).toEqual({
      handled: true,
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
    expect(seen[0]).toBeInstanceOf(StepUpHttpError)
    expect(seen[0]).toMatchObject({
      status: 401,
      statusCode: 401,
      code: 'ERR_ACCESS_INVALID_TOKEN',
    })
  })

  it("passErrors works with Express's own final handler (status and headers from the error)", async () => {
    const app = express()
    app.get('/x', stepUp({ verify, passErrors: true }), (_q, r) => {
      r.end()
    })
    const res = await get(await listen(app))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
  })

  it('a verifier outage is a 503 without challenge', async () => {
    const app = express()
    app.get('/x', stepUp({ verify }), (_q, r) => {
      r.end()
    })
    const res = await get(await listen(app), 'down')
    expect(res.status).toBe(503)
    expect(res.headers.get('www-authenticate')).toBeNull()
  })

  it('reports every decision, with the verification reason, to onDecision only', async () => {
    const events: { status: number; cause?: unknown }[] = []
    const app = express()
    app.get('/x', stepUp({ verify, onDecision: (e) => events.push(e) }), (_q, r) => {
      r.end()
    })
    const res = await get(await listen(app), 'bad')
    expect(await res.text()).not.toContain('unknown token')
    expect(events).toHaveLength(1)
    expect(events[0]!.status).toBe(401)
    expect((events[0]!.cause as Error).message).toBe('unknown token')
  })
})

describe('options are checked once, when the middleware is built', () => {
  it.each([
    [{}, 'ERR_INVALID_ARG_TYPE'],
    [{ verify, requirement: { max_age: -1 } }, 'ERR_INVALID_ARG_VALUE'],
    [{ verify, realm: 'a"\n' }, undefined],
  ])('%j throws a coded TypeError', (options, code) => {
    let error: unknown
    try {
      stepUp(options as Parameters<typeof stepUp>[0])
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(TypeError)
    if (code) expect(error).toMatchObject({ code })
  })
})

describe.each([
  ['Express 5', express5],
  ['Express 4', express4 as unknown as typeof express5],
])('%s: a policy never passes on a body it cannot read', (_name, express) => {
  const policy = createRiskPolicy([
    amountThreshold({
      type: 'payment_initiation',
      thresholds: [{ atLeast: '1000', acr_values: ['phrh'] }],
    }),
  ])
  const transfer = JSON.stringify({
    authorization_details: [
      { type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '10000' } },
    ],
  })
  const post = (base: string, body: string, type?: string) =>
    fetch(`${base}/transfers`, {
      method: 'POST',
      headers: { authorization: 'Bearer good', ...(type && { 'content-type': type }) },
      body,
    })

  it('with express.json() mounted, a text/plain transfer is 400, not a pass', async () => {
    const app = express()
    app.use(express.json())
    app.post('/transfers', stepUp({ verify, requirement: policy }), (_q, r) => {
      r.status(201).end()
    })
    const base = await listen(app)
    for (const type of ['text/plain', undefined]) {
      const res = await post(base, transfer, type)
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description:
          'The request body must be application/json or application/x-www-form-urlencoded',
      })
    }
    // The same transfer as JSON reaches the policy, which asks for the stronger sign-in.
    expect((await post(base, transfer, 'application/json')).status).toBe(401)
  })

  it('without a body parser, reads the body itself and leaves it on req.body', async () => {
    const app = express()
    const low = createRiskPolicy([
      amountThreshold({
        type: 'payment_initiation',
        thresholds: [{ atLeast: '100000', acr_values: ['phrh'] }],
      }),
    ])
    app.post('/transfers', stepUp({ verify, requirement: low }), express.json(), (req, res) => {
      res.json(req.body)
    })
    const res = await post(await listen(app), transfer, 'application/json')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual(JSON.parse(transfer))
  })

  it('stops reading a body over bodyLimit and answers 400', async () => {
    const app = express()
    app.post('/transfers', stepUp({ verify, requirement: policy, bodyLimit: 64 }), (_q, r) => {
      r.end()
    })
    const res = await fetch(`${await listen(app)}/transfers`, {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(`{"x":"${'a'.repeat(200)}"}`))
          c.close()
        },
      }),
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error_description: 'The request body is too large' })
  })

  it('refuses unknown options when the middleware is built', () => {
    expect(() => stepUp({ verify, relam: 'bank' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'stepUp: unknown option "relam" (did you mean "realm"?)',
      }),
    )
    expect(() => stepUp({ verify, passerrors: true } as never)).toThrow(
      'stepUp: unknown option "passerrors" (did you mean "passErrors"?)',
    )
  })
})

describe('StepUpHttpError', () => {
  it('names a missing token, an invalid one and a step-up apart', () => {
    const refusal = (body: { error: string } | null) =>
      new StepUpHttpError({ status: 401, headers: {}, body }).code
    expect(refusal(null)).toBe('ERR_ACCESS_UNAUTHENTICATED')
    expect(refusal({ error: 'invalid_token' })).toBe('ERR_ACCESS_INVALID_TOKEN')
    expect(refusal({ error: 'insufficient_user_authentication' })).toBe(
      'ERR_ACCESS_INSUFFICIENT_USER_AUTHENTICATION',
    )
  })

  it('keeps the cause it is given', () => {
    const cause = new Error('verifier')
    const error = new StepUpHttpError({ status: 503, headers: {}, body: null }, { cause })
    expect(error.cause).toBe(cause)
  })
})
