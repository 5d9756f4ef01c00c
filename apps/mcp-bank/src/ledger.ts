import { randomUUID } from 'node:crypto'

/** An account as the tools show it. */
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
  readonly amount: string
  readonly currency: string
}

/** What {@link Ledger.transfer} did, or why it did not. */
export type TransferOutcome =
  | { readonly ok: true; readonly transfer: Transfer; readonly balance: string }
  | { readonly ok: false; readonly error: 'unknown_account' | 'insufficient_funds' }

/** Payees outside the customers that transfers may go to. */
export const PAYEES: readonly { readonly id: string; readonly name: string }[] = Object.freeze([
  { id: 'ACC-987654', name: 'Mad Hatter Tea Co.' },
  { id: 'ACC-555123', name: 'White Rabbit Watches' },
])

/** Opening balances of every new customer, in cents: checking $25,000, savings $5,000. */
const OPENING = [
  { name: 'Checking', cents: 2_500_000 },
  { name: 'Savings', cents: 500_000 },
] as const

interface Stored {
  readonly id: string
  readonly owner: string | undefined
  readonly name: string
  cents: number
}

const DECIMAL = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/

/** A decimal string with at most two decimals as integer cents; `undefined` for anything else. */
export function parseCents(amount: string): number | undefined {
  const match = DECIMAL.exec(amount)
  if (!match) return undefined
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}

/** Integer cents as a decimal string with two decimals (`1000000` → `10000.00`). */
export function formatCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`
}

/**
 * An in-memory USD ledger: each customer (`sub`) gets a checking and a savings account on first
 * use; a transfer moves integer cents in one synchronous step.
 */
export class Ledger {
  readonly #accounts = new Map<string, Stored>()
  readonly #owners = new Map<string, string[]>()
  #next = 100_001

  constructor() {
    for (const { id, name } of PAYEES) {
      this.#accounts.set(id, { id, owner: undefined, name, cents: 0 })
    }
  }

  /** The customer's accounts, checking first, opened on first use. */
  accountsOf(owner: string): Account[] {
    let ids = this.#owners.get(owner)
    if (!ids) {
      ids = OPENING.map(({ name, cents }) => {
        const id = `ACC-${this.#next++}`
        this.#accounts.set(id, { id, owner, name, cents })
        return id
      })
      this.#owners.set(owner, ids)
    }
    return ids.map((id) => view(this.#accounts.get(id)!))
  }

  /** The customer's account `id` (default checking), or `undefined` if it is not theirs. */
  account(owner: string, id?: string): Account | undefined {
    const accounts = this.accountsOf(owner)
    return id === undefined ? accounts[0] : accounts.find((a) => a.account_id === id)
  }

  /** Move `amount` (USD, a decimal string) from the customer's checking account to `to`. */
  transfer(owner: string, to: string, amount: string): TransferOutcome {
    const cents = parseCents(amount)
    if (cents === undefined) throw new TypeError(`not an amount: ${JSON.stringify(amount)}`)
    const from = this.accountsOf(owner)[0]!.account_id
    const source = this.#accounts.get(from)!
    const destination = this.#accounts.get(to)
    if (!destination || destination.id === from) return { ok: false, error: 'unknown_account' }
    if (source.cents < cents) return { ok: false, error: 'insufficient_funds' }
    source.cents -= cents
    destination.cents += cents
    const transfer: Transfer = {
      transfer_id: randomUUID(),
      source_account: from,
      destination_account: to,
      amount: formatCents(cents),
      currency: 'USD',
    }
    return { ok: true, transfer, balance: formatCents(source.cents) }
  }
}

function view(account: Stored): Account {
  return {
    account_id: account.id,
    name: account.name,
    currency: 'USD',
    balance: formatCents(account.cents),
  }
}
