import { createHash } from 'node:crypto'
import { authorizationDetailsDigest } from '@stepup/rar'
import { describe, expect, it, vi } from 'vitest'
import { openUserStore } from './store.ts'
import { createSoftwareAuthenticator } from './testing/software-authenticator.ts'
import {
  bankTransfersOf,
  createTransactionConfirmations,
  encodedTransactionChallenge,
  TRANSACTION_CONFIRMATION,
  transactionChallenge,
  transactionDetailsOf,
} from './transaction.ts'
import {
  authenticationOptions,
  registrationOptions,
  verifyAssertion,
  verifyRegistration,
} from './webauthn.ts'

const TYPE = 'urn:bank:params:oauth:request:transaction'
const detailsA = [
  {
    type: TYPE,
    identifier: 'ACC-100001',
    transaction: { amount: '10000.00', currency: 'USD', destination_account: 'ACC-987654' },
  },
]
const detailsB = [
  {
    type: TYPE,
    identifier: 'ACC-100001',
    transaction: { amount: '10000.00', currency: 'USD', destination_account: 'ACC-555123' },
  },
]
const rp = { rpID: 'localhost', rpName: 'Test bank', origin: 'http://localhost:3000' }

describe('transactionChallenge (dynamic linking, PSD2 RTS Art. 5)', () => {
  it('is SHA-256 of the nonce followed by the 32 digest bytes', async () => {
    const nonce = new Uint8Array(32).fill(7)
    const digest = await authorizationDetailsDigest(detailsA)
    const expected = createHash('sha256')
      .update(nonce)
      .update(Buffer.from(digest, 'base64url'))
      .digest()
    expect(Buffer.from(transactionChallenge(nonce, digest))).toEqual(expected)
    expect(encodedTransactionChallenge(nonce, digest)).toBe(expected.toString('base64url'))
  })

  it('differs for other details under the same nonce, and for another nonce', async () => {
    const nonce = new Uint8Array(32).fill(1)
    const a = encodedTransactionChallenge(nonce, await authorizationDetailsDigest(detailsA))
    const b = encodedTransactionChallenge(nonce, await authorizationDetailsDigest(detailsB))
    const other = encodedTransactionChallenge(
      new Uint8Array(32).fill(2),
      await authorizationDetailsDigest(detailsA),
    )
    expect(new Set([a, b, other]).size).toBe(3)
  })

  it('refuses a value that is not a SHA-256 digest', () => {
    expect(() => transactionChallenge(new Uint8Array(32), 'c2hvcnQ')).toThrow(TypeError)
  })

  it('an assertion over the challenge for details A does not verify for details B', async () => {
    const store = await openUserStore({ seeds: [{ username: 'alice', password: 'wonderland' }] })
    const user = store.findByUsername('alice')!
    const authenticator = createSoftwareAuthenticator({ hardwareBound: true })
    const creation = await registrationOptions(rp, user)
    const registered = await verifyRegistration(
      rp,
      creation.challenge,
      (await authenticator.createCredential(creation as never, rp.origin)) as never,
      'Key',
    )
    const nonce = new Uint8Array(32).fill(9)
    const digestA = await authorizationDetailsDigest(detailsA)
    const digestB = await authorizationDetailsDigest(detailsB)
    const options = await authenticationOptions(
      rp,
      [registered!],
      transactionChallenge(nonce, digestA),
    )
    expect(options.challenge).toBe(encodedTransactionChallenge(nonce, digestA))
    const assertion = (await authenticator.getAssertion(options, rp.origin)) as never
    await expect(
      verifyAssertion(rp, encodedTransactionChallenge(nonce, digestB), assertion, [registered!]),
    ).rejects.toThrow(/challenge/i)
    const verified = await verifyAssertion(
      rp,
      encodedTransactionChallenge(nonce, digestA),
      assertion,
      [registered!],
    )
    expect(verified?.credential.id).toBe(registered!.id)
  })
})

describe('transaction details of a request', () => {
  it('finds transfers, with the payer account from identifier (RFC 9396 §2.2)', () => {
    expect(bankTransfersOf(detailsA)).toEqual([
      {
        sourceAccount: 'ACC-100001',
        destinationAccount: 'ACC-987654',
        amount: '10000.00',
        currency: 'USD',
      },
    ])
    expect(transactionDetailsOf(JSON.stringify(detailsA))).toEqual(detailsA)
  })

  it('a request without a transfer is not transaction-bound', () => {
    expect(transactionDetailsOf(undefined)).toBeUndefined()
    expect(transactionDetailsOf(JSON.stringify([{ type: 'account_information' }]))).toBeUndefined()
  })
})

describe('createTransactionConfirmations', () => {
  const result = async (details: unknown[], accountId = 'sub-1', grantId = 'grant-1') => ({
    login: { accountId },
    consent: { grantId },
    [TRANSACTION_CONFIRMATION]: {
      accountId,
      digest: await authorizationDetailsDigest(details as never),
    },
  })

  it('gives the digest for the grant approved in the interaction that confirmed these details', async () => {
    const confirmations = createTransactionConfirmations()
    await confirmations.record(
      await result(detailsA),
      { grantId: 'grant-1', accountId: 'sub-1' },
      detailsA,
    )
    expect(await confirmations.digestFor('grant-1', detailsA)).toBe(
      await authorizationDetailsDigest(detailsA),
    )
    expect(await confirmations.digestFor('grant-1', detailsB)).toBeUndefined()
    expect(await confirmations.digestFor('grant-2', detailsA)).toBeUndefined()
  })

  it('records nothing for other details, another account, another grant or no confirmation', async () => {
    const confirmations = createTransactionConfirmations()
    const code = { grantId: 'grant-1', accountId: 'sub-1' }
    await confirmations.record(await result(detailsB), code, detailsA)
    await confirmations.record(await result(detailsA, 'sub-2'), code, detailsA)
    await confirmations.record(await result(detailsA, 'sub-1', 'grant-0'), code, detailsA)
    await confirmations.record(
      { login: { accountId: 'sub-1' }, consent: { grantId: 'grant-1' } },
      code,
      detailsA,
    )
    expect(await confirmations.digestFor('grant-1', detailsA)).toBeUndefined()
  })

  it('forgets a confirmation after its lifetime', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), toFake: ['Date'] })
    try {
      const confirmations = createTransactionConfirmations(120)
      await confirmations.record(
        await result(detailsA),
        { grantId: 'grant-1', accountId: 'sub-1' },
        detailsA,
      )
      vi.setSystemTime(new Date('2026-01-01T00:01:59Z'))
      expect(await confirmations.digestFor('grant-1', detailsA)).toBeDefined()
      vi.setSystemTime(new Date('2026-01-01T00:02:00Z'))
      expect(await confirmations.digestFor('grant-1', detailsA)).toBeUndefined()
    } finally {
      vi.useRealTimers()
    }
  })
})
