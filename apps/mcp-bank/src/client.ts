import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  createStepUpFetch,
  type StepUpAuthorizationParams,
  type StepUpChallenge,
  type StepUpContext,
} from '@stepup/client'
import { checkOptions } from '@stepup/internal'

/** The tool call a step-up answers: what the user is asked to confirm. */
export interface ToolCallToConfirm {
  readonly name: string
  readonly arguments: Readonly<Record<string, unknown>>
}

/** What {@link McpBankClientOptions.authorize} is asked to obtain. */
export interface McpStepUpRequest {
  /** The challenge, with the `authorization_details` of its JSON body. */
  readonly challenge: StepUpChallenge
  /**
   * The authorization request parameters that answer it (`buildStepUpAuthorizationParams`):
   * `scope` is every scope held plus those the server names, then `acr_values`, `max_age` and
   * the transfer's `authorization_details`.
   */
  readonly params: StepUpAuthorizationParams
  /** Where to send the user: the issuer the resource's RFC 9728 metadata names. */
  readonly authorizationServer: string
  /** The resource identifier (RFC 8707 `resource`) the new token is for. */
  readonly resource: string
  /** The JSON-RPC `tools/call` that was challenged, if the challenged message was one. */
  readonly toolCall: ToolCallToConfirm | undefined
}

/** Options of {@link connectMcpBankClient}. */
export interface McpBankClientOptions {
  /** The MCP endpoint, also the resource identifier (e.g. `http://127.0.0.1:4100/mcp`). */
  readonly url: string
  /**
   * The authorization server this client signs in at. A challenge whose resource names another
   * one in its metadata is not answered (`ERR_UNTRUSTED_AUTHORIZATION_SERVER`).
   */
  readonly issuer: string
  /** The access token the user signed in with. */
  readonly accessToken: string
  /** The scope it was requested with; every new authorization asks for it and what is named. */
  readonly scope: string | readonly string[]
  /**
   * Runs one authorization request (code flow with PKCE) with `request.params` at
   * `request.authorizationServer` for `request.resource`, and resolves the new access token.
   * Reject with an `AbortError` when the user declines.
   */
  readonly authorize: (request: McpStepUpRequest) => Promise<string>
  /** The fetch underneath (default `globalThis.fetch`). */
  readonly fetch?: (request: Request) => Promise<Response>
}

const OPTIONS: ReadonlySet<string> = new Set([
  'url',
  'issuer',
  'accessToken',
  'scope',
  'authorize',
  'fetch',
])

/** A connected MCP client whose HTTP requests answer step-up challenges. */
export interface McpBankClient {
  /** The SDK client: `listTools`, `callTool`, … */
  readonly client: Client
  /** The access token now in use (the last one {@link McpBankClientOptions.authorize} gave). */
  accessToken(): string
  close(): Promise<void>
}

/** Thrown (as the `cause` of a `StepUpError`) when the resource names an untrusted server. */
export class UntrustedAuthorizationServerError extends Error {
  override readonly name = 'UntrustedAuthorizationServerError'
  readonly code = 'ERR_UNTRUSTED_AUTHORIZATION_SERVER'
}

/** The `tools/call` in a challenged JSON-RPC request, if it is one. */
async function toolCallOf(request: Request): Promise<ToolCallToConfirm | undefined> {
  try {
    const message = (await request.json()) as {
      method?: unknown
      params?: { name?: unknown; arguments?: unknown }
    }
    const { name, arguments: args = {} } = message.params ?? {}
    return message.method === 'tools/call' &&
      typeof name === 'string' &&
      typeof args === 'object' &&
      args !== null
      ? { name, arguments: args as Record<string, unknown> }
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Connect the SDK's MCP `Client` over Streamable HTTP with a `fetch` from `@stepup/client`
 * underneath: the token goes to the MCP server's origin only, and a `401
 * insufficient_user_authentication`, `403 insufficient_scope` or `403
 * insufficient_authorization_details` answer to a message becomes one new authorization
 * (`authorize`), after which the same message is sent once more. The SDK sees only the final
 * answer, so a tool call that needed a step-up simply resolves. The authorization server is the
 * one the resource's RFC 9728 metadata names, and must be `issuer`.
 *
 * @example
 * ```ts
 * const bank = await connectMcpBankClient({
 *   url: 'http://127.0.0.1:4100/mcp',
 *   issuer: 'http://127.0.0.1:3000',
 *   accessToken,
 *   scope: 'openid accounts:read transfers:write',
 *   authorize: ({ params, authorizationServer, resource }) => signIn(authorizationServer, resource, params),
 * })
 * await bank.client.callTool({ name: 'get_balance', arguments: {} })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5
 */
export async function connectMcpBankClient(options: McpBankClientOptions): Promise<McpBankClient> {
  checkOptions(options, OPTIONS, 'connectMcpBankClient')
  const { url, issuer, authorize } = options
  let token = options.accessToken
  const stepUpFetch = createStepUpFetch({
    allowedOrigins: [new URL(url).origin],
    resources: [url],
    currentScope: options.scope,
    getAccessToken: () => token,
    async stepUp(challenge: StepUpChallenge, context: StepUpContext) {
      const { authorizationServer, resource, params, request } = context
      if (authorizationServer === undefined || resource === undefined) {
        throw new UntrustedAuthorizationServerError(
          'the challenge names no resource metadata, so no authorization server to step up at',
        )
      }
      if (authorizationServer !== issuer) {
        throw new UntrustedAuthorizationServerError(
          `the resource names ${authorizationServer}, not ${issuer}`,
        )
      }
      const toolCall = await toolCallOf(request)
      token = await authorize({ challenge, params, authorizationServer, resource, toolCall })
      return token
    },
    ...(options.fetch && { fetch: options.fetch }),
  })
  const client = new Client({ name: 'mcp-bank-agent', version: '0.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: stepUpFetch }))
  return { client, accessToken: () => token, close: () => client.close() }
}
