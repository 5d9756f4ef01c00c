/** A malformed environment variable: the server refuses to start and names it. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError'
  /** The variable's name. */
  readonly variable: string
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`)
    this.variable = variable
  }
}

/** What `main.ts` starts the server with, read from the environment. */
export interface ServerEnvironment {
  readonly port: number
  readonly resource: string
  readonly dataFile: string
  readonly issuer: string | undefined
  readonly shutdownTimeout: number
  readonly redirectUris: string[]
  readonly postLogoutRedirectUris: string[]
  readonly redisUrl: string | undefined
  readonly accessTokenTtl: number
  readonly refreshTokenTtl: number
  readonly sessionTtl: number
  readonly interactionTtl: number
  readonly enrolmentCodeTtl: number
}

/** The token and session lifetimes (seconds) and their variables, with the defaults. */
export const LIFETIME_VARIABLES = Object.freeze({
  ACCESS_TOKEN_TTL: 300,
  REFRESH_TOKEN_TTL: 86_400,
  SESSION_TTL: 86_400,
  INTERACTION_TTL: 600,
  ENROLMENT_CODE_TTL: 900,
})

type Env = Readonly<Record<string, string | undefined>>

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new EnvironmentError(
      name,
      `must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`,
    )
  }
  return value
}

function url(raw: string, name: string, protocols: readonly string[]): string {
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new EnvironmentError(name, `must be an absolute URL, not ${JSON.stringify(raw)}`)
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new EnvironmentError(name, `must be a ${protocols.join(' or ')} URL, not ${raw}`)
  }
  return raw
}

function urls(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name]
  if (raw === undefined) return fallback
  const list = raw.split(' ').filter(Boolean)
  if (list.length === 0) throw new EnvironmentError(name, 'must list at least one URL')
  return list.map((u) => url(u, name, ['http:', 'https:']))
}

/**
 * Read and validate the server's environment: every variable has a default, and a value that is
 * set but malformed is an {@link EnvironmentError} naming the variable — never a silent default.
 *
 * @example
 * ```ts
 * const config = readServerEnvironment({ ACCESS_TOKEN_TTL: '120' }, './data/users.json')
 * config.accessTokenTtl // 120
 * ```
 */
export function readServerEnvironment(env: Env, defaultDataFile: string): ServerEnvironment {
  const redirectUris = urls(env, 'REDIRECT_URIS', ['http://localhost:5173/callback'])
  const lifetime = (name: keyof typeof LIFETIME_VARIABLES): number =>
    integer(env, name, LIFETIME_VARIABLES[name], 1, 365 * 86_400)
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    resource: url(env['RESOURCE'] ?? 'http://localhost:4000/', 'RESOURCE', ['http:', 'https:']),
    dataFile: env['DATA_FILE'] || defaultDataFile,
    issuer:
      env['ISSUER'] === undefined ? undefined : url(env['ISSUER'], 'ISSUER', ['http:', 'https:']),
    shutdownTimeout: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 1, 3_600_000),
    redirectUris,
    // By default the app's own origin: where it lands after signing out.
    postLogoutRedirectUris: urls(env, 'POST_LOGOUT_REDIRECT_URIS', [
      ...new Set(redirectUris.map((u) => `${new URL(u).origin}/`)),
    ]),
    redisUrl: env['REDIS_URL']
      ? url(env['REDIS_URL'], 'REDIS_URL', ['redis:', 'rediss:'])
      : undefined,
    accessTokenTtl: lifetime('ACCESS_TOKEN_TTL'),
    refreshTokenTtl: lifetime('REFRESH_TOKEN_TTL'),
    sessionTtl: lifetime('SESSION_TTL'),
    interactionTtl: lifetime('INTERACTION_TTL'),
    enrolmentCodeTtl: lifetime('ENROLMENT_CODE_TTL'),
  }
}
