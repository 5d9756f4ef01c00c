// docs/several-issuers.md, "Opaque tokens", verbatim from here down to the marker.
import { createIntrospectionVerifier, createMultiIssuerVerifier } from '@stepup/assurance'

export const verifier = createMultiIssuerVerifier({
  issuers: [
    { issuer: 'https://login.example.com', audience: 'https://api.example.com' },
    // The one issuer whose tokens are opaque: every token that is not a JWT goes here.
    {
      issuer: 'https://partners.example.org',
      introspection: createIntrospectionVerifier({
        endpoint: 'https://partners.example.org/introspect',
        clientId: 'api',
        clientSecret: process.env.INTROSPECTION_SECRET!,
        audience: 'https://api.example.com',
      }),
    },
  ],
})

// End of the example.

import { readFileSync } from 'node:fs'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { makeKey, type TestKey } from './keys.ts'

// Before the example runs: its secret, and a fetch the tests answer (createIntrospectionVerifier
// keeps the fetch it finds when it is built).
const network = vi.hoisted(() => {
  process.env.INTROSPECTION_SECRET = 'partner-secret'
  const network = {
    real: globalThis.fetch,
    answer: (_url: string, _init?: RequestInit): Promise<Response> =>
      Promise.reject(new Error('no answer set')),
  }
  globalThis.fetch = ((input: string | URL, init?: RequestInit) =>
    network.answer(String(input), init)) as typeof fetch
  return network
})

const snippet = (): string => {
  const source = readFileSync(new URL(import.meta.url), 'utf8')
  const start = source.indexOf('\n', source.indexOf('// docs/several-issuers.md')) + 1
  return `${source.slice(start, source.indexOf('// End of the example.')).trimEnd()}\n`
}

const LOGIN = 'https://login.example.com'
const PARTNERS = 'https://partners.example.org'
let login: TestKey
const requested: string[] = []
beforeAll(async () => {
  login = await makeKey('ES256', 'login-1')
  network.answer = async (url, init) => {
    requested.push(url)
    if (url === `${LOGIN}/.well-known/openid-configuration`)
      return Response.json({ issuer: LOGIN, jwks_uri: `${LOGIN}/keys` })
    if (url === `${LOGIN}/keys`) return Response.json({ keys: [login.jwk] })
    if (url === `${PARTNERS}/introspect`) {
      const token = new URLSearchParams(init?.body as URLSearchParams).get('token')
      return Response.json(
        token === 'partner-token'
          ? { active: true, iss: PARTNERS, aud: 'https://api.example.com', sub: 'bob' }
          : { active: false },
      )
    }
    return new Response(null, { status: 404 })
  }
})
afterAll(() => {
  globalThis.fetch = network.real
})

describe('docs/several-issuers.md: opaque tokens', () => {
  it('is the example the guide shows', () => {
    const guide = readFileSync(new URL('../../../docs/several-issuers.md', import.meta.url), 'utf8')
    expect(guide).toContain(`\`\`\`ts\n${snippet()}\`\`\``)
  })

  it('introspects opaque tokens at the one introspection issuer, and verifies JWTs locally', async () => {
    expect(await verifier.verify('partner-token')).toMatchObject({ iss: PARTNERS, sub: 'bob' })
    await expect(verifier.verify('unknown-token')).rejects.toMatchObject({
      code: 'ERR_TOKEN_INACTIVE',
    })
    const now = Math.floor(Date.now() / 1000)
    const jwt = await new SignJWT({ client_id: 'app' })
      .setProtectedHeader({ alg: 'ES256', kid: 'login-1', typ: 'at+jwt' })
      .setIssuer(LOGIN)
      .setSubject('alice')
      .setJti('j1')
      .setAudience('https://api.example.com')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(login.privateKey)
    expect(await verifier.verify(jwt)).toMatchObject({ iss: LOGIN, sub: 'alice' })
    expect(requested).toEqual([
      `${PARTNERS}/introspect`,
      `${PARTNERS}/introspect`,
      `${LOGIN}/.well-known/openid-configuration`,
      `${LOGIN}/keys`,
    ])
  })
})
