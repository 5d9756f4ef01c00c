import { metrics, trace } from '@opentelemetry/api'
import { createOpenTelemetryDecisionHook } from '@stepup/assurance/otel'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { auditDecisions } from './audit.ts'
import { createBankApi } from './bank-api.ts'
import { type BankLimits, parseLimitsEnv } from './limits.ts'

const env = process.env
/** A positive integer from the environment (milliseconds unless said), or undefined when unset. */
const ms = (name: string, unit = 'milliseconds'): number | undefined => {
  const value = env[name]
  if (value === undefined || value === '') return undefined
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed) || parsed <= 0) {
    console.error(`bank-api: ${name} must be a positive integer (${unit}), not ${value}`)
    process.exit(2)
  }
  return parsed
}

// The step-up limits (README: "Limits"), checked before anything starts: a malformed or
// contradictory value stops the start with one line naming the variable.
let limits: BankLimits
try {
  limits = parseLimitsEnv(env)
} catch (error) {
  console.error(`bank-api: not started: ${(error as Error).message}`)
  process.exit(2)
}

const framework = env['FRAMEWORK'] === 'fastify' ? 'fastify' : 'express'
const port = Number(env['PORT'] ?? 4000)
const issuer = env['ISSUER'] ?? 'http://localhost:3000'
const resource = env['RESOURCE'] ?? `http://localhost:${port}/`
const corsOrigins = (env['CORS_ORIGINS'] ?? 'http://localhost:5173').split(' ')
const shutdownTimeout = ms('SHUTDOWN_TIMEOUT_MS') ?? 10_000
/** `{ [key]: value }` for a set variable, `{}` otherwise (the default applies). */
const option = <K extends string>(
  key: K,
  name: string,
  unit?: string,
): Partial<Record<K, number>> => {
  const value = ms(name, unit)
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>)
}

// How the issuer's key set is fetched (jose's remote set, with backoff and a rate cap on top).
const backoff = {
  ...option('initial', 'JWKS_BACKOFF_INITIAL_MS'),
  ...option('max', 'JWKS_BACKOFF_MAX_MS'),
}
const rateLimit = {
  ...option('fetches', 'JWKS_RATE_LIMIT_FETCHES', 'fetches'),
  ...option('interval', 'JWKS_RATE_LIMIT_INTERVAL_MS'),
}
const jwksOptions = {
  ...option('timeoutDuration', 'JWKS_TIMEOUT_MS'),
  ...option('cooldownDuration', 'JWKS_COOLDOWN_MS'),
  ...option('cacheMaxAge', 'JWKS_CACHE_MAX_AGE_MS'),
  ...(Object.keys(backoff).length > 0 && { backoff }),
  ...(Object.keys(rateLimit).length > 0 && { rateLimit }),
}

// Single-use grants in Redis when REDIS_URL is set (shared by every instance), else in memory.
const redisUrl = env['REDIS_URL'] || undefined
const persistence = env['REDIS_PERSISTENCE'] || 'require'
const isPersistence = (value: string): value is 'require' | 'warn' | 'skip' =>
  value === 'require' || value === 'warn' || value === 'skip'
if (!isPersistence(persistence)) {
  console.error(`bank-api: REDIS_PERSISTENCE must be require, warn or skip, not ${persistence}`)
  process.exit(2)
}
const redis = redisUrl && {
  redis: { url: redisUrl, persistence, ...option('timeout', 'REDIS_TIMEOUT_MS') },
}

/** `on` or `off` from the environment (unset: `fallback`); anything else stops the start. */
const onOff = (name: string, fallback: 'on' | 'off'): boolean => {
  const value = env[name] || fallback
  if (value !== 'on' && value !== 'off') {
    console.error(`bank-api: ${name} must be on or off, not ${value}`)
    process.exit(2)
  }
  return value === 'on'
}

