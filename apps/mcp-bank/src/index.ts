export {
  connectMcpBankClient,
  type McpBankClient,
  type McpBankClientOptions,
  type McpStepUpRequest,
  type ToolCallToConfirm,
  UntrustedAuthorizationServerError,
} from './client.ts'
export { freePort } from './free-port.ts'
export { type Account, Ledger, PAYEES, type Transfer } from './ledger.ts'
export { createBankMcpServer, toAuthInfo } from './mcp-server.ts'
export {
  ACR_VALUES_SUPPORTED,
  createMcpBankPolicy,
  INVALID_MESSAGE,
  MCP_MESSAGE_SIGNAL,
  type McpBankPolicy,
  type McpMessage,
  readMcpMessage,
  TRANSACTION_BINDING_FROM,
  TRANSFER_THRESHOLDS,
} from './policy.ts'
export { resourceMetadataUrl } from './resource-metadata.ts'
export { createMcpBankServer, type McpBankServer, type McpBankServerOptions } from './server.ts'
export {
  GET_BALANCE,
  getBalanceInput,
  SCOPES_SUPPORTED,
  TOOL_SCOPES,
  TRANSFER_FUNDS,
  TRANSFER_TYPE,
  type TransferDetail,
  transferDetail,
  transferFundsInput,
} from './tools.ts'
