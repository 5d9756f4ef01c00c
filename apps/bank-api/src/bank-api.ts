import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, Server as NetServer } from 'node:net'
import type {
  ConsumedGrantStore,
  JwtAccessTokenVerifierOptions,
  StepUpEvent,
} from '@stepup/assurance'
import {
  createRedisConsumedGrantStore,
  type RedisConsumedGrantStoreOptions,
} from '@stepup/assurance/redis'
import { checkOptions, invalidArgument } from '@stepup/internal'
import { createClient } from 'redis'
import { type BankContext, createBankContext } from './context.ts'
import { createExpressApp } from './express-app.ts'
import { createFastifyApp } from './fastify-app.ts'
import type { Ledger } from './ledger.ts'
import { type BankLimits, LIMIT_VARIABLES, resolveLimits } from './limits.ts'
import { createBankPolicy } from './policy.ts'
import type { ChangePassword } from './service.ts'

/** Options of {@link createBankApi}. */
export interface BankApiOptions {
  /** Which framework serves the routes; both enforce the same policy module. */
  readonly framework: 'express' | 'fastify'
  /** The authorization server's issuer identifier (`iss` of access tokens). */
  readonly issuer: string
  /**
   * This API's resource identifier (RFC 8707): the `aud` of its access tokens and the `resource`
   * of its RFC 9728 metadata. Use the URL the API is reached at, e.g. `http://localhost:4000/`.
   */
  readonly resource: string
  /** A JWK Set URL or document; default: `jwks_uri` from the issuer's discovery document. */
  readonly jwks?: URL | string | { keys: Record<string, unknown>[] }
  /** TCP port; default the resource's port, else 0 (a free port). */
  readonly port?: number
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string
  /** Browser origins allowed by CORS (default `http://localhost:5173`, the web client). */
  readonly corsOrigins?: readonly string[]
  /** Where single-use transfer grants are marked (default in memory; see also `redis`). */
  readonly grants?: ConsumedGrantStore
  /**
   * Mark single-use transfer grants in Redis, shared by every instance (instead of `grants`).
   * The API refuses to start (rejects) when it cannot connect, or when Redis persistence is not
   * what `persistence` requires.
   */
  readonly redis?: RedisGrantOptions
  /** Changes a customer's password at whoever owns credentials (default: recorded in memory). */
  readonly changePassword?: ChangePassword
  /** The clock in epoch seconds, for tokens and `max_age` (default the system clock). */
  readonly now?: () => number
  /**
   * Milliseconds a client has to send the request headers (Node's `server.headersTimeout`;
   * default 10,000). A client still sending them then gets `408` and its connection closed.
   */
  readonly headersTimeout?: number
  /**
   * Milliseconds a client has to send the whole request, body included (Node's
   * `server.requestTimeout`; default 30,000, at least `headersTimeout`): a body trickled
   * byte by byte is cut with `408` then, whatever the route or the token.
   */
  readonly requestTimeout?: number
  /** Milliseconds an idle keep-alive connection stays open (default 5,000). */
  readonly keepAliveTimeout?: number
  /**
   * Milliseconds {@link BankApi.close} waits for requests in flight before it closes their
   * connections (default 10,000).
   */
  readonly shutdownTimeout?: number
  /**
   * How discovery of the issuer's `jwks_uri` is retried while the issuer cannot be reached:
   * exponential backoff from `initialDelay` (default 500 ms), doubled per attempt up to
   * `maxDelay` (default 30,000 ms), each delay drawn between half and all of its bound; each
   * attempt gives up after `timeout` (default 5,000 ms). Unused when `jwks` is given.
   */
  readonly discovery?: DiscoveryRetryOptions
  /**
   * How the remote key set (`jwks` as a URL, or the discovered `jwks_uri`) is fetched, in
   * milliseconds: `timeoutDuration` per fetch (default 5,000), `cooldownDuration` before an
   * unknown `kid` fetches again (default 30,000), `cacheMaxAge` (default 600,000), `backoff:
   * { initial, max }` after failures (default 1,000 and 60,000), `rateLimit: { fetches,
   * interval }` (default 10 per 60,000). A token whose `kid` is not known while no fetch is
   * allowed answers 503 with `Retry-After`. Refused with a JWK Set document as `jwks`.
   */
  readonly jwksOptions?: JwtAccessTokenVerifierOptions['jwksOptions']
  /**
   * Called once per guarded request with the decision (audit log, metrics, traces): see
   * `main.ts` for the JSON audit lines and the OpenTelemetry hook it composes.
   */
  readonly onDecision?: (event: StepUpEvent) => void
  /**
   * Accept DPoP-bound tokens (RFC 9449): each request carries a proof of the token's key, for
   * this API's origin (the resource's), used once (remembered in memory, or in Redis with
   * `redis`), with a nonce the API gave (§9: the first proof gets `401 use_dpop_nonce`, every
   * later answer the next nonce in `DPoP-Nonce`, exposed by CORS). `required` says whose tokens
   * must be bound. Without it, the API takes Bearer tokens only.
   */
  readonly dpop?: BankDpopOptions
  /**
   * The step-up limits (transfer thresholds and their `max_age`, the binding threshold, the
   * password change's `max_age`); each omitted one keeps its default (see `DEFAULT_LIMITS`).
   * Malformed or contradictory values reject, naming the limit.
   */
  readonly limits?: Partial<BankLimits>
}

