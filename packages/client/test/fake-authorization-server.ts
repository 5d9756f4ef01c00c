import {
  base64url,
  calculateJwkThumbprint,
  EmbeddedJWK,
  generateKeyPair,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose'
import type * as oauth from 'oauth4webapi'
import type { DpopResource } from './resource-server.js'

/** One authorization request the user signed in for, and the code it gave. */
interface Grant {
  readonly params: URLSearchParams
  readonly code: string
}

/**
 * An authorization server in memory, behind a `fetch`: the authorization endpoint is driven by
 * the test ({@link FakeAuthorizationServer.signIn} returns the callback URL the user's browser
 * is sent to), the PAR and token endpoints answer requests. The token endpoint checks PKCE
 * (S256), the client and redirect URI, and a DPoP proof when one is sent (signature, `typ`,
 * `htm`, `htu`, `dpop_jkt` of the authorization request; a nonce with `requireNonce`), and
 * issues `DPoP` tokens bound to the proof's key (registered as strong at `resource`), else
 * `Bearer` ones; with `openid` in scope, an ID Token with the request's `nonce` and `auth_time`.
 */
export class FakeAuthorizationServer {
  readonly metadata: oauth.AuthorizationServer
  /** Every request the endpoints received, with its form body. */
  readonly requests: { url: string; body: URLSearchParams; dpop: string | null }[] = []
  readonly #grants = new Map<string, Grant>()
  readonly #pushed = new Map<string, URLSearchParams>()
  #issued = 0
  /** The `DPoP-Nonce` proofs at the token endpoint must carry, when set. */
  nonce: string | undefined
  /** The token type to issue whatever the request; default by the DPoP header. */
  tokenType: 'Bearer' | 'DPoP' | undefined
  /** Put another nonce into the ID Token than the request's. */
  tamperNonce = false
  #idTokenKey: CryptoKey | undefined

  constructor(
    readonly issuer: string,
    readonly resource?: DpopResource,
    extra: Partial<oauth.AuthorizationServer> = {},
  ) {
    this.metadata = {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      pushed_authorization_request_endpoint: `${issuer}/par`,
      authorization_response_iss_parameter_supported: true,
      id_token_signing_alg_values_supported: ['ES256'],
      ...extra,
    }
  }

  /** The parameters of an authorization request URL (those pushed, for a `request_uri`). */
  paramsOf(url: string): URLSearchParams {
    const params = new URL(url).searchParams
    const pushed = params.get('request_uri')
    return pushed === null ? params : (this.#pushed.get(pushed) ?? new URLSearchParams())
  }

  /** The user signs in: the callback URL, with `code`, `state` and `iss` (RFC 9207). */
  signIn(url: string, state?: string): string {
    const params = this.paramsOf(url)
    const code = `code-${++this.#issued}`
    this.#grants.set(code, { params, code })
    const callback = new URL(params.get('redirect_uri')!)
    callback.searchParams.set('code', code)
    callback.searchParams.set('state', state ?? params.get('state')!)
    callback.searchParams.set('iss', this.issuer)
    return callback.href
  }

  /** The authorization server answers with an error (RFC 6749 §4.1.2.1, RFC 9470 §5). */
  deny(url: string, error: string): string {
    const params = this.paramsOf(url)
    const callback = new URL(params.get('redirect_uri')!)
    callback.searchParams.set('error', error)
    callback.searchParams.set('state', params.get('state')!)
    callback.searchParams.set('iss', this.issuer)
    return callback.href
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const body = new URLSearchParams(await request.text())
    const dpop = request.headers.get('dpop')
    this.requests.push({ url: request.url, body, dpop })
    const error = (status: number, code: string, headers: Record<string, string> = {}) =>
      Response.json({ error: code }, { status, headers })
    if (request.url === this.metadata.pushed_authorization_request_endpoint) {
      const requestUri = `urn:ietf:params:oauth:request_uri:${++this.#issued}`
      this.#pushed.set(requestUri, body)
      return Response.json({ request_uri: requestUri, expires_in: 60 }, { status: 201 })
    }
    if (request.url !== this.metadata.token_endpoint) return new Response(null, { status: 404 })
    const grant = this.#grants.get(body.get('code') ?? '')
    if (!grant || body.get('grant_type') !== 'authorization_code') {
      return error(400, 'invalid_grant')
    }
    const challenge = base64url.encode(
      new Uint8Array(
        await crypto.subtle.digest(
          'SHA-256',
          new TextEncoder().encode(body.get('code_verifier') ?? ''),
        ),
      ),
    )
    if (
      challenge !== grant.params.get('code_challenge') ||
      grant.params.get('code_challenge_method') !== 'S256' ||
      body.get('redirect_uri') !== grant.params.get('redirect_uri') ||
      body.get('client_id') !== grant.params.get('client_id')
    ) {
      return error(400, 'invalid_grant')
    }
    let jkt: string | undefined
    if (dpop !== null) {
      const { payload, protectedHeader } = await jwtVerify(dpop, EmbeddedJWK, { typ: 'dpop+jwt' })
      if (payload.htm !== 'POST' || payload.htu !== this.metadata.token_endpoint) {
        return error(400, 'invalid_dpop_proof')
      }
      if (this.nonce !== undefined && payload.nonce !== this.nonce) {
        return error(400, 'use_dpop_nonce', { 'dpop-nonce': this.nonce })
      }
      jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK)
      const named = grant.params.get('dpop_jkt')
      if (named !== null && named !== jkt) return error(400, 'invalid_dpop_proof')
    }
    this.#grants.delete(grant.code)
    const type = this.tokenType ?? (jkt ? 'DPoP' : 'Bearer')
    const token = `gold-${++this.#issued}`
    if (jkt) this.resource?.tokens.set(token, { jkt, strong: true })
    const scope = grant.params.get('scope') ?? ''
    const idToken = scope.split(' ').includes('openid')
      ? await this.#idToken(grant.params)
      : undefined
    return Response.json(
      {
        access_token: token,
        token_type: type,
        expires_in: 300,
        scope,
        ...(idToken && { id_token: idToken }),
      },
      { headers: { 'cache-control': 'no-store' } },
    )
  }

  async #idToken(params: URLSearchParams): Promise<string> {
    this.#idTokenKey ??= (await generateKeyPair('ES256')).privateKey
    const now = Math.floor(Date.now() / 1000)
    const nonce = params.get('nonce')
    return new SignJWT({
      auth_time: now,
      ...(nonce !== null && { nonce: this.tamperNonce ? 'another' : nonce }),
      acr: params.get('acr_values')?.split(' ')[0],
    })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(this.issuer)
      .setSubject('alice')
      .setAudience(params.get('client_id')!)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(this.#idTokenKey)
  }
}
