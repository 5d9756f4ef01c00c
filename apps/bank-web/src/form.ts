/** A payee of an account's payee book (`GET /accounts/:id/payees` of the bank API). */
export interface Payee {
  readonly account_id: string
  readonly name: string
  /** One of the customer's own accounts. */
  readonly own?: boolean
}

/** What the transfer form holds, kept across the full-page confirmation and reloads. */
export interface FormState {
  readonly source: string
  readonly payee: string
  readonly amount: string
}

const FORM = 'bank.transfer-form'

/** The saved form of this tab, if any. */
export function readForm(): FormState | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(FORM) ?? 'null') as Partial<FormState> | null
    if (!saved) return undefined
    return {
      source: typeof saved.source === 'string' ? saved.source : '',
      payee: typeof saved.payee === 'string' ? saved.payee : '',
      amount: typeof saved.amount === 'string' ? saved.amount : '',
    }
  } catch {
    return undefined
  }
}

export function saveForm(state: FormState): void {
  sessionStorage.setItem(FORM, JSON.stringify(state))
}

/** Forget the form (after a transfer went through, and at sign-out). */
export function clearForm(): void {
  sessionStorage.removeItem(FORM)
}

/**
 * The amount typed, as the API's decimal string with two decimals (`"10000.00"`), or
 * `undefined` when it is not a positive amount of at most two decimals. Spaces and the
 * thousands separators `,` are allowed: `10,000` and `10 000.5` are accepted.
 */
export function parseAmount(text: string): string | undefined {
  const compact = text.replace(/[\s,]/g, '')
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(compact)
  if (!match) return undefined
  const whole = match[1]!.replace(/^0+(?=\d)/, '')
  const cents = (match[2] ?? '').padEnd(2, '0')
  if (/^0+$/.test(whole) && /^0+$/.test(cents)) return undefined
  return `${whole}.${cents}`
}