/** DPoP for the bank API (see {@link BankApiOptions.dpop}). */
export interface BankDpopOptions {
  /**
   * Whose tokens must be DPoP-bound: `'all'` (the metadata then says
   * `dpop_bound_access_tokens_required: true`), or the `client_id`s listed (the web client) while
   * others may still use Bearer. A token of theirs without `cnf.jkt` answers `invalid_token`.
   */
  readonly required: 'all' | readonly string[]
  /**
   * The HMAC key of the API's nonces, at least 32 bytes: give every instance the same one, or
   * nonces from one are refused by another. Default: random, for this process.
   */
  readonly nonceSecret?: Uint8Array
}

/** Redis for single-use grants (see {@link BankApiOptions.redis}). */
export interface RedisGrantOptions {
  /** `redis://` or `rediss://` URL, with credentials if any. */
  readonly url: string
  /** Milliseconds a Redis command may take before the transfer answers 503 (default 500). */
  readonly timeout?: number
  /**
   * `'require'` (default): refuse to start, and answer 503 after a reconnection, unless Redis
   * writes every command to its append-only file before answering (`appendonly yes`,
   * `appendfsync always`); `'warn'`: log it and go on; `'skip'`: not checked (you guarantee it).
   */
  readonly persistence?: RedisConsumedGrantStoreOptions['persistence']
}

/** Retry schedule of the discovery of the issuer's metadata (see {@link BankApiOptions}). */
export interface DiscoveryRetryOptions {
  readonly initialDelay?: number
  readonly maxDelay?: number
  readonly timeout?: number
}

const BANK_API_OPTIONS = new Set([
  'framework',
  'issuer',
  'resource',
  'jwks',
  'port',
  'host',
  'corsOrigins',
  'grants',
  'redis',
  'changePassword',
  'now',
  'headersTimeout',
  'requestTimeout',
  'keepAliveTimeout',
  'shutdownTimeout',
  'discovery',
  'jwksOptions',
  'onDecision',
  'dpop',
  'limits',
])
const DPOP_OPTIONS = new Set(['required', 'nonceSecret'])
const DISCOVERY_OPTIONS = new Set(['initialDelay', 'maxDelay', 'timeout'])
const REDIS_OPTIONS = new Set(['url', 'timeout', 'persistence'])
const LIMIT_OPTIONS = new Set(Object.keys(LIMIT_VARIABLES))

