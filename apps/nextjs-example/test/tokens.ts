import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { vi } from 'vitest'
import { issuer } from '../lib/step-up'

/** The frozen clock of the tests (epoch seconds). */
export const NOW = 1_767_225_600
export const AUDIENCE = 'https://bank.example.com'

/**
 * An issuer key whose JWK Set the stubbed `fetch` serves at `<issuer>/jwks`, and a function that
 * signs RFC 9068 access tokens with it.
 */
export async function issuerKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  vi.stubGlobal('fetch', async (input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : String(input)
    if (url !== `${issuer}/jwks`) throw new Error(`unexpected fetch ${url}`)
    return Response.json({ keys: [jwk] })
  })
  const sign = (claims: { acr: string; scope: string; auth_time?: number }) =>
    new SignJWT({ client_id: 'web', auth_time: NOW - 10, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setSubject('alice')
      .setJti(crypto.randomUUID())
      .setIssuedAt(NOW - 10)
      .setExpirationTime(NOW + 300)
      .sign(privateKey)
  return { sign }
}
