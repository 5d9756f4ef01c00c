import { AccessTokenError, createRiskPolicy, parseAccessTokenClaims } from '@stepup/assurance'
import Fastify5 from 'fastify'
import Fastify4 from 'fastify4'
import { describe, expect, it } from 'vitest'
import defaultExport, { stepUp } from '../src/index.ts'

const verify = async (token: string) => {
  if (token === 'down') throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'JWKS unreachable')
  if (token !== 'good') throw new Error('unknown token')
  return parseAccessTokenClaims({
    sub: 'alice',
    acr: 'phr',
    auth_time: Math.floor(Date.now() / 1000) - 10,
  })
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

// The same tests run on Fastify 5 and Fastify 4; the plugin is typed against Fastify 5's types.
describe.each([
  ['Fastify 5', Fastify5],
  ['Fastify 4', Fastify4 as unknown as typeof Fastify5],
])('@stepup/fastify on %s', (_name, Fastify) => {
  async function app() {
    const fastify = Fastify()
    await fastify.register(stepUp, { verify, realm: 'bank' })
    return fastify
  }

  it('the default export is the named stepUp plugin', () => {
    expect(defaultExport).toBe(stepUp)
  })

  it('requireAssurance(requirement) → preHandler that sets request.auth', async () => {
    const fastify = await app()
    fastify.get(
      '/x',
      { preHandler: fastify.requireAssurance({ acr_values: ['phr'] }) },
      async (request) => ({
        sub: request.auth?.claims.sub,
        token: request.auth?.token,
      }),
    )
    const res = await fastify.inject({ url: '/x', headers: bearer('good') })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ sub: 'alice', token: 'good' })
  })

  it('requireAssurance(fn) resolves the requirement per request', async () => {
    const fastify = await app()
    const hook = fastify.requireAssurance((request) => ({
      max_age: request.headers['x-strict'] ? 0 : 300,
    }))
    fastify.get('/x', { preHandler: hook }, async () => 'ok')
    expect((await fastify.inject({ url: '/x', headers: bearer('good') })).statusCode).toBe(200)
    const strict = await fastify.inject({
      url: '/x',
      headers: { ...bearer('good'), 'x-strict': '1' },
    })
    expect(strict.statusCode).toBe(401)
    expect(strict.headers['www-authenticate']).toContain('max_age="0"')
  })

  it('requireAssurance(policy) runs after body parsing, so the policy reads RAR details', async () => {
    const fastify = await app()
    const seen: unknown[] = []
    const policy = createRiskPolicy([
      {
        name: 'big',
        evaluate: ({ details }) => {
          seen.push(details)
          return details?.length ? { acr_values: ['phrh'] } : undefined
        },
      },
    ])
    fastify.post('/t', { preHandler: fastify.requireAssurance(policy) }, async (request) => ({
      fired: request.auth?.decision.fired,
    }))
    const details = [{ type: 'payment_initiation', instructedAmount: { amount: '10' } }]
    const res = await fastify.inject({
      method: 'POST',
      url: '/t',
      headers: bearer('good'),
      payload: { authorization_details: details },
    })
    expect(seen).toEqual([details])
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh"',
    )
    const none = await fastify.inject({
      method: 'POST',
      url: '/t',
      headers: bearer('good'),
      payload: {},
    })
    expect(none.json()).toEqual({ fired: [] })
  })

  it('no credentials → 401 bare challenge with realm and an empty body', async () => {
    const fastify = await app()
    fastify.get('/x', { preHandler: fastify.requireAssurance({}) }, async () => 'ok')
    const res = await fastify.inject({ url: '/x' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="bank"')
    expect(res.body).toBe('')
  })

  it('a verifier outage → 503 without challenge, and the handler never runs', async () => {
    const fastify = await app()
    let ran = false
    fastify.get('/x', { preHandler: fastify.requireAssurance({}) }, async () => {
      ran = true
      return 'ok'
    })
    const res = await fastify.inject({ url: '/x', headers: bearer('down') })
    expect(res.statusCode).toBe(503)
    expect(res.headers['www-authenticate']).toBeUndefined()
    expect(ran).toBe(false)
  })

  it('serves the RFC 9728 metadata document from the metadata option', async () => {
    const fastify = Fastify()
    await fastify.register(stepUp, { verify, metadata: { resource: 'https://api.example.com/v1' } })
    const res = await fastify.inject({ url: '/.well-known/oauth-protected-resource/v1' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ resource: 'https://api.example.com/v1' })
  })

  it('bad options fail at registration with a coded TypeError', async () => {
    const fastify = Fastify()
    await expect(fastify.register(stepUp, {} as never).ready()).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
  })

  it('refuses unknown options at registration, and requirements given to register', async () => {
    for (const [options, message] of [
      [
        { verify, relam: 'bank' },
        '@stepup/fastify: unknown option "relam" (did you mean "realm"?)',
      ],
      [
        { verify, metdata: {} },
        '@stepup/fastify: unknown option "metdata" (did you mean "metadata"?)',
      ],
      [
        { verify, requirement: {} },
        '@stepup/fastify: "requirement" goes to fastify.requireAssurance(), not to register',
      ],
      [
        { verify, policy: {} },
        '@stepup/fastify: unknown option "policy" (did you mean "requirement"?)',
      ],
    ] as const) {
      await expect(
        Fastify()
          .register(stepUp, options as never)
          .ready(),
      ).rejects.toMatchObject({
        code: 'ERR_UNKNOWN_OPTION',
        message,
      })
    }
  })

  it('requireAssurance() with no argument checks only the token', async () => {
    const fastify = await app()
    fastify.get('/x', { preHandler: fastify.requireAssurance() }, async (r) => ({
      sub: r.auth?.claims.sub,
    }))
    expect((await fastify.inject({ url: '/x', headers: bearer('good') })).json()).toEqual({
      sub: 'alice',
    })
    expect((await fastify.inject({ url: '/x' })).statusCode).toBe(401)
  })

  it('a policy route answers a text/plain transfer with 400, never a pass', async () => {
    const fastify = await app()
    const policy = createRiskPolicy([{ name: 'none', evaluate: () => undefined }])
    fastify.post('/t', { preHandler: fastify.requireAssurance(policy) }, async () => 'paid')
    const res = await fastify.inject({
      method: 'POST',
      url: '/t',
      headers: { ...bearer('good'), 'content-type': 'text/plain' },
      payload: '{"authorization_details":[]}',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({
      error: 'invalid_request',
      error_description:
        'The request body must be application/json or application/x-www-form-urlencoded',
    })
  })

  it('a bad requirement fails when the hook is built, not per request', async () => {
    const fastify = await app()
    expect(() => fastify.requireAssurance({ max_age: -1 })).toThrow(TypeError)
  })
})
