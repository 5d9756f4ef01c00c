import { request as httpRequest } from 'node:http'
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js'
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type {
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import { StepUpError } from '@stepup/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connectMcpBankClient,
  createMcpBankServer,
  type McpStepUpRequest,
  TRANSFER_TYPE,
} from '../src/index.ts'
import {
  ALICE,
  CLIENT,
  createSoftwareAuthenticator,
  REDIRECT_URI,
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
    // A first key after a password-only sign-in needs the account's one-time enrolment code.
    await agent.registerSecurityKey(stack.as.issuer, authenticator, {
      enrolmentCode: stack.as.enrolmentCodes.get(ALICE.username)!.code,
    })

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

describe('scope step-up', () => {
  it('a token without transfers:write gets 403 insufficient_scope; the new authorization asks for every scope held plus it', async () => {
    const agent = new UserAgent()
    const scope = 'openid accounts:read'
    const signIn = await stack.signIn(agent, ALICE, scope)
    expect(signIn.claims['scope']).toBe('accounts:read')
    const asked: McpStepUpRequest[] = []
    const record = recorder(stack.resource)
    const bank = await connectMcpBankClient({
      url: stack.resource,
      issuer: stack.as.issuer,
      accessToken: signIn.accessToken,
      scope,
      fetch: record.fetch,
      async authorize(request) {
        asked.push(request)
        const granted = await stack.signIn(agent, ALICE, request.params.scope!, {
          ...request.params,
        })
        return granted.accessToken
      },
    })
    try {
      const done = await bank.client.callTool({
        name: 'transfer_funds',
        arguments: { amount: '50.00', currency: 'USD', destination_account: PAYEE },
      })
      expect(structured(done)).toMatchObject({ amount: '50.00', destination_account: PAYEE })
      const refused = record.seen.filter((r) => r.status === 403)
      expect(refused).toHaveLength(1)
      // The scopes of this resource the token holds are listed with the missing one, so a client
      // that replaces its scope with the challenge's keeps them (MCP 2025-11-25).
      expect(refused[0]!.challenge).toBe(
        `Bearer error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token", scope="accounts:read transfers:write", resource_metadata="${stack.mcp.resourceMetadata}"`,
      )
      expect(asked).toHaveLength(1)
      expect(asked[0]!.challenge.kind).toBe('insufficient_scope')
      expect(asked[0]!.params).toEqual({ scope: 'openid accounts:read transfers:write' })
      // Nothing granted was dropped: the balance still reads with the new token.
      const balance = await bank.client.callTool({ name: 'get_balance', arguments: {} })
      expect(structured(balance)).toMatchObject({ name: 'Checking' })
      expect(asked).toHaveLength(1)
    } finally {
      await bank.close()
    }
  })

  it("the SDK's own scope step-up (an OAuthClientProvider, no @stepup/client) reads the same challenge and keeps the scope granted", async () => {
    const agent = new UserAgent()
    const signIn = await stack.signIn(agent, ALICE, 'openid accounts:read')
    let tokens: OAuthTokens = { access_token: signIn.accessToken, token_type: 'bearer' }
    let client: OAuthClientInformationMixed = { client_id: CLIENT.client_id }
    let verifier = ''
    const redirects: URL[] = []
    const provider: OAuthClientProvider = {
      redirectUrl: REDIRECT_URI,
      clientMetadata: { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' },
      clientInformation: () => client,
      saveClientInformation: (information) => {
        client = information
      },
      tokens: () => tokens,
      saveTokens: (saved) => {
        tokens = saved
      },
      redirectToAuthorization: (url) => {
        redirects.push(url)
      },
      saveCodeVerifier: (saved) => {
        verifier = saved
      },
      codeVerifier: () => verifier,
    }
    const transport = new StreamableHTTPClientTransport(new URL(stack.resource), {
      authProvider: provider,
    })
    const sdk = new Client({ name: 'plain-sdk-client', version: '0.0.0' })
    await sdk.connect(transport)
    try {
      const transfer = {
        name: 'transfer_funds',
        arguments: { amount: '20.00', currency: 'USD', destination_account: PAYEE },
      }
      // The SDK answers the 403 by sending the user to the authorization server the resource's
      // metadata names, with the challenge's scope, and the call ends there (a redirect).
      await expect(sdk.callTool(transfer)).rejects.toBeInstanceOf(UnauthorizedError)
      expect(redirects).toHaveLength(1)
      const url = redirects[0]!
      expect(url.origin + url.pathname).toBe(stack.metadata.authorization_endpoint)
      expect(url.searchParams.get('scope')).toBe('accounts:read transfers:write')
      expect(url.searchParams.get('resource')).toBe(stack.resource)
      const { callback } = await agent.authorize(url, REDIRECT_URI, ALICE)
      await transport.finishAuth(callback.searchParams.get('code')!)
      const done = await sdk.callTool(transfer)
      expect(structured(done)).toMatchObject({ amount: '20.00' })
      const balance = await sdk.callTool({ name: 'get_balance', arguments: {} })
      expect(balance.isError).toBeUndefined()
      expect(redirects).toHaveLength(1)
    } finally {
      await sdk.close()
    }
  })
})

describe('the client steps up only where it signs in', () => {
  it('a resource naming another authorization server gets no new authorization', async () => {
    const agent = new UserAgent()
    const signIn = await stack.signIn(agent, ALICE, FULL_SCOPE)
    const asked: McpStepUpRequest[] = []
    const bank = await connectMcpBankClient({
      url: stack.resource,
      issuer: 'http://localhost:1',
      accessToken: signIn.accessToken,
      scope: FULL_SCOPE,
      async authorize(request) {
        asked.push(request)
        return 'never'
      },
    })
    try {
      const failed = bank.client.callTool({ name: 'transfer_funds', arguments: BIG })
      await expect(failed).rejects.toBeInstanceOf(StepUpError)
      await expect(failed).rejects.toMatchObject({
        code: 'ERR_STEP_UP_FAILED',
        cause: { code: 'ERR_UNTRUSTED_AUTHORIZATION_SERVER' },
      })
      expect(asked).toEqual([])
    } finally {
      await bank.close()
    }
  })
})

describe('the endpoint as a resource server', () => {
  it('no token: 401 naming the RFC 9728 metadata, which says where to sign in', async () => {
    const response = await rawToolCall(stack, undefined, 'get_balance', {})
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${stack.mcp.resourceMetadata}"`,
    )
    const metadata = await fetch(stack.mcp.resourceMetadata)
    expect(metadata.status).toBe(200)
    expect(await metadata.json()).toMatchObject({
      resource: stack.resource,
      authorization_servers: [stack.as.issuer],
      scopes_supported: ['accounts:read', 'transfers:write'],
      bearer_methods_supported: ['header'],
      acr_values_supported: ['phr', 'phrh'],
      authorization_details_types_supported: [TRANSFER_TYPE],
    })
  })

  it('what cannot be priced is refused with 400 before any step-up: a batch, a tool call without arguments of the right shape, transfer arguments the tool refuses', async () => {
    const { accessToken } = await stack.signIn(new UserAgent(), ALICE, FULL_SCOPE)
    const post = (body: unknown) =>
      fetch(stack.resource, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify(body),
      })
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call' }
    const cases: [unknown, string][] = [
      [
        [{ ...call, params: { name: 'transfer_funds', arguments: BIG } }],
        'The request body must be a JSON object',
      ],
      [
        { ...call, params: { name: 'transfer_funds', arguments: [BIG] } },
        'A tools/call request needs params.name (a string) and params.arguments (an object)',
      ],
      [
        { ...call, params: { name: 'transfer_funds', arguments: { ...BIG, amount: 10000 } } },
        'The arguments of transfer_funds are invalid',
      ],
      [
        { ...call, params: { name: 'transfer_funds', arguments: { ...BIG, memo: 'x' } } },
        'The arguments of transfer_funds are invalid',
      ],
    ]
    for (const [body, description] of cases) {
      const response = await post(body)
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        error_description: description,
      })
    }
  })

  it('GET and DELETE on the endpoint: 405, no stream and no sessions', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(stack.resource, { method })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
    }
  })
})

describe('start-up and transport checks', () => {
  it('a request addressed to another host name is refused (DNS rebinding)', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(
        stack.mcp.resourceMetadata,
        { headers: { host: `rebound.example:${stack.mcp.port}` } },
        (response) => {
          response.resume()
          resolve(response.statusCode)
        },
      )
      request.once('error', reject)
      request.end()
    })
    expect(status).toBe(403)
    expect((await fetch(stack.mcp.resourceMetadata)).status).toBe(200)
  })

  it('unknown options and a resource with a query are refused when the server or client is made', async () => {
    const base = { issuer: stack.as.issuer, resource: 'http://127.0.0.1:1/mcp' }
    await expect(createMcpBankServer({ ...base, relam: 'bank' } as never)).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_OPTION',
      message: 'createMcpBankServer: unknown option "relam"',
    })
    await expect(
      createMcpBankServer({ ...base, resource: 'http://127.0.0.1:1/mcp?x=1' }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    await expect(
      connectMcpBankClient({
        url: stack.resource,
        issuer: stack.as.issuer,
        accessToken: 'x',
        scope: 'openid',
        authorize: async () => 'x',
        allowedOrigin: 'http://127.0.0.1',
      } as never),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
  })
})
