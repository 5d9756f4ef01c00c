import { createHash, randomBytes } from 'node:crypto'
import { authorizationDetailsDigest } from '@stepup/rar'
import type { AuthorizationDetail } from 'oidc-provider'
import { BANK_TRANSACTION_TYPE } from './bank-details.ts'

/** A bank transfer as the authorization request describes it (`urn:bank:params:oauth:request:transaction`). */
export interface BankTransfer {
  /** The payer's account, from the detail's `identifier` (RFC 9396 §2.2), when the client named it. */
  readonly sourceAccount: string | undefined
  readonly destinationAccount: string
  /** A non-negative decimal string, as the type requires. */
  readonly amount: string
  /** ISO 4217 code. */
  readonly currency: string
}

/**
 * The transfers among `authorization_details`: entries of the bank transaction type. The provider
 * validated the details against the registry before any interaction, so each has its members.
 */
export function bankTransfersOf(details: readonly AuthorizationDetail[]): BankTransfer[] {
  return details.flatMap((detail) => {
    if (detail.type !== BANK_TRANSACTION_TYPE) return []
    const transaction = (detail as { transaction?: Record<string, unknown> }).transaction
    if (!transaction) return []
    return [
      {
        sourceAccount: typeof detail.identifier === 'string' ? detail.identifier : undefined,
        destinationAccount: String(transaction['destination_account']),
        amount: String(transaction['amount']),
        currency: String(transaction['currency']),
      },
    ]
  })
}

/**
 * The `authorization_details` of a request when it asks for at least one transfer, else undefined.
 * Such a request is transaction-bound: it needs its own security key assertion over these details.
 */
export function transactionDetailsOf(text: unknown): AuthorizationDetail[] | undefined {
  if (typeof text !== 'string') return undefined
  const details = JSON.parse(text) as AuthorizationDetail[]
  return Array.isArray(details) && bankTransfersOf(details).length > 0 ? details : undefined
}

/** The bytes of a server nonce: 32 random bytes, so a challenge is never predictable. */
export function createTransactionNonce(): Buffer {
  return randomBytes(32)
}

/**
 * The WebAuthn challenge that binds an assertion to a transaction ("dynamic linking", PSD2 RTS
 * Art. 5): SHA-256 over the server nonce followed by the 32 bytes of the details digest
 * (`authorizationDetailsDigest`, base64url-decoded). The nonce keeps the challenge unpredictable
 * (WebAuthn Level 3 §13.4.3); the digest makes the signature specific to the amount and payee.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-cryptographic-challenges
 */
export function transactionChallenge(nonce: Uint8Array, digest: string): Uint8Array {
  const digestBytes = Buffer.from(digest, 'base64url')
  if (digestBytes.length !== 32) throw new TypeError('digest must be a base64url SHA-256 value')
  return new Uint8Array(createHash('sha256').update(nonce).update(digestBytes).digest())
}

/** {@link transactionChallenge} as it appears in `clientDataJSON`: base64url. */
export function encodedTransactionChallenge(nonce: Uint8Array, digest: string): string {
  return Buffer.from(transactionChallenge(nonce, digest)).toString('base64url')
}

/**
 * The interaction result member a login carries when the End-User confirmed the request's
 * transaction with a security key: the digest of the details the assertion signed over.
 */
export const TRANSACTION_CONFIRMATION = 'transaction_confirmation'

/** What {@link TRANSACTION_CONFIRMATION} holds. */
export interface TransactionConfirmation {
  readonly accountId: string
  readonly digest: string
}

/** The confirmation an interaction result carries, if any. */
export function confirmationOf(result: unknown): TransactionConfirmation | undefined {
  const value = (result as Record<string, unknown> | undefined)?.[TRANSACTION_CONFIRMATION] as
    | Partial<TransactionConfirmation>
    | undefined
  return typeof value?.accountId === 'string' && typeof value.digest === 'string'
    ? { accountId: value.accountId, digest: value.digest }
    : undefined
}

/**
 * Which grants were issued for a transaction confirmed with a security key in the interaction that
 * created them, so the access token of their authorization code can carry
 * `authorization_details_digest`. Kept in this process's memory for a few minutes: a code whose
 * confirmation is not known here gets no digest, and the resource server then refuses the
 * transfer (fail closed).
 */
export interface TransactionConfirmations {
  /**
   * Record that the code being issued under `grantId` carries `details` confirmed by `result`:
   * only when the result's confirmation is for the same account and exactly these details, and
   * the grant was approved in that same interaction.
   */
  record(
    result: unknown,
    code: { readonly grantId?: string | undefined; readonly accountId?: string | undefined },
    details: readonly AuthorizationDetail[] | undefined,
  ): Promise<void>
  /**
   * The digest to put in an access token issued from a code of `grantId` carrying `details`:
   * the confirmed digest when it equals `authorizationDetailsDigest(details)`, else undefined.
   */
  digestFor(
    grantId: string | undefined,
    details: readonly AuthorizationDetail[] | undefined,
  ): Promise<string | undefined>
}

/** Create the in-memory {@link TransactionConfirmations}, forgetting entries after `ttlSeconds`. */
export function createTransactionConfirmations(ttlSeconds = 300): TransactionConfirmations {
  const confirmed = new Map<string, { digest: string; expiresAt: number }>()
  const prune = (now: number): void => {
    for (const [key, value] of confirmed) if (value.expiresAt <= now) confirmed.delete(key)
  }
  return {
    async record(result, code, details) {
      const confirmation = confirmationOf(result)
      const consent = (result as { consent?: { grantId?: unknown } } | undefined)?.consent
      if (
        !confirmation ||
        !details?.length ||
        !code.grantId ||
        consent?.grantId !== code.grantId ||
        confirmation.accountId !== code.accountId ||
        confirmation.digest !== (await authorizationDetailsDigest(details))
      ) {
        return
      }
      const now = Date.now()
      prune(now)
      confirmed.set(code.grantId, {
        digest: confirmation.digest,
        expiresAt: now + ttlSeconds * 1000,
      })
    },
    async digestFor(grantId, details) {
      if (!grantId || !details?.length) return undefined
      const entry = confirmed.get(grantId)
      if (!entry || entry.expiresAt <= Date.now()) return undefined
      return entry.digest === (await authorizationDetailsDigest(details)) ? entry.digest : undefined
    },
  }
}
