import { createHash, generateKeyPair, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import type { StoredKeys } from './store.ts'

const generate = promisify(generateKeyPair)

function thumbprintKid(jwk: Record<string, unknown>): string {
  const members =
    jwk['kty'] === 'EC'
      ? { crv: jwk['crv'], kty: jwk['kty'], x: jwk['x'], y: jwk['y'] }
      : { e: jwk['e'], kty: jwk['kty'], n: jwk['n'] }
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url')
}

/**
 * Fresh signing keys (P-256 for `ES256` JWT access tokens, RSA-2048 for `RS256` ID tokens, each
 * with its RFC 7638 thumbprint as `kid`) and cookie-signing keys.
 */
export async function createServerKeys(): Promise<StoredKeys> {
  const ec = await generate('ec', { namedCurve: 'P-256' })
  const rsa = await generate('rsa', { modulusLength: 2048 })
  const keys = [
    { ...(ec.privateKey.export({ format: 'jwk' }) as Record<string, unknown>), alg: 'ES256' },
    { ...(rsa.privateKey.export({ format: 'jwk' }) as Record<string, unknown>), alg: 'RS256' },
  ].map((jwk) => ({ ...jwk, use: 'sig', kid: thumbprintKid(jwk) }))
  return { jwks: { keys }, cookieKeys: [randomBytes(32).toString('base64url')] }
}
