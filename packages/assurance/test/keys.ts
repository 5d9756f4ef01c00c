import {
  base64url,
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'
import { expect } from 'vitest'
import { AccessTokenError } from '../src/index.ts'

export const ISSUER = 'https://as.example.net'
export const AUDIENCE = 'https://rs.example.com'
/** Frozen clock of the tests: EX-9470-05 `iat` + 100 s. */
export const NOW = 1646340300

export interface TestKey {
  readonly alg: string
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  readonly jwk: JWK
}

export async function makeKey(alg: string, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { alg, kid, privateKey, publicKey, jwk }
}

/** The EX-9470-05 claims (RFC 9470 §6.1), with the clock of the tests. */
export const EX_9470_05: JWTPayload = {
  iss: ISSUER,
  sub: 'someone@example.net',
  aud: AUDIENCE,
  exp: 1646343000,
  iat: 1646340200,
  jti: 'e1j3V_bKic8-LAEB_lccD0G',
  client_id: 's6BhdRkqt3',
  scope: 'purchase',
  auth_time: 1646340198,
  acr: 'myACR',
}

export function sign(
  key: TestKey,
  payload: JWTPayload = EX_9470_05,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey)
}

export const b64url = (value: unknown): string =>
  base64url.encode(typeof value === 'string' ? value : JSON.stringify(value))

/** The `code` of the error `promise` rejects with, after checking it is an instance of `type`. */
export async function rejectionCode<C>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => { readonly code: C },
): Promise<C> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(type)
  return (error as { code: C }).code
}

/** The `AccessTokenError` code a verification rejects with. */
export const codeOf = (promise: Promise<unknown>): Promise<AccessTokenError['code']> =>
  rejectionCode(promise, AccessTokenError)
