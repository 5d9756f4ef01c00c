import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectMcpBankClient, type McpStepUpRequest, TRANSFER_TYPE } from '../src/index.ts'
import {
  ALICE,
  createSoftwareAuthenticator,
  rawToolCall,
  type Stack,
  startStack,
  UserAgent,
} from './stack.ts'

const FULL_SCOPE = 'openid accounts:read transfers:write'
const PAYEE = 'ACC-987654'
const BIG = { amount: '10000.00', currency: 'USD', destination_account: PAYEE }
const BIG_DETAIL = {
  type: TRANSFER_TYPE,
  transaction: { amount: '10000.00', currency: 'USD', destination_account: PAYEE },
}

/** A fetch that keeps every response of the MCP endpoint, to read the challenges back. */
function recorder(endpoint: string) {
  const seen: { status: number; challenge: string | null; body: string }[] = []
  const fetchAndRecord = async (request: Request): Promise<Response> => {
    const response = await fetch(request)
    if (request.url === endpoint) {
      seen.push({
        status: response.status,
        challenge: response.headers.get('www-authenticate'),
        body: await response.clone().text(),
      })
    }
    return response
  }
  return { seen, fetch: fetchAndRecord }
}

const structured = (result: unknown) =>
  (result as { structuredContent?: Record<string, unknown> }).structuredContent

let stack: Stack

beforeAll(async () => {
  stack = await startStack()
})

afterAll(async () => {
  await stack?.close()
})

describe('per-tool step-up over MCP Streamable HTTP', () => {
  it('password sign-in reads the balance; a 10,000 transfer steps up with WebAuthn once, then its grant is spent', async () => {
    const agent = new UserAgent()
    const authenticator = createSoftwareAuthenticator({ hardwareBound: true })
    const signIn = await stack.signIn(agent, ALICE, FULL_SCOPE)
    expect(signIn.claims['acr']).toBe('urn:stepup:acr:pwd')
    await agent.registerSecurityKey(stack.as.issuer, authenticator)

    const asked: McpStepUpRequest[] = []
    const steps: string[][] = []
    const record = recorder(stack.resource)
    const bank = await connectMcpBankClient({
      url: stack.resource,
      issuer: stack.as.issuer,
      accessToken: signIn.accessToken,
      scope: FULL_SCOPE,
      fetch: record.fetch,
      async authorize(request) {
        asked.push(request)
        const granted = await stack.signIn(
          agent,
          { ...ALICE, authenticator },
          request.params.scope!,
          { ...request.params },
        )
        steps.push([...granted.steps])
        return granted.accessToken
      },
    })
    try {
      const before = await bank.client.callTool({ name: 'get_balance', arguments: {} })
      expect(structured(before)).toMatchObject({ name: 'Checking', balance: '25000.00' })
      expect(asked).toEqual([])

      const done = await bank.client.callTool({ name: 'transfer_funds', arguments: BIG })
      expect(done.isError).toBeUndefined()
      expect(structured(done)).toMatchObject({
        amount: '10000.00',
        destination_account: PAYEE,
        balance_after: '15000.00',
      })

      // What the server answered the first time: one RFC 9470 challenge naming the metadata,
      // with the transfer in the JSON body.
      const challenged = record.seen.filter((r) => r.status === 401)
      expect(challenged).toHaveLength(1)
      expect(challenged[0]!.challenge).toBe(
        `Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh", max_age="60", resource_metadata="${stack.mcp.resourceMetadata}"`,
      )
      expect(JSON.parse(challenged[0]!.body)).toMatchObject({
        error: 'insufficient_user_authentication',
        authorization_details: [BIG_DETAIL],
      })

      // One new authorization, with everything the challenge asked for.
      expect(asked).toHaveLength(1)
      const [request] = asked
      expect(request!.challenge).toMatchObject({ kind: 'step_up', acr_values: ['phrh'] })
      expect(request!.params).toEqual({
        acr_values: 'phrh',
        max_age: '60',
        scope: FULL_SCOPE,
        authorization_details: JSON.stringify([BIG_DETAIL]),
      })
      expect(request!.authorizationServer).toBe(stack.as.issuer)
      expect(request!.resource).toBe(stack.resource)
      expect(request!.toolCall).toEqual({ name: 'transfer_funds', arguments: BIG })
      expect(steps).toEqual([['webauthn', 'consent']])

      // The same transfer again with the spent grant: refused, and no money moves.
      const replay = await rawToolCall(stack, bank.accessToken(), 'transfer_funds', BIG)
      expect(replay.status).toBe(403)
      expect(replay.headers.get('www-authenticate')).toContain(
        'error="insufficient_authorization_details"',
      )
      expect(await replay.json()).toMatchObject({
        error: 'insufficient_authorization_details',
        error_description: 'The authorization for this transaction has already been used',
        authorization_details: [BIG_DETAIL],
      })
      const after = await bank.client.callTool({ name: 'get_balance', arguments: {} })
      expect(structured(after)).toMatchObject({ balance: '15000.00' })
    } finally {
      await bank.close()
    }
  })
})
