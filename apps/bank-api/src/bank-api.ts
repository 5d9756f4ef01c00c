import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ConsumedGrantStore } from '@stepup/assurance/policy'
import { createBankContext } from './context.ts'
import { createExpressApp } from './express-app.ts'
import { createFastifyApp } from './fastify-app.ts'
import type { Ledger } from './ledger.ts'
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
  /** Where single-use transfer grants are marked (default in memory). */
  readonly grants?: ConsumedGrantStore
  /** Changes a customer's password at whoever owns credentials (default: recorded in memory). */
  readonly changePassword?: ChangePassword
  /** The clock in epoch seconds, for tokens and `max_age` (default the system clock). */
  readonly now?: () => number
}

/** A running bank API. */
export interface BankApi {
  /** Base URL, e.g. `http://localhost:4000`. */
  readonly url: string
  readonly framework: 'express' | 'fastify'
  /** The in-memory ledger (accounts, balances, transfers). */
  readonly ledger: Ledger
  close(): Promise<void>
}

function invalidArgument(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' })
}

async function discoverJwks(issuer: string): Promise<URL> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  if (!response.ok) throw new Error(`discovery failed for ${issuer}: HTTP ${response.status}`)
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown }
  if (document.issuer !== issuer || typeof document.jwks_uri !== 'string') {
    throw new Error(`discovery document of ${issuer} has a different issuer or no jwks_uri`)
  }
  return new URL(document.jwks_uri)
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
  const jwks =
    options.jwks === undefined
      ? await discoverJwks(issuer)
      : typeof options.jwks === 'string'
        ? new URL(options.jwks)
        : options.jwks
  const context = createBankContext({
    issuer,
    resource: resource.href,
    jwks,
    policy: createBankPolicy(options.grants ? { grants: options.grants } : {}),
    corsOrigins: options.corsOrigins ?? ['http://localhost:5173'],
    changePassword: options.changePassword,
    now: options.now,
  })
  const host = options.host ?? '127.0.0.1'
  const urlFor = (bound: number) => {
    const url = new URL(resource.origin)
    url.port = String(bound)
    return url.origin
  }

  if (framework === 'fastify') {
    const app = await createFastifyApp(context)
    await app.listen({ port, host })
    const bound = (app.server.address() as AddressInfo).port
    return { url: urlFor(bound), framework, ledger: context.ledger, close: () => app.close() }
  }
  const server = createServer(createExpressApp(context))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: urlFor(bound),
    framework,
    ledger: context.ledger,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