/** A running bank API. */
export interface BankApi {
  /** Base URL, e.g. `http://localhost:4000`. */
  readonly url: string
  readonly framework: 'express' | 'fastify'
  /** The in-memory ledger (accounts, balances, transfers). */
  readonly ledger: Ledger
  /**
   * Shut down gracefully: stop accepting connections, close idle keep-alive connections, let
   * requests in flight finish (their responses carry `Connection: close`), and close whatever is
   * still open when `shutdownTimeout` runs out. Resolves once every connection is closed.
   */
  close(): Promise<void>
}

const OIDC_DISCOVERY = '/.well-known/openid-configuration'
const RFC8414_DISCOVERY = '/.well-known/oauth-authorization-server'

/**
 * The issuer's `jwks_uri`, from its OpenID Connect discovery document (the well-known suffix
 * appended to the issuer) or, when there is none (404), its RFC 8414 metadata (the suffix
 * inserted before the issuer's path). The document's `issuer` must be identical to the one
 * configured, or it is not used.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
async function discoverJwks(issuer: string, signal: AbortSignal): Promise<URL> {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  const candidates = [
    `${url.origin}${path}${OIDC_DISCOVERY}`,
    `${url.origin}${RFC8414_DISCOVERY}${path}`,
  ]
  for (const [index, candidate] of candidates.entries()) {
    const response = await fetch(candidate, { signal, headers: { accept: 'application/json' } })
    if (response.status === 404 && index < candidates.length - 1) {
      await response.body?.cancel()
      continue
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`${candidate} answered HTTP ${response.status}`)
    }
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown } | null
    if (document?.issuer !== issuer || typeof document.jwks_uri !== 'string') {
      throw new Error(`${candidate} names another issuer or no jwks_uri`)
    }
    return new URL(document.jwks_uri)
  }
  throw new Error('no discovery document')
}

const reasonOf = (error: unknown): string => {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { code?: unknown } }
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : ''
  return `${String(message)}${code}`
}

/**
 * Discover the issuer's key set, retrying with capped exponential backoff and jitter until it
 * succeeds or `signal` aborts. Resolves after the first attempt (whatever its outcome); later
 * attempts run in the background, and `context.retryAt` says when the next one is due.
 */
async function startDiscovery(
  context: BankContext,
  issuer: string,
  options: Required<DiscoveryRetryOptions>,
  signal: AbortSignal,
): Promise<void> {
  let attempt = 0
  let retry: NodeJS.Timeout | undefined
  let pending: AbortController | undefined
  signal.addEventListener(
    'abort',
    () => {
      clearTimeout(retry)
      pending?.abort(signal.reason)
    },
    { once: true },
  )
  const tryOnce = async (): Promise<void> => {
    const controller = new AbortController()
    pending = controller
    const timeout = setTimeout(
      () => controller.abort(new Error(`no answer within ${options.timeout} ms`)),
      options.timeout,
    )
    try {
      const jwks = await discoverJwks(issuer, controller.signal)
      context.useJwks(jwks)
      if (attempt > 0) console.log(`bank-api: discovered ${issuer} after ${attempt + 1} attempts`)
    } catch (error) {
      if (signal.aborted) return
      const bound = Math.min(options.maxDelay, options.initialDelay * 2 ** attempt)
      const delay = Math.round(bound / 2 + (Math.random() * bound) / 2)
      attempt += 1
      context.retryAt = Date.now() + delay
      console.warn(
        `bank-api: discovery of ${issuer} failed: ${reasonOf(error)}; retrying in ${delay} ms`,
      )
      retry = setTimeout(() => void tryOnce(), delay)
    } finally {
      clearTimeout(timeout)
    }
  }
  await tryOnce()
}

const positiveMs = (value: unknown, name: string, fallback: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidArgument(`${name} must be a positive integer (milliseconds)`)
  }
  return value
}

/** Delay before reconnection attempt `retries` (from 0): 50 ms doubling up to 2 s, with jitter. */
const redisBackoff = (retries: number): number => {
  const bound = Math.min(2000, 50 * 2 ** retries)
  return Math.round(bound / 2 + (Math.random() * bound) / 2)
}

