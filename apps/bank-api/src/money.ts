/** Largest amount a single transfer may move, in cents (one billion). */
export const MAX_TRANSFER_CENTS = 100_000_000_000

const DECIMAL = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/

/**
 * Parse a non-negative decimal string with at most two fractional digits into integer cents;
 * `undefined` for anything else (more digits, exponents, signs, too large).
 */
export function parseCents(amount: string): number | undefined {
  const match = DECIMAL.exec(amount)
  if (!match) return undefined
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
  return Number.isSafeInteger(cents) ? cents : undefined
}

/** Format integer cents as a decimal string with two fractional digits (`1000000` → `10000.00`). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}