// Every decision of the guards: a JSON audit line on stdout (AUDIT_LOG=off: none) and, with
// STEPUP_OTEL=on, a span and the stepup.decisions counter through the global OpenTelemetry API.
// Those are no-ops unless the process registers an SDK before this runs (for example with
// `node --import <your SDK setup>`), so the meter is taken here, after it.
const audit = onOff('AUDIT_LOG', 'on') ? auditDecisions(pino({ name: 'bank-api' })) : undefined
const onDecision = onOff('STEPUP_OTEL', 'off')
  ? createOpenTelemetryDecisionHook({
      tracer: trace.getTracer('bank-api'),
      meter: metrics.getMeter('bank-api'),
      ...(audit && { onDecision: audit }),
    })
  : audit

// DPoP-bound tokens (RFC 9449) are accepted, with this API's nonces; their proofs are
// remembered in Redis with REDIS_URL (like the grants), else in memory. DPOP_REQUIRED: `all`, or
// the client_ids (space-separated) whose tokens must be DPoP-bound; unset, Bearer stays open to
// all. DPOP_NONCE_SECRET: base64url of at least 32 random bytes, the same on every instance.
const dpopRequired = (env['DPOP_REQUIRED'] ?? '').split(' ').filter(Boolean)
const secretText = env['DPOP_NONCE_SECRET'] || undefined
const nonceSecret = secretText === undefined ? undefined : Buffer.from(secretText, 'base64url')
if (
  nonceSecret !== undefined &&
  (nonceSecret.byteLength < 32 || nonceSecret.toString('base64url') !== secretText)
) {
  console.error('bank-api: DPOP_NONCE_SECRET must be base64url of at least 32 random bytes')
  process.exit(2)
}
const dpop = {
  required:
    dpopRequired.length === 1 && dpopRequired[0] === 'all' ? ('all' as const) : dpopRequired,
  ...(nonceSecret && { nonceSecret: new Uint8Array(nonceSecret) }),
}

const api = await createBankApi({
  framework,
  issuer,
  resource,
  port,
  corsOrigins,
  shutdownTimeout,
  ...option('headersTimeout', 'HEADERS_TIMEOUT_MS'),
  ...option('requestTimeout', 'REQUEST_TIMEOUT_MS'),
  ...option('keepAliveTimeout', 'KEEP_ALIVE_TIMEOUT_MS'),
  discovery: {
    ...option('initialDelay', 'DISCOVERY_INITIAL_DELAY_MS'),
    ...option('maxDelay', 'DISCOVERY_MAX_DELAY_MS'),
  },
  ...redis,
  ...(Object.keys(jwksOptions).length > 0 && { jwksOptions }),
  ...(onDecision && { onDecision }),
  dpop,
  limits,
}).catch((error: { message?: unknown; code?: unknown }) => {
  // Refuse to start with one line: Redis unreachable or without the persistence it needs.
  console.error(`bank-api: not started: ${String(error?.message)} (${String(error?.code)})`)
  process.exit(1)
})
console.log(`Bank API (${framework}): ${api.url}`)
console.log(`  metadata: ${api.url}/.well-known/oauth-protected-resource`)
console.log(`  issuer:   ${issuer}`)
console.log(
  `  limits:   phr from ${limits.phrFrom} (max_age ${limits.phrMaxAge} s), phrh from ${limits.phrhFrom} (max_age ${limits.phrhMaxAge} s), bound from ${limits.bindingFrom}, password change max_age ${limits.passwordMaxAge} s`,
)
console.log(`  grants:   ${redisUrl ? `Redis at ${new URL(redisUrl).host}` : 'in memory'}`)
console.log(
  `  DPoP:     required of ${dpop.required === 'all' ? 'every client' : dpop.required.join(', ') || 'no client'}`,
)

// SIGTERM/SIGINT: stop accepting, finish what is in flight, exit. `api.close()` closes the
// connections still open at `shutdownTimeout`; close-with-grace exits with 1 if even that has
// not finished a second later (a second signal exits at once).
closeWithGrace({ delay: shutdownTimeout + 1000 }, async ({ signal, err }) => {
  if (err) console.error(err)
  else console.log(`bank-api: ${signal ?? 'exit'}, closing`)
  await api.close()
})
