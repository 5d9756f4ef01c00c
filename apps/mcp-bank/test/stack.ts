import { type AuthorizationServer, createAuthorizationServer } from 'authorization-server'
import { createSoftwareAuthenticator } from 'authorization-server/testing'
import { type Authorization, authorize, discover } from 'authorization-server/testing/oauth-client'
import { type Credentials, UserAgent } from 'authorization-server/testing/user-agent'
import type * as oauth from 'oauth4webapi'
import { createMcpBankServer, freePort, type McpBankServer } from '../src/index.ts'

/** Where the authorization server sends the user back; the scripted user agent stops there. */
export const REDIRECT_URI = 'http://127.0.0.1:8080/callback'
/** The agent's client registration: public, code flow with PKCE, no refresh tokens. */
export const CLIENT: oauth.Client = { client_id: 'mcp-agent' }
export const ALICE = { username: 'alice', password: 'wonderland' } as const

export interface Stack {
  readonly as: AuthorizationServer
  readonly mcp: McpBankServer
  /** The MCP endpoint, also the resource identifier. */
  readonly resource: string
  readonly metadata: oauth.AuthorizationServer
  /** One authorization code flow (PKCE) driven through `agent`. */
  signIn(
    agent: UserAgent,
    credentials: Credentials,
    scope: string,
    params?: Record<string, string>,
  ): Promise<Authorization>
  close(): Promise<void>
}

/** The authorization server and the MCP server, in this process, listening on 127.0.0.1. */
export async function startStack(): Promise<Stack> {
  const mcpPort = await freePort()
  const resource = `http://127.0.0.1:${mcpPort}/mcp`
  // The authorization server listens on 127.0.0.1 too; its issuer is named `localhost` because
  // its host is the WebAuthn RP ID, which cannot be an IP address (a secure context is needed).
  const as = await createAuthorizationServer({
    resource,
    accessTokenTtl: 900,
    clients: [
      {
        client_id: CLIENT.client_id,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        redirect_uris: [REDIRECT_URI],
      },
    ],
  })
  const mcp = await createMcpBankServer({ issuer: as.issuer, resource, port: mcpPort })
  const metadata = await discover(as.issuer)
  return {
    as,
    mcp,
    resource,
    metadata,
    signIn: (agent, credentials, scope, params = {}) =>
      authorize({
        as: metadata,
        client: CLIENT,
        redirectUri: REDIRECT_URI,
        scope,
        resource,
        agent,
        credentials,
        params,
      }),
    async close() {
      await mcp.close()
      await as.close()
    },
  }
}

/** Send one JSON-RPC `tools/call` as a bare HTTP request (no SDK, no step-up handling). */
export function rawToolCall(
  stack: Stack,
  token: string | undefined,
  name: string,
  args: Record<string, unknown>,
): Promise<Response> {
  return fetch(stack.resource, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args },
    }),
  })
}

export { createSoftwareAuthenticator, UserAgent }
