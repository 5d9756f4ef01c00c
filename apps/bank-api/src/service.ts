import type { AccessTokenClaims } from '@stepup/assurance'
import type { AuthorizationDetailsRegistry } from '@stepup/rar'
import type { Ledger } from './ledger.ts'
import { formatCents, MAX_TRANSFER_CENTS, parseCents } from './money.ts'
import { TRANSFER_TYPE } from './policy.ts'

/** A framework-neutral response: both adapters send exactly this. */
export interface ApiResponse {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** One problem with a request body, at a JSON path such as `authorization_details[0].type`. */
export interface Issue {
  readonly path: string
  readonly message: string
}

/** A transfer that passed validation, ready for the step-up decision and execution. */
export interface CheckedTransfer {
  readonly source: string
  readonly destination: string
  readonly cents: number
}

/** Changes a customer's password; supplied by whoever owns the credentials. */
export type ChangePassword = (sub: string, password: string) => Promise<void>

const problem = (status: number, error: string, description: string, extra = {}): ApiResponse => ({
  status,
  body: { error, error_description: description, ...extra },
})

/** The 400 for a body that is not JSON, or not an object. */
export const MALFORMED_BODY: ApiResponse = problem(
  400,
  'invalid_request',
  'The request body must be a JSON object',
)

const unknownAccount = (which: 'source' | 'destination'): ApiResponse =>
  problem(404, 'unknown_account', `The ${which} account does not exist`)

const jsonPath = (path: readonly (string | number)[]): string =>
  path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : `${out}.${part}`),
    'authorization_details',
  )

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `GET /accounts`: the customer's accounts. */
export function listAccounts(ledger: Ledger, claims: AccessTokenClaims): ApiResponse {
  return { status: 200, body: { accounts: ledger.accountsOf(subject(claims)) } }
}

/** `GET /accounts/:id/balance`. */
export function getBalance(ledger: Ledger, claims: AccessTokenClaims, id: string): ApiResponse {
  const account = ledger.ownAccount(subject(claims), id)
  if (!account) return unknownAccount('source')
  return {
    status: 200,
    body: { account_id: account.account_id, currency: account.currency, balance: account.balance },
  }
}

/** `GET /accounts/:id/transfers`: completed transfers, newest first. */
export function listTransfers(ledger: Ledger, claims: AccessTokenClaims, id: string): ApiResponse {
  const sub = subject(claims)
  if (!ledger.ownAccount(sub, id)) return unknownAccount('source')
  return { status: 200, body: { transfers: ledger.transfersOf(sub, id) } }
}

/** `GET /accounts/:id/payees`: the account's payee book (name and account of each payee). */
export function listPayees(ledger: Ledger, claims: AccessTokenClaims, id: string): ApiResponse {
  const payees = ledger.payeesOf(subject(claims), id)
  if (!payees) return unknownAccount('source')
  return { status: 200, body: { account_id: id, payees } }
}

/**
 * Validate `POST /accounts/:id/transfers` before any step-up is asked for: the body holds
 * exactly one `authorization_details` entry of the transfer type (RFC 9396 §2) whose
 * `identifier`, when present, is this account (§2.2), in the account's currency with a positive amount of at most two decimals; both accounts exist; the funds are
 * there. Failures are 400 with every issue, 404 or 422 — never a step-up.
 */