/**
 * Connect the single-use grant store to Redis, the way the operating guide shows: node-redis
 * with an `'error'` listener (a lost connection logs one line and never crashes the process),
 * no offline queue and a reconnection backoff; the store's command timeout; and the persistence
 * check before the API listens. Rejects with a coded error when Redis cannot be reached within
 * a few attempts, or its persistence is not what `persistence` requires.
 *
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/
 */
async function connectGrants(
  options: RedisGrantOptions,
): Promise<{ grants: ConsumedGrantStore; proofs: ConsumedGrantStore; close(): void }> {
  checkOptions(options, REDIS_OPTIONS, 'createBankApi: redis')
  const timeout = positiveMs(options.timeout, 'redis.timeout', 500)
  const { persistence = 'require' } = options
  let where: string
  try {
    const url = new URL(options.url)
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new TypeError()
    where = url.host
  } catch {
    throw invalidArgument('redis.url must be a redis:// or rediss:// URL')
  }
  let connected = false
  let down = false
  // The first failure worth logging since the last (re)connection, per code.
  let reported: string | undefined
  const client = createClient({
    url: options.url,
    // A command is never queued while disconnected: it fails, and the transfer answers 503.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      // Before the first connection, three attempts: the API refuses to start rather than wait.
      reconnectStrategy: (retries: number, cause: Error) =>
        connected || retries < 3 ? redisBackoff(retries) : cause,
    },
  })
  const destroy = () => {
    if (client.isOpen) client.destroy()
  }
  client.on('error', (error: unknown) => {
    if (!connected || down) return
    down = true
    console.warn(
      `bank-api: Redis connection lost (${reasonOf(error)}); single-use transfers answer 503 until it is back`,
    )
  })
  client.on('ready', () => {
    reported = undefined
    if (down) console.log('bank-api: Redis connection is back')
    connected = true
    down = false
  })
  try {
    await client.connect()
  } catch (error) {
    destroy()
    throw Object.assign(new Error(`cannot connect to Redis at ${where}: ${reasonOf(error)}`), {
      code: 'ERR_REDIS_UNREACHABLE',
    })
  }
  const storeOptions = {
    timeout,
    persistence,
    onWarning: (message: string) => console.warn(`bank-api: warning: ${message}`),
  }
  const store = createRedisConsumedGrantStore(client, {
    prefix: 'bank-api:grant:',
    ...storeOptions,
  })
  // DPoP proofs' jti (RFC 9449 §11.1), on the same connection: shared by every instance.
  const proofs = createRedisConsumedGrantStore(client, {
    prefix: 'bank-api:dpop:',
    ...storeOptions,
  })
  try {
    await store.checkPersistence()
  } catch (error) {
    destroy()
    throw error
  }
  /** A refusal other than an outage (persistence lost after a restart) is logged once. */
  const logged = async <T>(result: Promise<T>): Promise<T> => {
    try {
      return await result
    } catch (error) {
      const { code, message } = error as { code?: unknown; message?: unknown }
      if (code !== 'ERR_GRANT_STORE_UNAVAILABLE' && code !== reported) {
        reported = String(code)
        console.error(`bank-api: single-use grants refused: ${String(message)} (${String(code)})`)
      }
      throw error
    }
  }
  return {
    grants: {
      has: (key) => logged(store.has(key)),
      add: (key, ttl) => logged(store.add(key, ttl)),
    },
    proofs: {
      has: (key) => logged(proofs.has(key)),
      add: (key, ttl) => logged(proofs.add(key, ttl)),
    },
    close: destroy,
  }
}

/** Node HTTP server settings of {@link createGracefulServer}. */
interface ServerSettings {
  readonly headersTimeout: number
  readonly requestTimeout: number
  readonly keepAliveTimeout: number
}

