import {
  authorize as authorizeWithPkce,
  type Authorization as SharedAuthorization,
} from 'authorization-server/testing/oauth-client'
import type { Credentials, UserAgent } from 'authorization-server/testing/user-agent'
import type * as oauth from 'oauth4webapi'

export { discover } from 'authorization-server/testing/oauth-client'

/** The demo's public client: code flow with PKCE (S256), like the web client. */
export const CLIENT: oauth.Client = { client_id: 'bank-demo' }
export const REDIRECT_URI = 'http://localhost:8765/callback'
export const SCOPE = 'openid accounts:read transfers:write'

/** The access token's claims the story looks at (decoded for display only). */
export interface TokenClaims {
  readonly acr?: string
  readonly auth_time?: number
  readonly amr?: string[]
  readonly authorization_details?: unknown[]
  readonly [claim: string]: unknown
}

/** What one authorization request produced, with the claims the story reads. */
export interface Authorization extends SharedAuthorization {
  readonly claims: TokenClaims
}

/**
 * Run the authorization code flow with PKCE through the scripted user agent, exchange the code
 * (RFC 8707 `resource`), and return the access token with its claims.
 */
export async function authorize(
  as: oauth.AuthorizationServer,
  agent: UserAgent,
  credentials: Credentials,
  resource: string,
  extra: Record<string, string> = {},
): Promise<Authorization> {
  const result = await authorizeWithPkce({
    as,
    client: CLIENT,
    redirectUri: REDIRECT_URI,
    scope: SCOPE,
    resource,
    agent,
    credentials,
    params: extra,
  })
  return { ...result, claims: result.claims as TokenClaims }
}