export function checkTransfer(
  ledger: Ledger,
  registry: AuthorizationDetailsRegistry,
  claims: AccessTokenClaims,
  id: string,
  body: unknown,
): { ok: true; transfer: CheckedTransfer } | { ok: false; response: ApiResponse } {
  const sub = subject(claims)
  const account = ledger.ownAccount(sub, id)
  if (!account) return { ok: false, response: unknownAccount('source') }
  const invalid = (issues: Issue[]) => ({
    ok: false as const,
    response: problem(400, 'invalid_request', 'The transfer is malformed', { issues }),
  })
  if (!isObject(body)) return { ok: false, response: MALFORMED_BODY }
  const extra = Object.keys(body).filter((key) => key !== 'authorization_details')
  if (extra.length > 0) {
    return invalid(extra.map((key) => ({ path: key, message: 'unknown member' })))
  }
  const parsed = registry.safeParse(body['authorization_details'])
  if (!parsed.success) {
    return invalid(
      parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
    )
  }
  const details = parsed.data
  if (details.length !== 1 || details[0]?.type !== TRANSFER_TYPE) {
    return invalid([
      { path: 'authorization_details', message: `expected exactly one ${TRANSFER_TYPE} entry` },
    ])
  }
  const { transaction, identifier } = details[0] as unknown as {
    transaction: { amount: string; currency: string; destination_account: string }
    identifier?: string
  }
  const issues: Issue[] = []
  // RFC 9396 §2.2 `identifier`: the account the money leaves. With it, a grant for a transfer from
  // one account never covers the same transfer from another, and the sign-in server can show the
  // payer's account while the key is used.
  if (identifier !== undefined && identifier !== id) {
    issues.push({
      path: 'authorization_details[0].identifier',
      message: `must be the account the transfer leaves (${id})`,
    })
  }
  const cents = parseCents(transaction.amount)
  if (cents === undefined || cents === 0 || cents > MAX_TRANSFER_CENTS) {
    issues.push({
      path: 'authorization_details[0].transaction.amount',
      message: `amount must be more than 0 and at most ${formatCents(MAX_TRANSFER_CENTS)}, with at most two decimals`,
    })
  }
  if (transaction.currency !== account.currency) {
    issues.push({
      path: 'authorization_details[0].transaction.currency',
      message: `the account holds ${account.currency}`,
    })
  }
  if (transaction.destination_account === id) {
    issues.push({
      path: 'authorization_details[0].transaction.destination_account',
      message: 'cannot transfer to the same account',
    })
  }
  if (issues.length > 0 || cents === undefined) return invalid(issues)
  if (!ledger.exists(transaction.destination_account)) {
    return { ok: false, response: unknownAccount('destination') }
  }
  if (parseCents(account.balance)! < cents) {
    return { ok: false, response: insufficientFunds() }
  }
  return { ok: true, transfer: { source: id, destination: transaction.destination_account, cents } }
}

const insufficientFunds = (): ApiResponse =>
  problem(422, 'insufficient_funds', 'The account balance does not cover this transfer')

/** Execute a transfer the step-up decision allowed: 201 with the transfer and what authorised it. */
export function executeTransfer(
  ledger: Ledger,
  claims: AccessTokenClaims,
  transfer: CheckedTransfer,
  fired: readonly string[],
): ApiResponse {
  const outcome = ledger.transfer(
    subject(claims),
    transfer.source,
    transfer.destination,
    transfer.cents,
  )
  if (!outcome.ok) {
    return outcome.error === 'insufficient_funds' ? insufficientFunds() : unknownAccount('source')
  }
  return {
    status: 201,
    headers: {
      location: `/accounts/${transfer.source}/transfers/${outcome.transfer.transfer_id}`,
    },
    body: {
      ...outcome.transfer,
      status: 'completed',
      balance_after: outcome.balance,
      authorized_by: {
        acr: claims.acr ?? null,
        auth_time: claims.auth_time ?? null,
        amr: claims.amr ?? [],
        rules: fired,
      },
    },
  }
}

/** `POST /me/password` with `{ "new_password": "…" }` (12 to 128 characters): 204. */
export async function changePassword(
  change: ChangePassword,
  claims: AccessTokenClaims,
  body: unknown,
): Promise<ApiResponse> {
  const password = isObject(body) ? body['new_password'] : undefined
  if (typeof password !== 'string' || password.length < 12 || password.length > 128) {
    return problem(400, 'invalid_request', 'The password change is malformed', {
      issues: [{ path: 'new_password', message: 'must be a string of 12 to 128 characters' }],
    })
  }
  await change(subject(claims), password)
  return { status: 204 }
}

/** The `sub` claim; the verifier already refused tokens without one. */
function subject(claims: AccessTokenClaims): string {
  if (typeof claims.sub !== 'string') throw new TypeError('access token without sub')
  return claims.sub
}
