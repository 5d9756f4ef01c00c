// README "Several issuers" and docs/several-issuers.md, verbatim from here down to the marker.
import {
  createMultiIssuerVerifier,
  createProtectedResourceMetadata,
  createStepUpGuard,
} from '@stepup/assurance'

const verifier = createMultiIssuerVerifier({
  issuers: [
    // Keys found by discovery: https://login.example.com/.well-known/openid-configuration
    { issuer: 'https://login.example.com', audience: 'https://api.example.com' },
    // Keys given: this issuer's JWK Set, ES256 only
    {
      issuer: 'https://id.example.net',
      audience: 'https://api.example.com',
      jwks: new URL('https://id.example.net/jwks'),
      algorithms: ['ES256'],
    },
  ],
})

export const guard = createStepUpGuard({ verify: verifier, requirement: { acr_values: ['phr'] } })

// RFC 9728: clients learn every authorization server they may get a token from.
export const metadata = createProtectedResourceMetadata({
  resource: 'https://api.example.com',
  authorization_servers: verifier.issuers,
  acr_values_supported: ['phr'],
})

// End of the example.

import { readFileSync } from 'node:fs'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { makeKey, type TestKey } from './keys.ts'

const snippet = (): string => {
  const source = readFileSync(new URL(import.meta.url), 'utf8')
  const start = source.indexOf('\n', source.indexOf('// README "Several issuers"')) + 1
  return `${source.slice(start, source.indexOf('// End of the example.')).trimEnd()}\n`
}

const LOGIN = 'https://login.example.com'
const ID = 'https://id.example.net'
let login: TestKey
let id: TestKey
const requested: string[] = []
beforeAll(async () => {
  ;[login, id] = await Promise.all([makeKey('RS256', 'login-1'), makeKey('ES256', 'id-1')])
  vi.stubGlobal('fetch', async (input: string) => {
    requested.push(input)
    if (input === `${LOGIN}/.well-known/openid-configuration`)
      return Response.json({ issuer: LOGIN, jwks_uri: `${LOGIN}/keys` })
    if (input === `${LOGIN}/keys`) return Response.json({ keys: [login.jwk] })
    if (input === `${ID}/jwks`) return Response.json({ keys: [id.jwk] })
    return new Response(null, { status: 404 })
  })
})
afterAll(() => {
  vi.unstubAllGlobals()
})

const token = (key: TestKey, iss: string, acr = 'phr') => {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ acr, auth_time: now - 10, client_id: 'app' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(iss)
    .setSubject('alice')
    .setJti(crypto.randomUUID())
    .setAudience('https://api.example.com')
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key.privateKey)
}
const request = async (bearer: string) =>
  guard(
    {
      method: 'GET',
      url: '/accounts',
      headers: new Headers({ authorization: `Bearer ${bearer}` }),
      body: () => undefined,
    },
    undefined,
  )

describe('README: several issuers', () => {
  it('is the example the README and the guide show', () => {
    const example = `\`\`\`ts\n${snippet()}\`\`\``
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const guide = readFileSync(new URL('../../../docs/several-issuers.md', import.meta.url), 'utf8')
    expect(readme).toContain(example)
    expect(guide).toContain(example)
  })

  it("accepts both issuers' tokens through the guard, and challenges the same way for each", async () => {
    expect(await request(await token(login, LOGIN))).toMatchObject({
      ok: true,
      auth: { claims: { iss: LOGIN } },
    })
    expect(await request(await token(id, ID))).toMatchObject({
      ok: true,
      auth: { claims: { iss: ID } },
    })
    const challenge =
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr"'
    for (const weak of [await token(login, LOGIN, 'pwd'), await token(id, ID, 'pwd')]) {
      expect(await request(weak)).toMatchObject({
        status: 401,
        headers: { 'www-authenticate': challenge },
      })
    }
    expect(requested).toEqual([
      `${LOGIN}/.well-known/openid-configuration`,
      `${LOGIN}/keys`,
      `${ID}/jwks`,
    ])
  })

  it('refuses a token of another issuer, or signed with the other issuer key', async () => {
    const before = requested.length
    expect(await request(await token(id, 'https://elsewhere.example'))).toMatchObject({
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer error="invalid_token", error_description="The access token is invalid"',
      },
    })
    // ES256 is the only algorithm allowed for id.example.net: a login.example.com key cannot sign for it.
    expect(await request(await token(login, ID))).toMatchObject({ status: 401 })
    expect(requested.length).toBe(before)
  })

  it('lists both issuers as authorization servers', () => {
    expect(JSON.parse(metadata.body)).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: [LOGIN, ID],
      acr_values_supported: ['phr'],
    })
  })
})