/**
 * How long connections idle at shutdown may still send one request. A client reusing a
 * keep-alive connection may have written its next request before it could see the connection
 * close; closing at once would reset that request unread.
 */
const IDLE_GRACE = 500

/**
 * A Node HTTP server with request timeouts that can be drained. `drain(deadline)` stops
 * accepting connections and marks every response not yet started `Connection: close`; requests
 * in flight finish; connections idle after a short grace (at most {@link IDLE_GRACE} ms) are
 * closed; whatever is still open at `deadline` ms is closed. Resolves once every connection is.
 */
function createGracefulServer(
  settings: ServerSettings,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): { server: Server; drain(deadline: number): Promise<void> } {
  const { headersTimeout, requestTimeout, keepAliveTimeout } = settings
  let draining = false
  let graceOver = false
  const open = new Set<ServerResponse>()
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout,
      // Node enforces both timeouts on this tick (default every 30 s, which would let a slow
      // client run up to 30 s past its timeout).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 2))),
    },
    (req, res) => {
      if (draining) res.setHeader('connection', 'close')
      open.add(res)
      res.once('close', () => {
        open.delete(res)
        if (graceOver) server.closeIdleConnections()
      })
      handler(req, res)
    },
  )
  let drained: Promise<void> | undefined
  const drain = async (deadline: number): Promise<void> => {
    draining = true
    for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close')
    // Stop listening only (net.Server#close): http.Server#close would also close idle
    // connections at once, and stop enforcing the request timeouts.
    const closed = new Promise<void>((resolve) => {
      NetServer.prototype.close.call(server, () => resolve())
    })
    const grace = setTimeout(
      () => {
        graceOver = true
        server.close() // closes idle connections; the listener is already closed
      },
      Math.min(IDLE_GRACE, deadline),
    )
    const timer = setTimeout(() => {
      if (open.size > 0) {
        console.warn(
          `bank-api: shutdown deadline (${deadline} ms) reached, closing ${open.size} request(s) in flight`,
        )
      }
      server.closeAllConnections()
    }, deadline)
    try {
      await closed
    } finally {
      clearTimeout(grace)
      clearTimeout(timer)
      if (!graceOver) server.close()
    }
  }
  return {
    server,
    drain: (deadline) => {
      drained ??= drain(deadline)
      return drained
    },
  }
}

/**
 * Start the bank API: accounts, balances, transfers (RFC 9396 details in the JSON body) and
 * password change, on Express or Fastify, with the step-up policy of `./policy.ts`, RFC 9728
 * metadata and CORS for the web client.
 *
 * @example
 * ```ts
 * const api = await createBankApi({ framework: 'fastify', issuer: as.issuer, resource: 'http://localhost:4000/' })
 * await fetch(`${api.url}/accounts`, { headers: { authorization: `Bearer ${token}` } })
 * await api.close()
 * ```
 */
