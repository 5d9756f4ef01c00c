import * as z from 'zod'

/** The tool that reads a balance: any valid token with `accounts:read`. */
export const GET_BALANCE = 'get_balance'

/** The tool that moves money: `transfers:write`, and from 1,000 a stronger, fresher sign-in. */
export const TRANSFER_FUNDS = 'transfer_funds'

/** The RFC 9396 `type` a transfer is described with, as the authorization server registers it. */
export const TRANSFER_TYPE = 'urn:bank:params:oauth:request:transaction'

/** Scopes of this resource (RFC 9728 `scopes_supported`). */
export const SCOPES_SUPPORTED: readonly string[] = Object.freeze([
  'accounts:read',
  'transfers:write',
])

/** The scope each tool needs; a tool not listed needs a valid token only. */
export const TOOL_SCOPES: ReadonlyMap<string, readonly string[]> = new Map([
  [GET_BALANCE, ['accounts:read']],
  [TRANSFER_FUNDS, ['transfers:write']],
])

const ACCOUNT_ID = /^ACC-\d{6}$/

/**
 * Arguments of `get_balance`: the account to read (default the customer's checking account).
 * Unknown members are refused, as the tool's JSON Schema says (`additionalProperties: false`).
 */
export const getBalanceInput = z.strictObject({
  account_id: z
    .string()
    .regex(ACCOUNT_ID, 'account_id is ACC- and six digits')
    .optional()
    .describe('The account to read; default the checking account'),
})

/** What `get_balance` was called with, once parsed. */
export type GetBalanceArguments = z.infer<typeof getBalanceInput>

/**
 * Arguments of `transfer_funds`, in the wire shape of the transfer's authorization details: the
 * amount as a decimal string (at most two decimals, more than zero), an ISO 4217 currency, and
 * the destination account. The guard prices a call with this schema and the SDK validates the
 * same call with it before the tool runs, so what was authorised is what runs.
 */
export const transferFundsInput = z.strictObject({
  amount: z
    .string()
    .regex(/^(?:0|[1-9]\d{0,11})(?:\.\d{1,2})?$/, 'amount is a decimal string such as "10000.00"')
    .refine((amount) => /[1-9]/.test(amount), 'amount must be more than zero')
    .describe('The amount, as a decimal string such as "10000.00"'),
  currency: z.literal('USD').describe('ISO 4217 currency of the amount: accounts are in USD'),
  destination_account: z
    .string()
    .regex(ACCOUNT_ID, 'destination_account is ACC- and six digits')
    .describe('The account the money goes to'),
})

/** What `transfer_funds` was called with, once parsed. */
export type TransferFundsArguments = z.infer<typeof transferFundsInput>

/** A transfer as RFC 9396 `authorization_details` describe it. */
export type TransferDetail = {
  readonly type: typeof TRANSFER_TYPE
  readonly transaction: {
    readonly amount: string
    readonly currency: string
    readonly destination_account: string
  }
}

/**
 * The authorization detail of a transfer (RFC 9396 §2): the token that pays it must carry a
 * detail covering this one (same currency and destination, an amount no smaller).
 *
 * @example
 * ```ts
 * transferDetail({ amount: '10000.00', currency: 'USD', destination_account: 'ACC-987654' })
 * // { type: 'urn:bank:params:oauth:request:transaction', transaction: { amount: '10000.00', … } }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export function transferDetail(args: TransferFundsArguments): TransferDetail {
  return {
    type: TRANSFER_TYPE,
    transaction: {
      amount: args.amount,
      currency: args.currency,
      destination_account: args.destination_account,
    },
  }
}
