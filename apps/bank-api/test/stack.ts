import { type AuthorizationServer, createAuthorizationServer } from 'authorization-server'
import { createSoftwareAuthenticator } from 'authorization-server/testing'
import type { Credentials } from 'authorization-server/testing/user-agent'
import { UserAgent } from 'authorization-server/testing/user-agent'
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { type BankApi, createBankApi, freePort } from '../src/index.ts'

export const REDIRECT_URI = 'http://localhost:8080/cb'
export const WEB_ORIGIN = 'http://localhost:5173'
const client: oauth.Client = { client_id: 'bank-test' }
const insecure = { [oauth.allowInsecureRequests]: true } as const

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
  const issuer = new URL(as.issuer)
  const metadata = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
  )
  return {
    as,
    api,
    resource,
    metadata,
    async token(agent, credentials, params = {}) {
      const verifier = oauth.generateRandomCodeVerifier()
      const state = oauth.generateRandomState()
      const url = new URL(metadata.authorization_endpoint!)
      url.search = new URLSearchParams({
        client_id: client.client_id,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'openid accounts:read transfers:write password:write',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        resource,
        state,
        ...params,
      }).toString()
      const { callback } = await agent.authorize(url, REDIRECT_URI, credentials)
      const callbackParams = oauth.validateAuthResponse(metadata, client, callback, state)
      const response = await oauth.authorizationCodeGrantRequest(
        metadata,
        client,
        oauth.None(),
        callbackParams,
        REDIRECT_URI,
        verifier,
        { additionalParameters: { resource }, ...insecure },
      )
      const tokens = await oauth.processAuthorizationCodeResponse(metadata, client, response)
      return { token: tokens.access_token, claims: decodeJwt(tokens.access_token) }
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
