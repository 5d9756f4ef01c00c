import { createJwtAccessTokenVerifier } from '@stepup/assurance'
import { Hono } from 'hono'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { expect, it } from 'vitest'
import { withStepUp } from '../src/index.ts'

it('README example: Hono in two lines', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] }
  const verifier = createJwtAccessTokenVerifier({
    issuer: 'https://as.example.com',
    audience: 'https://api.example.com',
    jwks,
  })
  const app = new Hono()

  // --- README example ---
  const transfer = withStepUp(
    (_req, auth) => Response.json({ from: auth.claims.sub }, { status: 201 }),
    { verify: verifier, requirement: { acr_values: ['phr'], max_age: 300 } },
  )
  app.post('/transfers', (c) => transfer(c.req.raw))
  // --- end of README example ---

  const token = (acr: string) =>
    new SignJWT({
      sub: 'alice',
      client_id: 'bank-web',
      acr,
      auth_time: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setJti(crypto.randomUUID())
      .setIssuer('https://as.example.com')
      .setAudience('https://api.example.com')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
  const post = async (acr: string) =>
    app.request('/transfers', {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(acr)}` },
    })
  const weak = await post('pwd')
  expect(weak.status).toBe(401)
  expect(weak.headers.get('www-authenticate')).toBe(
    'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="300"',
  )
  const strong = await post('phr')
  expect(strong.status).toBe(201)
  expect(await strong.json()).toEqual({ from: 'alice' })
})