export async function createBankApi(options: BankApiOptions): Promise<BankApi> {
  checkOptions(options, BANK_API_OPTIONS, 'createBankApi')
  checkOptions(options.discovery, DISCOVERY_OPTIONS, 'createBankApi: discovery')
  const { framework, issuer } = options
  if (framework !== 'express' && framework !== 'fastify') {
    throw invalidArgument('framework must be "express" or "fastify"')
  }
  let resource: URL
  try {
    resource = new URL(options.resource)
    new URL(issuer)
  } catch {
    throw invalidArgument('issuer and resource must be absolute URLs')
  }
  const port = options.port ?? (resource.port ? Number(resource.port) : 0)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidArgument('port must be an integer from 0 to 65535')
  }
  const headersTimeout = positiveMs(options.headersTimeout, 'headersTimeout', 10_000)
  const requestTimeout = positiveMs(options.requestTimeout, 'requestTimeout', 30_000)
  if (headersTimeout > requestTimeout) {
    throw invalidArgument('headersTimeout must not be longer than requestTimeout')
  }
  const keepAliveTimeout = positiveMs(options.keepAliveTimeout, 'keepAliveTimeout', 5_000)
  const shutdownTimeout = positiveMs(options.shutdownTimeout, 'shutdownTimeout', 10_000)
  const discovery = {
    initialDelay: positiveMs(options.discovery?.initialDelay, 'discovery.initialDelay', 500),
    maxDelay: positiveMs(options.discovery?.maxDelay, 'discovery.maxDelay', 30_000),
    timeout: positiveMs(options.discovery?.timeout, 'discovery.timeout', 5_000),
  }
  if (options.grants && options.redis) {
    throw invalidArgument('grants and redis are two places for the same grants: pass one')
  }
  const { dpop } = options
  if (dpop !== undefined) {
    checkOptions(dpop, DPOP_OPTIONS, 'createBankApi: dpop')
    const { required } = dpop
    if (
      required !== 'all' &&
      !(Array.isArray(required) && required.every((id) => typeof id === 'string' && id !== ''))
    ) {
      throw invalidArgument('dpop.required must be "all" or a list of client_id strings')
    }
    const secret = dpop.nonceSecret
    if (secret !== undefined && !(secret instanceof Uint8Array && secret.byteLength >= 32)) {
      throw invalidArgument('dpop.nonceSecret must be a Uint8Array of at least 32 random bytes')
    }
  }
  // Limits are checked before anything connects: unknown keys, malformed or contradictory values.
  checkOptions(options.limits, LIMIT_OPTIONS, 'createBankApi: limits')
  const limits = resolveLimits(options.limits)
  const redis = options.redis ? await connectGrants(options.redis) : undefined
  const grants = options.grants ?? redis?.grants
  const jwks = typeof options.jwks === 'string' ? new URL(options.jwks) : options.jwks
  if (options.jwksOptions && jwks !== undefined && !(jwks instanceof URL)) {
    throw invalidArgument('jwksOptions are for a remote key set: jwks is a JWK Set document')
  }
  const context = createBankContext({
    issuer,
    resource: resource.href,
    jwks,
    jwksOptions: options.jwksOptions,
    policy: createBankPolicy({ ...limits, ...(grants && { grants }) }),
    corsOrigins: options.corsOrigins ?? ['http://localhost:5173'],
    changePassword: options.changePassword,
    now: options.now,
    onDecision: options.onDecision,
    ...(dpop && {
      dpop: { ...dpop, ...(redis && { replay: redis.proofs }) },
    }),
  })
  const host = options.host ?? '127.0.0.1'
  const urlFor = (bound: number) => {
    const url = new URL(resource.origin)
    url.port = String(bound)
    return url.origin
  }
  const settings = { headersTimeout, requestTimeout, keepAliveTimeout }
  const stopDiscovery = new AbortController()

  let server: Server
  let close: () => Promise<void>
  try {
    if (framework === 'fastify') {
      let graceful: ReturnType<typeof createGracefulServer> | undefined
      const app = await createFastifyApp(context, (handler) => {
        graceful = createGracefulServer(settings, handler)
        return graceful.server
      })
      await app.listen({ port, host })
      const { drain } = graceful!
      server = graceful!.server
      // Drain first (requests in flight are answered normally), then run Fastify's onClose hooks.
      close = async () => {
        await drain(shutdownTimeout)
        await app.close()
      }
    } else {
      const graceful = createGracefulServer(settings, createExpressApp(context))
      server = graceful.server
      close = () => graceful.drain(shutdownTimeout)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve()
        })
      })
    }
  } catch (error) {
    redis?.close()
    throw error
  }
  // Listening first: until the issuer's metadata is known, guarded routes answer 503.
  if (options.jwks === undefined) {
    await startDiscovery(context, issuer, discovery, stopDiscovery.signal)
  }
  const bound = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  return {
    url: urlFor(bound),
    framework,
    ledger: context.ledger,
    close() {
      stopDiscovery.abort()
      closing ??= close().finally(() => redis?.close())
      return closing
    },
  }
}
