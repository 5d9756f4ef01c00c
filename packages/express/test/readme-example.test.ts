import type { AddressInfo } from 'node:net'
import { createJwtAccessTokenVerifier } from '@stepup/assurance'
import express from 'express'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { expect, it } from 'vitest'
import { stepUp } from '../src/index.ts'

it('README example: a transfer needs phr within 300 s', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] }

  // --- README example (with a local key set instead of the issuer's JWKS URL) ---
  const verifier = createJwtAccessTokenVerifier({
    issuer: 'https://as.example.com',
    audience: 'https://api.example.com',
    jwks,
  })
  const app = express()
  app.use(express.json())
  app.post(
    '/transfers',
    stepUp({ verify: verifier, realm: 'bank', requirement: { acr_values: ['phr'], max_age: 300 } }),
    (req, res) => {
      res.status(201).json({ from: req.auth?.claims.sub })
    },
  )
  // --- end of README example ---

  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/transfers`
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
  try {
    const weak = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('pwd')}` },
    })
    expect(weak.status).toBe(401)
    expect(weak.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="300"',
    )
    const strong = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('phr')}` },
    })
    expect(strong.status).toBe(201)
    expect(await strong.json()).toEqual({ from: 'alice' })
  } finally {
    server.close()
  }
})
