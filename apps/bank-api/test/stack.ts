import { type AuthorizationServer, createAuthorizationServer } from 'authorization-server'
import { createSoftwareAuthenticator } from 'authorization-server/testing'
import { authorize, discover } from 'authorization-server/testing/oauth-client'
import type { Credentials } from 'authorization-server/testing/user-agent'
import { UserAgent } from 'authorization-server/testing/user-agent'
import type * as oauth from 'oauth4webapi'
import { type BankApi, createBankApi, freePort } from '../src/index.ts'

export const REDIRECT_URI = 'http://localhost:8080/cb'
export const WEB_ORIGIN = 'http://localhost:5173'
const client: oauth.Client = { client_id: 'bank-test' }

export const transferTo = (destination: string, amount: string, currency = 'USD') => ({
  authorization_details: [
    {
      type: 'urn:bank:params:oauth:request:transaction',
      transaction: { amount, currency, destination_account: destination },
    },
  ],
})

export interface Stack {
  readonly as: AuthorizationServer
  readonly api: BankApi
  readonly resource: string
  readonly metadata: oauth.AuthorizationServer
  /** Run an authorization code flow (PKCE) as this user agent and return the access token. */
  token(
    agent: UserAgent,
    credentials: Credentials,
    params?: Record<string, string>,
  ): Promise<{ token: string; claims: Record<string, unknown> }>
  /** Call the API with a bearer token. */
  call(path: string, token: string | undefined, init?: RequestInit): Promise<Response>
  close(): Promise<void>
}

export async function startStack(framework: 'express' | 'fastify'): Promise<Stack> {
  const port = await freePort()
  const resource = `http://localhost:${port}/`
  const as = await createAuthorizationServer({
    resource,
    accessTokenTtl: 900,
    clients: [
      {
        client_id: client.client_id,
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
      },
    ],
  })
  const api = await createBankApi({
    framework,
    issuer: as.issuer,
    resource,
    port,
    corsOrigins: [WEB_ORIGIN],
  })
  const metadata = await discover(as.issuer)
  return {
    as,
    api,
    resource,
    metadata,
    async token(agent, credentials, params = {}) {
      const { accessToken, claims } = await authorize({
        as: metadata,
        client,
        redirectUri: REDIRECT_URI,
        scope: 'openid accounts:read transfers:write password:write',
        resource,
        agent,
        credentials,
        params,
      })
      return { token: accessToken, claims }
    },
    call(path, token, init = {}) {
      const headers = new Headers(init.headers)
      if (token) headers.set('authorization', `Bearer ${token}`)
      if (init.body) headers.set('content-type', 'application/json')
      return fetch(new URL(path, api.url), { ...init, headers })
    },
    async close() {
      await api.close()
      await as.close()
    },
  }
}

export { createSoftwareAuthenticator, UserAgent }
