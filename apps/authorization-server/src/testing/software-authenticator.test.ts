import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server'
import { describe, expect, it } from 'vitest'
import { encodeCbor } from './cbor.ts'
import { createSoftwareAuthenticator, WebAuthnCeremonyError } from './software-authenticator.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('encodeCbor (RFC 8949 Appendix A examples)', () => {
  it.each([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [100, '1864'],
    [1000, '1903e8'],
    [1000000, '1a000f4240'],
    [-1, '20'],
    [-7, '26'],
    [-1000, '3903e7'],
    ['', '60'],
    ['a', '6161'],
    ['IETF', '6449455446'],
    [new Uint8Array([1, 2, 3, 4]), '4401020304'],
    [[1, [2, 3], [4, 5]], '8301820203820405'],
    [false, 'f4'],
    [true, 'f5'],
    [null, 'f6'],
  ] as const)('%j encodes as %s', (value, expected) => {
    expect(hex(encodeCbor(value as never))).toBe(expected)
  })

  it('encodes maps in the given key order: {1: 2, 3: 4} and {"a": 1, "b": [2, 3]}', () => {
    expect(
      hex(
        encodeCbor(
          new Map([
            [1, 2],
            [3, 4],
          ]),
        ),
      ),
    ).toBe('a201020304')
    expect(
      hex(
        encodeCbor(
          new Map<string, number | number[]>([
            ['a', 1],
            ['b', [2, 3]],
          ]),
        ),
      ),
    ).toBe('a26161016162820203')
  })
})

const origin = 'http://localhost:3000'
const creation = {
  challenge: Buffer.from('registration-challenge').toString('base64url'),
  rp: { id: 'localhost', name: 'Test' },
  user: { id: Buffer.from('user-1').toString('base64url'), name: 'alice', displayName: 'Alice' },
  pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
  authenticatorSelection: { userVerification: 'required' },
  attestation: 'none',
}

async function register(hardwareBound: boolean) {
  const authenticator = createSoftwareAuthenticator({ hardwareBound })
  const response = await authenticator.createCredential(creation, origin)
  const result = await verifyRegistrationResponse({
    response: response as never,
    expectedChallenge: creation.challenge,
    expectedOrigin: origin,
    expectedRPID: 'localhost',
    requireUserVerification: true,
  })
  return { authenticator, response, result }
}

describe('createSoftwareAuthenticator (WebAuthn Level 3 §6.1, §6.5.4)', () => {
  it('makes a none-attestation ES256 credential that @simplewebauthn/server verifies', async () => {
    const { response, result } = await register(true)
    expect(result.verified).toBe(true)
    expect(result.registrationInfo?.fmt).toBe('none')
    expect(result.registrationInfo?.credential.id).toBe(response.id)
    expect(result.registrationInfo?.userVerified).toBe(true)
    expect(result.registrationInfo?.credentialDeviceType).toBe('singleDevice')
    expect(result.registrationInfo?.credentialBackedUp).toBe(false)
  })

  it('sets BE and BS for a synced credential', async () => {
    const { result } = await register(false)
    expect(result.registrationInfo?.credentialDeviceType).toBe('multiDevice')
    expect(result.registrationInfo?.credentialBackedUp).toBe(true)
  })

  it('signs assertions over authenticatorData ‖ SHA-256(clientDataJSON) with an increasing counter', async () => {
    const { authenticator, result } = await register(true)
    const info = result.registrationInfo!
    let counter = info.credential.counter
    for (const expected of [1, 2]) {
      const challenge = Buffer.from(`login-${expected}`).toString('base64url')
      const assertion = await authenticator.getAssertion(
        {
          challenge,
          rpId: 'localhost',
          allowCredentials: [{ id: info.credential.id }],
          userVerification: 'required',
        },
        origin,
      )
      const verified = await verifyAuthenticationResponse({
        response: assertion as never,
        expectedChallenge: challenge,
        expectedOrigin: origin,
        expectedRPID: 'localhost',
        requireUserVerification: true,
        credential: { ...info.credential, counter },
      })
      expect(verified.verified).toBe(true)
      expect(verified.authenticationInfo.newCounter).toBe(expected)
      counter = verified.authenticationInfo.newCounter
    }
  })

  it('fails a tampered signature verification', async () => {
    const { authenticator, result } = await register(true)
    const challenge = Buffer.from('login').toString('base64url')
    const assertion = await authenticator.getAssertion({ challenge, rpId: 'localhost' }, origin)
    await expect(
      verifyAuthenticationResponse({
        response: assertion as never,
        expectedChallenge: Buffer.from('another').toString('base64url'),
        expectedOrigin: origin,
        expectedRPID: 'localhost',
        credential: result.registrationInfo!.credential,
      }),
    ).rejects.toThrow()
  })

  it('refuses what a browser refuses', async () => {
    const noUv = createSoftwareAuthenticator({ userVerification: false })
    await expect(noUv.createCredential(creation, origin)).rejects.toMatchObject({
      name: 'NotAllowedError',
    })
    const authenticator = createSoftwareAuthenticator()
    await expect(authenticator.createCredential(creation, 'http://example.com')).rejects.toThrow(
      WebAuthnCeremonyError,
    )
    const made = await authenticator.createCredential(creation, origin)
    await expect(
      authenticator.createCredential(
        { ...creation, excludeCredentials: [{ id: made.id }] },
        origin,
      ),
    ).rejects.toMatchObject({ name: 'InvalidStateError' })
    await expect(
      authenticator.getAssertion(
        { challenge: 'x', rpId: 'localhost', allowCredentials: [{ id: 'other' }] },
        origin,
      ),
    ).rejects.toMatchObject({ name: 'NotAllowedError' })
  })
})
