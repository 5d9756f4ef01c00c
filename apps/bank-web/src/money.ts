/**
 * An amount as the bank shows it: in the account's currency, in the reader's locale
 * (`Intl.NumberFormat`; `locale` for tests), e.g. `$10,000.00`. The API's amounts are decimal strings; an amount
 * that is not a number is shown as it came.
 */
export function formatMoney(amount: string, currency: string, locale?: string): string {
  const value = Number(amount)
  if (!Number.isFinite(value)) return amount
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value)
  } catch {
    return `${amount} ${currency}`
  }
}
