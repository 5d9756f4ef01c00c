import { type AcrRegistry, createAcrRegistry } from '@stepup/acr'
import {
  type AmountThreshold,
  amountThreshold,
  type ConsumedGrantStore,
  createMemoryConsumedGrantStore,
  createRiskPolicy,
  InvalidRequestError,
  type RiskContext,
  type RiskPolicy,
  type RiskRule,
} from '@stepup/assurance'
import { type AuthorizationDetailsRegistry, createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import {
  SCOPES_SUPPORTED,
  TOOL_SCOPES,
  TRANSFER_FUNDS,
  TRANSFER_TYPE,
  transferDetail,
  transferFundsInput,
} from './tools.ts'

/**
 * What one HTTP request to the MCP endpoint carries, as the policy prices it. Streamable HTTP
 * sends every JSON-RPC message as its own `POST` to one endpoint, so the decision is per message:
 * a `tools/call` names its tool and arguments; any other message (`initialize`,
 * `tools/list`, a notification, a response) needs a valid token only.
 */
export type McpMessage =
  | { readonly kind: 'tool_call'; readonly name: string; readonly arguments: unknown }
  | { readonly kind: 'other' }

/** The risk signal under which the guard hands the policy the {@link McpMessage}. */
export const MCP_MESSAGE_SIGNAL = 'mcpMessage'

/** Messages that cannot be priced: answered `400 invalid_request` before anything runs. */
export const INVALID_MESSAGE = {
  notJsonRpc: 'The request body must be one JSON-RPC 2.0 message (application/json)',
  toolCall: 'A tools/call request needs params.name (a string) and params.arguments (an object)',
  transfer: 'The arguments of transfer_funds are invalid',
} as const

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Read the JSON-RPC message of a request to the MCP endpoint (MCP Streamable HTTP: one message
 * per `POST`, JSON-RPC 2.0). A `POST` whose body is not one JSON-RPC 2.0 object in
 * `application/json` — no body, a form, a batch array — and a `tools/call` without a string
 * `params.name` or with `params.arguments` that is not an object throw {@link InvalidRequestError}:
 * what cannot be priced is refused, never let through on the base requirement. Other methods
 * carry no body to price.
 *
 * @example
 * ```ts
 * readMcpMessage('POST', 'application/json', {
 *   jsonrpc: '2.0', id: 7, method: 'tools/call',
 *   params: { name: 'get_balance', arguments: {} },
 * }) // { kind: 'tool_call', name: 'get_balance', arguments: {} }
 * ```
 * @see https://www.jsonrpc.org/specification#request_object
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 */
export function readMcpMessage(
  method: string,
  contentType: string | undefined,
  body: unknown,
): McpMessage {
  if (method.toUpperCase() !== 'POST') return { kind: 'other' }
  const json = /^application\/json\s*(?:;|$)/i.test(contentType?.trim() ?? '')
  if (!json || !isObject(body) || body['jsonrpc'] !== '2.0') {
    throw new InvalidRequestError(INVALID_MESSAGE.notJsonRpc)
  }
  if (body['method'] !== 'tools/call') return { kind: 'other' }
  const params = body['params']
  if (!isObject(params) || typeof params['name'] !== 'string') {
    throw new InvalidRequestError(INVALID_MESSAGE.toolCall)
  }
  // MCP's CallToolRequest: `arguments` is optional; absent, the tool sees no arguments.
  const args = params['arguments'] ?? {}
  if (!isObject(args)) throw new InvalidRequestError(INVALID_MESSAGE.toolCall)
  return { kind: 'tool_call', name: params['name'], arguments: args }
}

/** The message the guard read, or a throw: a policy without its input denies (503). */
function messageOf({ signals }: RiskContext): McpMessage {
  const message = signals?.[MCP_MESSAGE_SIGNAL] as McpMessage | undefined
  if (message?.kind !== 'tool_call' && message?.kind !== 'other') {
    throw new TypeError(`the "${MCP_MESSAGE_SIGNAL}" signal is missing: wire readMcpMessage`)
  }
  return message
}

/**
 * Transfers from 1,000 need a phishing-resistant sign-in (`phr`) within 300 s; from 10,000 a
 * hardware-bound one (`phrh`) within 60 s.
 */
export const TRANSFER_THRESHOLDS: readonly AmountThreshold[] = Object.freeze([
  { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
  { atLeast: '10000', acr_values: ['phrh'], max_age: 60 },
])

/**
 * From this amount the token must carry `authorization_details` covering the transfer, and
 * pays for one call only.
 */
export const TRANSACTION_BINDING_FROM = '10000'

/** The `acr` values this resource may ask for (RFC 9728 metadata). */
export const ACR_VALUES_SUPPORTED: readonly string[] = Object.freeze(['phr', 'phrh'])

/**
 * The scope a tool needs, plus the scopes of this resource the token already holds: the
 * `insufficient_scope` challenge lists them all, so a client that replaces its scope with the
 * challenge's (as MCP 2025-11-25 clients do) keeps what it was granted.
 */
function toolScope(): RiskRule {
  return {
    name: 'tool-scope',
    evaluate(context) {
      const message = messageOf(context)
      const needed = message.kind === 'tool_call' ? TOOL_SCOPES.get(message.name) : undefined
      if (!needed) return undefined
      const held = context.claims.scopes.filter((s) => SCOPES_SUPPORTED.includes(s))
      return { scope: [...new Set([...held, ...needed])] }
    },
  }
}

/**
 * Runs `rule` on `transfer_funds` calls only, with the transfer's authorization details derived
 * from the tool's arguments (checked with the tool's own schema). Details a client put anywhere
 * else in the message are not read: the arguments are what the tool will run with.
 */
function onTransfers(rule: RiskRule): RiskRule {
  return {
    name: rule.name,
    evaluate(context) {
      const message = messageOf(context)
      if (message.kind !== 'tool_call' || message.name !== TRANSFER_FUNDS) return undefined
      const args = transferFundsInput.safeParse(message.arguments)
      if (!args.success) throw new InvalidRequestError(INVALID_MESSAGE.transfer)
      return rule.evaluate({ ...context, details: [transferDetail(args.data)] })
    },
  }
}

/** The rules and registries of the MCP bank, built once per server. */
export interface McpBankPolicy {
  readonly acr: AcrRegistry
  readonly authorizationDetails: AuthorizationDetailsRegistry
  readonly grants: ConsumedGrantStore
  /** The decision for one MCP message (see {@link readMcpMessage}). */
  readonly policy: RiskPolicy
}

/**
 * The MCP bank's risk policy, decided per JSON-RPC message: each tool's scope
 * (`get_balance` `accounts:read`, `transfer_funds` `transfers:write`); for transfers the
 * amount's sign-in ({@link TRANSFER_THRESHOLDS}) and, from {@link TRANSACTION_BINDING_FROM}, a
 * token whose `authorization_details` cover this transfer, usable once. A token too weak or too
 * old gets one `401 insufficient_user_authentication` with `acr_values`, `max_age` and the
 * transfer's `authorization_details`; a missing scope alone is `403 insufficient_scope`.
 *
 * @example
 * ```ts
 * const { policy, acr, authorizationDetails } = createMcpBankPolicy()
 * app.post('/mcp', stepUp({ verify, requirement: policy, acr, authorizationDetails, signals }), handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export function createMcpBankPolicy(): McpBankPolicy {
  const acr = createAcrRegistry()
  // In memory, this process only; several instances share `createRedisConsumedGrantStore`.
  const grants = createMemoryConsumedGrantStore()
  const authorizationDetails = createAuthorizationDetailsRegistry([bankTransactionDetailType])
  const policy = createRiskPolicy(
    [
      toolScope(),
      onTransfers(
        amountThreshold({
          type: TRANSFER_TYPE,
          thresholds: TRANSFER_THRESHOLDS,
          bind: false,
          name: 'transfer-amount',
        }),
      ),
      onTransfers(
        amountThreshold({
          type: TRANSFER_TYPE,
          thresholds: [{ atLeast: TRANSACTION_BINDING_FROM, singleUse: true }],
          name: 'transaction-binding',
        }),
      ),
    ],
    { acrRegistry: acr, authorizationDetailsRegistry: authorizationDetails, grants },
  )
  return { acr, authorizationDetails, grants, policy }
}
