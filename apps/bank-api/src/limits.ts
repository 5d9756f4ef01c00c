import { z } from 'zod'
import { MAX_TRANSFER_CENTS, parseCents } from './money.ts'

/**
 * The bank's step-up limits: which transfer amounts need which sign-in, how fresh (RFC 9470 §3
 * `max_age`, in seconds), from which amount a transfer must be confirmed with its own details
 * (RFC 9396, dynamic linking) and serve once, and how fresh a sign-in must be to change the
 * password. Amounts are decimal strings in the account's currency, with at most two decimals.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface BankLimits {
  /** From this amount a transfer needs `acr` satisfying `phr` (default `'1000'`). */
  readonly phrFrom: string
  /** Seconds since `auth_time` allowed for a `phr` transfer (default 300). */
  readonly phrMaxAge: number
  /** From this amount a transfer needs `acr` satisfying `phrh` (default `'10000'`). */
  readonly phrhFrom: string
  /** Seconds since `auth_time` allowed for a `phrh` transfer (default 60). */
  readonly phrhMaxAge: number
  /**
   * From this amount the token must carry this transfer's `authorization_details`, confirmed with
   * a security key (`authorization_details_digest`), and serves one transfer (default `'10000'`).
   */
  readonly bindingFrom: string
  /** Seconds since `auth_time` allowed for a password change (default 300). */
  readonly passwordMaxAge: number
}

/** Today's limits: 1,000 → `phr` within 300 s; 10,000 → `phrh` within 60 s, bound, single-use. */
export const DEFAULT_LIMITS: BankLimits = Object.freeze({
  phrFrom: '1000',
  phrMaxAge: 300,
  phrhFrom: '10000',
  phrhMaxAge: 60,
  bindingFrom: '10000',
  passwordMaxAge: 300,
})

/** The environment variable of each limit (`main.ts`), named in every refusal. */
export const LIMIT_VARIABLES: Readonly<Record<keyof BankLimits, string>> = Object.freeze({
  phrFrom: 'TRANSFER_PHR_FROM',
  phrMaxAge: 'TRANSFER_PHR_MAX_AGE',
  phrhFrom: 'TRANSFER_PHRH_FROM',
  phrhMaxAge: 'TRANSFER_PHRH_MAX_AGE',
  bindingFrom: 'TRANSFER_BINDING_FROM',
  passwordMaxAge: 'PASSWORD_CHANGE_MAX_AGE',
})

/** Longest `max_age` accepted: one day. */
const MAX_AGE_LIMIT = 86_400

const amount = z.string().refine((value) => {
  const cents = parseCents(value)
  return cents !== undefined && cents > 0 && cents <= MAX_TRANSFER_CENTS
}, 'must be an amount more than 0 and at most 1000000000, with at most two decimals (e.g. 1000 or 2500.50)')

const seconds = z
  .number()
  .int('must be a whole number of seconds')
  .min(1, 'must be at least 1 second')
  .max(MAX_AGE_LIMIT, `must be at most ${MAX_AGE_LIMIT} seconds`)

/** The same seconds written in an environment variable: digits only. */
const secondsText = z
  .string()
  .regex(/^\d{1,6}$/, 'must be a whole number of seconds (digits only)')
  .transform(Number)
  .pipe(seconds)

const cents = (value: string): number => parseCents(value) ?? Number.NaN

/** How a refusal names a limit: its option key, or its environment variable. */
type Namer = (option: keyof BankLimits) => string

