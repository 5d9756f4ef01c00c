import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import type { StoredCredential, StoredUser } from './store.ts'

/** Relying party settings: `rpID` is the issuer's host, `origin` the issuer's origin. */
export interface WebAuthnRelyingParty {
  readonly rpID: string
  readonly rpName: string
  readonly origin: string
}

const MAX_RESPONSE_LENGTH = 16 * 1024

/** Parse the JSON a browser or software authenticator posted, refusing anything but an object. */
export function parseCredentialJson<
  T extends RegistrationResponseJSON | AuthenticationResponseJSON,
>(text: unknown): T | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_RESPONSE_LENGTH) {
    return undefined
  }
  try {
    const value: unknown = JSON.parse(text)
    if (
      typeof value !== 'object' ||
      value === null ||
      Array.isArray(value) ||
      typeof (value as { id?: unknown }).id !== 'string' ||
      typeof (value as { response?: unknown }).response !== 'object'
    ) {
      return undefined
    }
    return value as T
  } catch {
    return undefined
  }
}

/**
 * Options for a registration ceremony: `none` attestation, user verification required,
 * discoverable credential preferred, existing credentials excluded.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
 */
export function registrationOptions(
  rp: WebAuthnRelyingParty,
  user: StoredUser,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: user.username,
    userID: new Uint8Array(Buffer.from(user.webauthnUserId, 'base64url')),
    userDisplayName: user.name,
    attestationType: 'none',
    excludeCredentials: user.credentials.map((c) => ({ id: c.id, transports: [...c.transports] })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: [-7, -257],
  })
}

/**
 * Verify a registration response and describe the new credential. It is marked hardware-bound
 * when the authenticator reports it is not backup eligible (BE = 0, "single-device"): a
 * heuristic, since with `none` attestation nothing proves the key lives in hardware.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-authenticator-data
 */
export async function verifyRegistration(
  rp: WebAuthnRelyingParty,
  expectedChallenge: string,
  response: RegistrationResponseJSON,
  nickname: string,
): Promise<StoredCredential | undefined> {
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.rpID,
    requireUserVerification: true,
  })
  if (!result.verified) return undefined
  const info = result.registrationInfo
  return {
    id: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    hardwareBound: info.credentialDeviceType === 'singleDevice',
    aaguid: info.aaguid,
    attestationFormat: info.fmt,
    nickname,
    createdAt: Math.floor(Date.now() / 1000),
  }
}

/**
 * Options for an authentication ceremony over the given credentials, user verification required.
 * The challenge is random unless given (a transaction's, see `transactionChallenge`).
 */
export function authenticationOptions(
  rp: WebAuthnRelyingParty,
  credentials: readonly StoredCredential[],
  challenge?: Uint8Array,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.rpID,
    allowCredentials: credentials.map((c) => ({ id: c.id, transports: [...c.transports] })),
    userVerification: 'required',
    ...(challenge !== undefined && { challenge: new Uint8Array(challenge) }),
  })
}

/** The outcome of an assertion that verified. */
export interface VerifiedAssertion {
  readonly credential: StoredCredential
  readonly newCounter: number
  readonly backedUp: boolean
}

/**
 * Verify an assertion against one of `credentials` (origin, RP ID hash, challenge, user presence
 * and verification, signature, counter). Backup eligibility is fixed for a credential's life, so
 * an assertion whose BE flag differs from registration is refused.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 */
export async function verifyAssertion(
  rp: WebAuthnRelyingParty,
  expectedChallenge: string,
  response: AuthenticationResponseJSON,
  credentials: readonly StoredCredential[],
): Promise<VerifiedAssertion | undefined> {
  const credential = credentials.find((c) => c.id === response.id)
  if (!credential) return undefined
  const result = await verifyAuthenticationResponse({
    response,
    expectedChallenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.rpID,
    requireUserVerification: true,
    credential: {
      id: credential.id,
      publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
      counter: credential.counter,
      transports: [...credential.transports] as never,
    },
  })
  if (!result.verified || !result.authenticationInfo.userVerified) return undefined
  if (result.authenticationInfo.credentialDeviceType !== credential.deviceType) return undefined
  return {
    credential,
    newCounter: result.authenticationInfo.newCounter,
    backedUp: result.authenticationInfo.credentialBackedUp,
  }
}
