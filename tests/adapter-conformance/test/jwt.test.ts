import { createJwtAccessTokenVerifier } from '@stepup/assurance'
import { parseOAuthChallenge, parseWwwAuthenticate } from '@stepup/www-authenticate'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import {
  allowInsecureRequests,
  protectedResourceRequest,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from '../src/client.ts'
import { type AppConfig, RESOURCE, ROUTES } from '../src/fixtures.ts'
import { ADAPTERS, type Running, start } from '../src/servers.ts'

const ISSUER = 'https://as.example.com'
const servers: (Running & { adapter: string })[] = []
let sign: (claims: Record<string, unknown>, key?: CryptoKey) => Promise<string>
let otherKey: CryptoKey

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  otherKey = (await generateKeyPair('ES256')).privateKey
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  // Every RFC 9068 §2.2 claim: iss, exp, aud, sub, client_id, iat, jti.
  sign = (claims, key = privateKey) =>
    new SignJWT({ client_id: 'bank-web', ...claims })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(RESOURCE)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime((claims['exp'] as number | undefined) ?? '5m')
      .sign(key)
  const verify = createJwtAccessTokenVerifier({
    issuer: ISSUER,
    audience: RESOURCE,
    jwks: { keys: [jwk] },
    algorithms: ['ES256'],
  })
  for (const adapter of ADAPTERS) {
    // The verifier object itself (not a function): every adapter accepts both forms.
    const options = { verify, realm: 'bank' } as unknown as AppConfig['options']
    servers.push({ ...(await start(adapter, { options, routes: ROUTES })), adapter })
  }
})

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
})

const now = () => Math.floor(Date.now() / 1000)

describe('real ES256 JWT access tokens through createJwtAccessTokenVerifier', () => {
  it('a valid RFC 9068 token with enough assurance reaches the route (oauth4webapi client)', async () => {
    const token = await sign({ sub: 'alice', scope: 'accounts:read', acr: 'phr', auth_time: now() })
    for (const s of servers) {
      const res = await protectedResourceRequest(
        token,
        'GET',
        new URL('/statements', s.base),
        undefined,
        undefined,
        {
          [allowInsecureRequests]: true,
        },
      ).catch((e: unknown) => {
        throw new Error(`${s.adapter}: ${e}`, { cause: e })
      })
      expect(res.status, s.adapter).toBe(200)
      expect(await res.json(), s.adapter).toEqual({ route: '/statements', sub: 'alice' })
    }
  })

  it('RFC 9470 §3 a weaker acr makes oauth4webapi surface the step-up challenge', async () => {
    const token = await sign({
      sub: 'alice',
      scope: 'accounts:read',
      acr: 'urn:bank:pwd',
      auth_time: now(),
    })
    for (const s of servers) {
      const error = await protectedResourceRequest(
        token,
        'GET',
        new URL('/statements', s.base),
        undefined,
        undefined,
        {
          [allowInsecureRequests]: true,
        },
      ).catch((e: unknown) => e)
      expect(error, s.adapter).toBeInstanceOf(WWWAuthenticateChallengeError)
      const { cause, status } = error as WWWAuthenticateChallengeError
      expect(status, s.adapter).toBe(401)
      expect(cause, s.adapter).toEqual([
        {
          scheme: 'bearer',
          parameters: {
            realm: 'bank',
            error: 'insufficient_user_authentication',
            error_description: 'A different authentication level is required',
            acr_values: 'phr',
          },
        },
      ])
    }
  })

  it.each([
    ['expired', () => sign({ sub: 'alice', scope: 'accounts:read', exp: now() - 600 })],
    ['signed with another key', () => sign({ sub: 'alice', scope: 'accounts:read' }, otherKey)],
    ['not a JWT', async () => 'abc.def.ghi'],
  ])('RFC 6750 §3.1 a token %s → 401 invalid_token everywhere', async (_name, make) => {
    const token = await make()
    for (const s of servers) {
      const res = await send(s.base, {
        method: 'GET',
        path: '/accounts',
        headers: [['authorization', `Bearer ${token}`]],
      })
      expect(res.status, s.adapter).toBe(401)
      const [challenge] = parseWwwAuthenticate(res.lines['www-authenticate']!)
      expect(parseOAuthChallenge(challenge!), s.adapter).toMatchObject({
        scheme: 'bearer',
        realm: 'bank',
        error: 'invalid_token',
        error_description: 'The access token is invalid',
      })
    }
  })
})