/** Limits that contradict each other: each issue is on the limit to change, naming the other. */
const consistent =
  (name: Namer) =>
  (limits: BankLimits, context: z.RefinementCtx): void => {
    if (cents(limits.phrhFrom) <= cents(limits.phrFrom)) {
      context.addIssue({
        code: 'custom',
        path: ['phrhFrom'],
        message: `must be more than ${name('phrFrom')} (${limits.phrFrom})`,
      })
    }
    if (limits.phrhMaxAge > limits.phrMaxAge) {
      context.addIssue({
        code: 'custom',
        path: ['phrhMaxAge'],
        message: `must not be longer than ${name('phrMaxAge')} (${limits.phrMaxAge}): a larger transfer never accepts an older sign-in`,
      })
    }
    if (cents(limits.bindingFrom) < cents(limits.phrFrom)) {
      context.addIssue({
        code: 'custom',
        path: ['bindingFrom'],
        message: `must not be less than ${name('phrFrom')} (${limits.phrFrom}): confirming a transfer's details takes a security key sign-in`,
      })
    }
  }

const optionName: Namer = (option) => option
const variableName: Namer = (option) => LIMIT_VARIABLES[option]

const limitsSchema = z
  .object({
    phrFrom: amount,
    phrMaxAge: seconds,
    phrhFrom: amount,
    phrhMaxAge: seconds,
    bindingFrom: amount,
    passwordMaxAge: seconds,
  })
  .strict()
  .superRefine(consistent(optionName))

const envSchema = z
  .object({
    phrFrom: amount,
    phrMaxAge: secondsText,
    phrhFrom: amount,
    phrhMaxAge: secondsText,
    bindingFrom: amount,
    passwordMaxAge: secondsText,
  })
  .superRefine(consistent(variableName))

/** A limit refused: `variable` is its environment variable, `option` its `createBankPolicy` key. */
export class BankLimitsError extends TypeError {
  readonly code = 'ERR_INVALID_ARG_VALUE'
  readonly issues: readonly BankLimitsIssue[]
  constructor(message: string, issues: readonly BankLimitsIssue[]) {
    super(message)
    this.name = 'BankLimitsError'
    this.issues = issues
  }
}

/** One refused limit. */
export interface BankLimitsIssue {
  readonly option: string
  readonly variable: string
  readonly message: string
}

function refuse(error: z.ZodError, label: (option: keyof BankLimits) => string): BankLimitsError {
  const issues = error.issues.map((issue) => {
    const option = String(issue.path[0] ?? '') as keyof BankLimits
    return { option, variable: LIMIT_VARIABLES[option] ?? option, message: issue.message }
  })
  const text = issues.map((issue) => `${label(issue.option)} ${issue.message}`).join('; ')
  return new BankLimitsError(text, issues)
}

/**
 * Complete and check limits given as options (each omitted one takes its default): throws a
 * {@link BankLimitsError} naming the option for a malformed value or limits that contradict each
 * other (the `phrh` threshold not above the `phr` one, a `phrh` `max_age` longer than the `phr`
 * one, a binding threshold below the `phr` one).
 */
export function resolveLimits(options: Partial<BankLimits> = {}): BankLimits {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const parsed = limitsSchema.safeParse({ ...DEFAULT_LIMITS, ...given })
  if (!parsed.success) throw refuse(parsed.error, (option) => option || 'createBankPolicy:')
  return Object.freeze(parsed.data)
}

/**
 * Read the limits from environment variables ({@link LIMIT_VARIABLES}; unset or empty: the
 * default). A malformed or inconsistent value throws a {@link BankLimitsError} whose message
 * names the variable — never a silent default.
 */
export function parseLimitsEnv(env: Readonly<Record<string, string | undefined>>): BankLimits {
  const input: Record<string, string> = {}
  for (const [option, variable] of Object.entries(LIMIT_VARIABLES)) {
    const value = env[variable]
    input[option] =
      value === undefined || value === ''
        ? String(DEFAULT_LIMITS[option as keyof BankLimits])
        : value
  }
  const parsed = envSchema.safeParse(input)
  if (!parsed.success) {
    throw refuse(parsed.error, (option) => {
      const variable = LIMIT_VARIABLES[option]
      const value = env[variable]
      return value === undefined || value === ''
        ? `${variable} (unset: ${DEFAULT_LIMITS[option]})`
        : `${variable}=${JSON.stringify(value)}`
    })
  }
  return Object.freeze(parsed.data)
}
