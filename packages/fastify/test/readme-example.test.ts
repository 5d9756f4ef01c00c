import { createJwtAccessTokenVerifier } from '@stepup/assurance'
import Fastify from 'fastify'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { expect, it } from 'vitest'
import stepUp from '../src/index.ts'

it('README example: a transfer needs phr within 300 s', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] }

  // --- README example (with a local key set instead of the issuer's JWKS URL) ---
  const verifier = createJwtAccessTokenVerifier({
    issuer: 'https://as.example.com',
    audience: 'https://api.example.com',
    jwks,
  })
  const app = Fastify()
  await app.register(stepUp, { verify: verifier, realm: 'bank' })
  app.post(
    '/transfers',
    { preHandler: app.requireAssurance({ acr_values: ['phr'], max_age: 300 }) },
    async (request, reply) => reply.code(201).send({ from: request.auth?.claims.sub }),
  )
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
    app.inject({
      method: 'POST',
      url: '/transfers',
      headers: { authorization: `Bearer ${await token(acr)}` },
    })
  const weak = await post('pwd')
  expect(weak.statusCode).toBe(401)
  expect(weak.headers['www-authenticate']).toBe(
    'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="300"',
  )
  const strong = await post('phr')
  expect(strong.statusCode).toBe(201)
  expect(strong.json()).toEqual({ from: 'alice' })
})
