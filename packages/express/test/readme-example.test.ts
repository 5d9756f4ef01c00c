import type { AddressInfo } from 'node:net'
import { amountThreshold, createJwtAccessTokenVerifier, createRiskPolicy } from '@stepup/assurance'
import {
  expectGuardReadsBody,
  runTransferRecipe,
  transferRequest,
} from '@stepup/internal/transfer-recipe'
import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import express from 'express'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { stepUp } from '../src/index.ts'

const { publicKey, privateKey } = await generateKeyPair('ES256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] }

/** An RFC 9068 access token from the README's issuer, for the README's audience. */
const token = (claims: Record<string, unknown>) =>
  new SignJWT({
    sub: 'alice',
    client_id: 'bank-web',
    auth_time: Math.floor(Date.now() / 1000),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setJti(crypto.randomUUID())
    .setIssuer('https://as.example.com')
    .setAudience('https://api.example.com')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)

const closers: (() => void)[] = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  closers.push(() => server.close())
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

it('README example: a transfer needs phr within 300 s', async () => {
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

  const url = `${await listen(app)}/transfers`
  const weak = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token({ acr: 'pwd' })}` },
  })
  expect(weak.status).toBe(401)
  expect(weak.headers.get('www-authenticate')).toBe(
    'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="300"',
  )
  const strong = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token({ acr: 'phr' })}` },
  })
  expect(strong.status).toBe(201)
  expect(await strong.json()).toEqual({ from: 'alice' })
})

describe('README recipes', () => {
  it('any valid token: no requirement', async () => {
    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
    })
    const app = express()
    // --- README recipe: any valid token ---
    app.get('/me', stepUp({ verify: verifier, realm: 'bank' }), (req, res) => {
      res.json({ sub: req.auth?.claims.sub, scopes: req.auth?.claims.scopes })
    })
    // --- end of README recipe ---

    const url = `${await listen(app)}/me`
    const anonymous = await fetch(url)
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
    expect(await anonymous.text()).toBe('')
    const forged = await fetch(url, { headers: { authorization: 'Bearer not.a.token' } })
    expect(forged.status).toBe(401)
    expect(await forged.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
    const ok = await fetch(url, {
      headers: { authorization: `Bearer ${await token({ scope: 'accounts:read' })}` },
    })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'alice', scopes: ['accounts:read'] })
  })

  it('a risk policy with RAR coverage: the registry on the verifier, the policy and the middleware', async () => {
    // --- README recipe: risk policy with RAR coverage (with a local key set) ---
    // The detail types this API understands, in one registry for every part that reads details.
    const authorizationDetailsRegistry = createAuthorizationDetailsRegistry([
      bankTransactionDetailType,
    ])

    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
      authorizationDetailsRegistry, // parses the token's authorization_details claim
    })
    const transfers = createRiskPolicy(
      [
        amountThreshold({
          type: 'urn:bank:params:oauth:request:transaction',
          thresholds: [
            { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
            { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
          ],
        }),
      ],
      { authorizationDetailsRegistry }, // compares granted and requested details when you call decide()
    )

    const app = express()
    app.post(
      '/transfers',
      // parses the body's authorization_details (400 if invalid) and decides coverage
      stepUp({
        verify: verifier,
        realm: 'bank',
        requirement: transfers,
        authorizationDetailsRegistry,
      }),
      (req, res) => {
        // stepUp read the JSON body once the token was verified, and left it on req.body
        const amount = req.body.authorization_details[0].transaction.amount
        res.status(201).json({ amount, fired: req.auth?.decision.fired })
      },
    )
    // --- end of README recipe ---

    const url = `${await listen(app)}/transfers`
    const post = (bearer: string, body: unknown, type = 'application/json') =>
      fetch(url, transferRequest(bearer, body, type))

    const recipe = { post, token }
    const { strong } = await runTransferRecipe(recipe)
    await expectGuardReadsBody(recipe, strong)
  })
})
