import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { StepUpAuth } from '@stepup/assurance'
import type { Ledger } from './ledger.ts'
import { GET_BALANCE, getBalanceInput, TRANSFER_FUNDS, transferFundsInput } from './tools.ts'

/**
 * What the guard verified, in the shape MCP tool handlers read as `extra.authInfo`: the token,
 * its client, scopes, expiry and resource, and in `extra` the customer (`sub`), the
 * authentication (`acr`, `auth_time`) and the risk rules that fired for this call.
 */
export function toAuthInfo(auth: StepUpAuth, resource: string): AuthInfo {
  const { claims, token, decision } = auth
  return {
    token,
    clientId: claims.client_id ?? '',
    scopes: [...claims.scopes],
    ...(claims.exp !== undefined && { expiresAt: claims.exp }),
    resource: new URL(resource),
    extra: {
      sub: claims.sub,
      acr: claims.acr,
      auth_time: claims.auth_time,
      fired: decision.fired,
    },
  }
}

const result = (value: Record<string, unknown>): CallToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value) }],
  structuredContent: value,
})

const failure = (error: string, description: string): CallToolResult => ({
  content: [{ type: 'text', text: `${error}: ${description}` }],
  structuredContent: { error, error_description: description },
  isError: true,
})

/** The customer a call is for; without a verified `sub` no tool runs. */
function customerOf(authInfo: AuthInfo | undefined): string {
  const sub = authInfo?.extra?.['sub']
  if (typeof sub !== 'string' || sub === '') throw new Error('no verified customer for this call')
  return sub
}

/**
 * The bank's MCP server: `get_balance` and `transfer_funds`, on the ledger. It authorises
 * nothing itself — the step-up guard in front of the endpoint decided this call — and reads the
 * customer from `extra.authInfo` (see {@link toAuthInfo}). Built per HTTP request (Streamable
 * HTTP without sessions), like the SDK's stateless servers.
 */
export function createBankMcpServer(ledger: Ledger): McpServer {
  const server = new McpServer({ name: 'mcp-bank', version: '0.0.0' })
  server.registerTool(
    GET_BALANCE,
    {
      title: 'Balance',
      description: "The balance of one of the customer's accounts (default: checking).",
      inputSchema: getBalanceInput,
      annotations: { readOnlyHint: true },
    },
    async (args, extra) => {
      const account = ledger.account(customerOf(extra.authInfo), args.account_id)
      if (!account) return failure('unknown_account', 'No such account of this customer')
      return result({ ...account })
    },
  )
  server.registerTool(
    TRANSFER_FUNDS,
    {
      title: 'Transfer',
      description:
        'Transfer money from the checking account. From 1,000 the customer confirms with a ' +
        'phishing-resistant sign-in; from 10,000 with a hardware-bound key, once per transfer.',
      inputSchema: transferFundsInput,
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    async (args, extra) => {
      const outcome = ledger.transfer(
        customerOf(extra.authInfo),
        args.destination_account,
        args.amount,
      )
      if (!outcome.ok) {
        return outcome.error === 'unknown_account'
          ? failure(outcome.error, 'The destination account does not exist')
          : failure(outcome.error, 'The checking account does not hold that much')
      }
      return result({ ...outcome.transfer, balance_after: outcome.balance })
    },
  )
  return server
}
