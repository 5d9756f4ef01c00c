import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {
  type AccessTokenClaims,
  AccessTokenError,
  createJwtAccessTokenVerifier,
} from '@stepup/assurance'
import { protectedResourceMetadata, StepUpHttpError, stepUp } from '@stepup/express'
import { checkOptions } from '@stepup/internal'
import express, { type ErrorRequestHandler, type Response } from 'express'
import * as oauth from 'oauth4webapi'
import { Ledger } from './ledger.ts'
import { createBankMcpServer, toAuthInfo } from './mcp-server.ts'
import {
  ACR_VALUES_SUPPORTED,
  createMcpBankPolicy,
  MCP_MESSAGE_SIGNAL,
  readMcpMessage,
} from './policy.ts'
import { resourceMetadataUrl } from './resource-metadata.ts'
import { SCOPES_SUPPORTED } from './tools.ts'

/** Options of {@link createMcpBankServer}. */
export interface McpBankServerOptions {
  /** The authorization server's issuer identifier (`iss` of access tokens). */
  readonly issuer: string
  /**
   * The MCP endpoint's URL, which is also this resource's identifier (RFC 8707, RFC 9728): the
   * `aud` of its access tokens, e.g. `http://127.0.0.1:4100/mcp`.
   */
  readonly resource: string
  /** TCP port on 127.0.0.1; default the resource's port, else 0 (a free port). */
  readonly port?: number
}

const OPTIONS: ReadonlySet<string> = new Set(['issuer', 'resource', 'port'])

/** A running MCP bank server. */
export interface McpBankServer {
  /** The MCP endpoint (the resource identifier). */
  readonly url: string
  /** Where its RFC 9728 metadata is served, as every challenge names it. */
  readonly resourceMetadata: string
  /** The bound TCP port. */
  readonly port: number
  close(): Promise<void>
}

const NO_STORE = { 'cache-control': 'no-store' }

async function discoverJwks(issuer: string): Promise<URL> {
  const url = new URL(issuer)
  const insecure = { [oauth.allowInsecureRequests]: url.protocol === 'http:' }
  const metadata = await oauth.processDiscoveryResponse(
    url,
    await oauth.discoveryRequest(url, { algorithm: 'oidc', ...insecure }),
  )
  if (!metadata.jwks_uri) throw new TypeError(`${issuer} publishes no jwks_uri`)
  return new URL(metadata.jwks_uri)
}

/**
 * Start the bank's MCP server: Streamable HTTP on one endpoint (the SDK's transport, without
 * sessions), `get_balance` and `transfer_funds`, protected by `@stepup/express` as an OAuth 2.1
 * resource server with RFC 9728 metadata. Every JSON-RPC message is its own `POST`, and the
 * guard decides each one: it verifies the token, then reads the message (within `bodyLimit`)
 * and prices the tool call (see `createMcpBankPolicy`). Every challenge names the metadata
 * document in `resource_metadata`.
 *
 * @example
 * ```ts
 * const server = await createMcpBankServer({
 *   issuer: 'http://127.0.0.1:3000',
 *   resource: 'http://127.0.0.1:4100/mcp',
 * })
 * await server.close()
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5
 */
export async function createMcpBankServer(options: McpBankServerOptions): Promise<McpBankServer> {
  checkOptions(options, OPTIONS, 'createMcpBankServer')
  const { issuer, resource } = options
  const endpoint = new URL(resource)
  if (endpoint.search || endpoint.hash || !/^https?:$/.test(endpoint.protocol)) {
    throw Object.assign(
      new TypeError('resource must be an http(s) URL without query or fragment'),
      { code: 'ERR_INVALID_ARG_VALUE' },
    )
  }
  const metadataUrl = resourceMetadataUrl(resource)
  const bank = createMcpBankPolicy()
  const verifier = createJwtAccessTokenVerifier({
    issuer,
    audience: resource,
    jwks: await discoverJwks(issuer),
    authorizationDetailsRegistry: bank.authorizationDetails,
  })
  const verify = async (token: string): Promise<AccessTokenClaims> => {
    const claims = await verifier.verify(token)
    // RFC 9068 §2.2: `sub` is required; the ledger is keyed by it.
    if (typeof claims.sub !== 'string' || claims.sub === '') {
      throw new AccessTokenError('ERR_TOKEN_CLAIM_INVALID', 'access token without sub')
    }
    return claims
  }
  const guard = stepUp({
    verify,
    requirement: bank.policy,
    acrRegistry: bank.acr,
    authorizationDetailsRegistry: bank.authorizationDetails,
    // The guard has verified the token and read the JSON-RPC message (within bodyLimit) into
    // req.body when it asks for signals: the policy prices that message.
    signals: (req) => ({
      [MCP_MESSAGE_SIGNAL]: readMcpMessage(req.method, req.get('content-type'), req.body),
    }),
    // RFC 9728 §5.1; @stepup/www-authenticate writes it for https: URLs only (see below).
    resourceMetadata: metadataUrl,
    passErrors: true,
  })
  const ledger = new Ledger()

  const app = express()
  app.disable('x-powered-by')
  // DNS rebinding: only requests addressed to this server's host name are served.
  app.use(hostHeaderValidation([endpoint.hostname]))
  app.use(
    protectedResourceMetadata({
      resource,
      authorization_servers: [issuer],
      scopes_supported: SCOPES_SUPPORTED,
      bearer_methods_supported: ['header'],
      resource_name: 'Step-up Bank (MCP)',
      acr_values_supported: ACR_VALUES_SUPPORTED,
      authorizationDetailsRegistry: bank.authorizationDetails,
    }),
  )
  app.post(endpoint.pathname, guard, async (req, res, next) => {
    // Stateless Streamable HTTP (no sessionIdGenerator): a server and a transport for this one
    // message, answered as JSON.
    const server = createBankMcpServer(ledger)
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true })
    res.on('close', () => {
      void transport.close()
      void server.close()
    })
    try {
      await server.connect(transport)
      // The SDK hands `req.auth` to tool handlers as `extra.authInfo`, in its own shape: the
      // guard's `req.auth` is replaced by that view of it.
      const auth: AuthInfo = toAuthInfo(req.auth!, resource)
      const body: unknown = req.body
      await transport.handleRequest(Object.assign(req as IncomingMessage, { auth }), res, body)
    } catch (error) {
      next(error)
    }
  })
  // No server-initiated stream and no sessions: GET and DELETE are not offered (MCP 2025-11-25).
  app.all(endpoint.pathname, (_req, res) => {
    res
      .status(405)
      .set({ allow: 'POST', ...NO_STORE })
      .end()
  })
  app.use((_req, res) => {
    res.status(404).set(NO_STORE).json({ error: 'not_found' })
  })
  const errors: ErrorRequestHandler = (error, _req, res: Response, _next) => {
    if (error instanceof StepUpHttpError) {
      res.status(error.status).set({ ...error.headers, ...NO_STORE })
      if (error.body) res.json(error.body)
      else res.end()
      return
    }
    console.error(error)
    if (!res.headersSent) res.status(500).set(NO_STORE).json({ error: 'server_error' })
  }
  app.use(errors)

  const http = createServer(app)
  const port = options.port ?? (endpoint.port ? Number(endpoint.port) : 0)
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(port, '127.0.0.1', () => {
      http.off('error', reject)
      resolve()
    })
  })
  return {
    url: resource,
    resourceMetadata: metadataUrl,
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve())
        http.closeAllConnections()
      }),
  }
}
