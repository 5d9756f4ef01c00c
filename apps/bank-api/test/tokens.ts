import { randomUUID } from 'node:crypto'
import { authorizationDetailsDigest } from '@stepup/rar'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { type BankApi, type BankApiOptions, createBankApi } from '../src/index.ts'

/** The issuer of the test tokens; its key set is handed to the API, so no discovery runs. */
export const TEST_ISSUER = 'https://as.test.example'
/** The API's resource identifier (`aud`) in these tests. */
export const TEST_RESOURCE = 'http://127.0.0.1:0/'

const { privateKey, publicKey } = await generateKeyPair('ES256')
const kid = randomUUID()
/** The JWK Set of the test issuer, passed as `jwks`. */
export const TEST_JWKS = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] }

export const epoch = (): number => Math.floor(Date.now() / 1000)

/**
 * An RFC 9068 access token signed by the test key: `sub`, `jti`, a five-minute lifetime and the
 * given claims (scope, acr, auth_time, authorization_details, authorization_details_digest…).
 */
export function mintToken(claims: Record<string, unknown>, sub = 'customer-1'): Promise<string> {
  return new SignJWT({ client_id: 'bank-test', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .setIssuer(TEST_ISSUER)
    .setAudience(TEST_RESOURCE)
    .setSubject(sub)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)
}

/** Start the API on a free port with the test key set. */
export function startTestApi(
  framework: 'express' | 'fastify',
  options: Partial<BankApiOptions> = {},
): Promise<BankApi> {
  return createBankApi({
    framework,
    issuer: TEST_ISSUER,
    resource: TEST_RESOURCE,
    jwks: TEST_JWKS,
    ...options,
  })
}

/** Every scope of the bank API. */
export const ALL_SCOPES = 'accounts:read transfers:write password:write'

/**
 * A fresh `phrh` token (a hardware key, five seconds ago) granting `granted`, with the
 * `authorization_details_digest` the sign-in server adds when the key confirmed these details:
 * `digest`, by default the digest of `granted`; `null` leaves the claim out.
 */
export async function mintConfirmedToken(
  granted: readonly unknown[],
  digest?: string | null,
): Promise<string> {
  const claim = digest === undefined ? await authorizationDetailsDigest(granted as never) : digest
  return mintToken({
    scope: ALL_SCOPES,
    acr: 'phrh',
    amr: ['hwk'],
    auth_time: epoch() - 5,
    authorization_details: granted,
    ...(claim !== null && { authorization_details_digest: claim }),
  })
}

/** A transfer request body: one RFC 9396 detail of the bank's transfer type. */
export const transferTo = (destination: string, amount: string, currency = 'USD') => ({
  authorization_details: [
    {
      type: 'urn:bank:params:oauth:request:transaction',
      transaction: { amount, currency, destination_account: destination },
    },
  ],
})
