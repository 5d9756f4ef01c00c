import { decodeJwt, decodeProtectedHeader } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDpopSigner } from './dpop.js'
import { createStepUpFetch } from './step-up-fetch.js'

let ec: CryptoKeyPair
let rsa: CryptoKeyPair
let hmac: CryptoKey

beforeAll(async () => {
  ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, [
    'sign',
    'verify',
  ])
  rsa = await crypto.subtle.generateKey(
    {
      name: 'RSA-PSS',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    false,
    ['sign', 'verify'],
  )
  hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
})

const options = (dpop: unknown) =>
  ({
    allowedOrigins: ['https://api.example.com'],
    getAccessToken: () => 't',
    stepUp: () => 'u',
    dpop,
  }) as never

describe('createStepUpFetch: dpop is checked when the fetch is created', () => {
  it.each([
    ['no keyPair', () => ({}), 'ERR_INVALID_ARG_TYPE'],
    ['a key instead of a pair', () => ({ keyPair: ec.privateKey }), 'ERR_INVALID_ARG_TYPE'],
    [
      'public and private swapped',
      () => ({ keyPair: { privateKey: ec.publicKey, publicKey: ec.privateKey } }),
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'a symmetric key',
      () => ({ keyPair: { privateKey: hmac, publicKey: hmac } }),
      'ERR_INVALID_ARG_TYPE',
    ],
    [
      'keys of two algorithms',
      () => ({ keyPair: { privateKey: ec.privateKey, publicKey: rsa.publicKey } }),
      'ERR_INVALID_ARG_VALUE',
    ],
    ['an unknown key', () => ({ keyPair: ec, alg: 'ES256' }), 'ERR_UNKNOWN_OPTION'],
  ])('refuses %s', (_, dpop, code) => {
    expect(() => createStepUpFetch(options(dpop()))).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(/^createStepUpFetch: /) }),
    )
  })

  it('refuses a public key that cannot be exported as the jwk', async () => {
    const raw = await crypto.subtle.exportKey('spki', ec.publicKey)
    const publicKey = await crypto.subtle.importKey(
      'spki',
      raw,
      { name: 'ECDSA', namedCurve: 'P-384' },
      false,
      ['verify'],
    )
    expect(() =>
      createStepUpFetch(options({ keyPair: { privateKey: ec.privateKey, publicKey } })),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringContaining('not extractable'),
      }),
    )
  })

  it('refuses a private key that cannot sign', () => {
    const { algorithm, extractable } = ec.privateKey
    const verifyOnly = { type: 'private', algorithm, extractable, usages: ['verify'] }
    expect(() =>
      createStepUpFetch(options({ keyPair: { privateKey: verifyOnly, publicKey: ec.publicKey } })),
    ).toThrow(expect.objectContaining({ message: expect.stringContaining('cannot sign') }))
  })
})

describe('proofs (RFC 9449 §4.2)', () => {
  it.each([
    ['ECDSA P-384', 'ES384', () => ec],
    ['RSA-PSS SHA-256', 'PS256', () => rsa],
  ])('%s signs with %s', async (_, alg, pair) => {
    const signer = createDpopSigner({ keyPair: pair() }, 'test')
    const proof = await signer.proof('PATCH', 'https://api.example.com/a/b?c=d#e', 'tok', 'n1')
    expect(decodeProtectedHeader(proof)).toMatchObject({ alg, typ: 'dpop+jwt' })
    expect(decodeJwt(proof)).toMatchObject({
      htm: 'PATCH',
      htu: 'https://api.example.com/a/b',
      nonce: 'n1',
    })
  })
})
