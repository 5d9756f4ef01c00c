import { randomUUID } from 'node:crypto'
import { formatCents } from './money.ts'

/** A bank account as the API shows it. */
export interface Account {
  readonly account_id: string
  readonly name: string
  readonly currency: string
  readonly balance: string
}

/** A completed transfer. */
export interface Transfer {
  readonly transfer_id: string
  readonly source_account: string
  readonly destination_account: string
  /** The payee's name (a known payee's, or the name of the customer's own account). */
  readonly destination_name: string
  /** Decimal string with two decimals, in `currency`. */
  readonly amount: string
  readonly currency: string
  readonly created_at: string
}

interface StoredAccount {
  readonly id: string
  readonly owner: string | undefined
  readonly name: string
  readonly currency: string
  cents: number
}

/** The outcome of {@link Ledger.transfer}. */
export type TransferOutcome =
  | { readonly ok: true; readonly transfer: Transfer; readonly balance: string }
  | { readonly ok: false; readonly error: 'unknown_account' | 'insufficient_funds' }

/**
 * One entry of an account's payee book: where its transfers may go, by name. `own` marks the
 * customer's other accounts.
 */
export interface Payee {
  readonly account_id: string
  readonly name: string
  readonly own: boolean
}

/** Payees outside the demo's users that transfers may go to. */
export const EXTERNAL_PAYEES: readonly { readonly id: string; readonly name: string }[] =
  Object.freeze([
    { id: 'ACC-987654', name: 'Mad Hatter Tea Co.' },
    { id: 'ACC-555123', name: 'White Rabbit Watches' },
  ])

/** Opening balances of the accounts every new customer gets, in cents. */
const OPENING = [
  { name: 'Checking', cents: 2_500_000 },
  { name: 'Savings', cents: 500_000 },
] as const

/**
 * An in-memory ledger: each customer (`sub`) gets a checking and a savings account on first
 * use; transfers move integer cents atomically (one synchronous step, so no interleaving).
 */
export class Ledger {
  readonly #accounts = new Map<string, StoredAccount>()
  readonly #byOwner = new Map<string, string[]>()
  readonly #transfers: Transfer[] = []
  #next = 100_001

  constructor() {
    for (const payee of EXTERNAL_PAYEES) {
      this.#accounts.set(payee.id, {
        id: payee.id,
        owner: undefined,
        name: payee.name,
        currency: 'USD',
        cents: 0,
      })
    }
  }

  /** The customer's accounts, opened on first use. */
  accountsOf(owner: string): Account[] {
    let ids = this.#byOwner.get(owner)
    if (!ids) {
      ids = OPENING.map(({ name, cents }) => {
        const id = `ACC-${this.#next++}`
        this.#accounts.set(id, { id, owner, name, currency: 'USD', cents })
        return id
      })
      this.#byOwner.set(owner, ids)
    }
    return ids.map((id) => view(this.#accounts.get(id)!))
  }

  /** The customer's own account `id`, or `undefined` (unknown, or someone else's). */
  ownAccount(owner: string, id: string): Account | undefined {
    this.accountsOf(owner)
    const account = this.#accounts.get(id)
    return account?.owner === owner ? view(account) : undefined
  }

  /** Whether `id` can receive a transfer (a customer account or a known payee). */
  exists(id: string): boolean {
    return this.#accounts.has(id)
  }

  /** Move `cents` from the owner's account to another account, or say why not. */
  transfer(owner: string, from: string, to: string, cents: number): TransferOutcome {
    const source = this.#accounts.get(from)
    const destination = this.#accounts.get(to)
    if (!source || source.owner !== owner || !destination) {
      return { ok: false, error: 'unknown_account' }
    }
    if (source.cents < cents) return { ok: false, error: 'insufficient_funds' }
    source.cents -= cents
    destination.cents += cents
    const transfer: Transfer = {
      transfer_id: randomUUID(),
      source_account: from,
      destination_account: to,
      destination_name: destination.name,
      amount: formatCents(cents),
      currency: source.currency,
      created_at: new Date().toISOString(),
    }
    this.#transfers.push(transfer)
    return { ok: true, transfer, balance: formatCents(source.cents) }
  }

  /**
   * The payee book of one of the owner's accounts: the bank's known payees, then the owner's
   * other accounts; `undefined` when the account is not the owner's.
   */
  payeesOf(owner: string, account: string): Payee[] | undefined {
    if (!this.ownAccount(owner, account)) return undefined
    const own = this.accountsOf(owner)
      .filter((a) => a.account_id !== account)
      .map((a) => ({ account_id: a.account_id, name: a.name, own: true }))
    const known = EXTERNAL_PAYEES.map((p) => ({ account_id: p.id, name: p.name, own: false }))
    return [...known, ...own]
  }

  /** Transfers out of one of the owner's accounts, newest first. */
  transfersOf(owner: string, account: string): Transfer[] {
    if (!this.ownAccount(owner, account)) return []
    return this.#transfers.filter((t) => t.source_account === account).reverse()
  }
}

function view(account: StoredAccount): Account {
  return {
    account_id: account.id,
    name: account.name,
    currency: account.currency,
    balance: formatCents(account.cents),
  }
}
