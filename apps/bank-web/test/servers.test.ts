/**
 * The servers the web client talks to, without a browser: the authorization server issues
 * DPoP-bound tokens to `bank-web` after a nonce round (RFC 9449 §5, §8), lets its origin call the
 * token and PAR endpoints (CORS) and never cuts a popup from its opener; the bank API requires
 * DPoP-bound tokens, asks for its own nonces (§9) and hands out the next one, and lets the web
 * origin send proofs and read `WWW-Authenticate` and `DPoP-Nonce`. Headless sign-ins go through
 * the scripted user agent; API calls through `@stepup/client` with a DPoP key pair.
 */
import { createStepUpFetch } from '@stepup/client'
import { type RedisServer, startRedisServer } from '@stepup/internal/redis-server'
import { type AuthorizationServer, createAuthorizationServer } from 'authorization-server'
import { UserAgent } from 'authorization-server/testing/user-agent'
import { type BankApi, createBankApi, freePort } from 'bank-api'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServers } from '../server/stack.ts'

const WEB = 'http://localhost:5999'
const REDIRECT_URI = `${WEB}/callback`
const ALICE = { username: 'alice', password: 'wonderland' }
const insecure = { [oauth.allowInsecureRequests]: true } as const

const newKeyPair = () =>
  crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]) as Promise<CryptoKeyPair>

/** The payload of a JWT, decoded for assertions (not verified here). */
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >

async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer)
  return oauth.processDiscoveryResponse(
    url,
    await oauth.discoveryRequest(url, { algorithm: 'oidc', ...insecure }),
  )
}

/** What one headless sign-in saw and got. */
interface SignIn {
  /** The first answer of the PAR endpoint (the nonce round), before it was processed. */
  readonly firstPar: Response
  readonly tokens: oauth.TokenEndpointResponse
}

/**
 * Sign `alice` in as `clientId`: PAR (RFC 9126) and the token request with proofs of `keyPair`
 * when given, each sent once more on `use_dpop_nonce`; the pages through the scripted agent.
 */
async function signIn(
  as: oauth.AuthorizationServer,
  clientId: string,
  resource: string,
  keyPair?: CryptoKeyPair,
): Promise<SignIn> {
  const client = { client_id: clientId }
  const dpop = keyPair && oauth.DPoP(client, keyPair)
  const options = { ...(dpop && { DPoP: dpop }), ...insecure }
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const params = {
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid accounts:read transfers:write',
    resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  }
  const push = () => oauth.pushedAuthorizationRequest(as, client, oauth.None(), params, options)
  const firstPar = await push()
  let pushed: { request_uri: string }
  try {
    pushed = await oauth.processPushedAuthorizationResponse(as, client, firstPar.clone())
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error
    pushed = await oauth.processPushedAuthorizationResponse(as, client, await push())
  }
  const url = new URL(as.authorization_endpoint!)
  url.searchParams.set('client_id', clientId)
  url.searchParams.set('request_uri', pushed.request_uri)
  const { callback } = await new UserAgent().authorize(url, REDIRECT_URI, ALICE)
  const code = oauth.validateAuthResponse(as, client, callback, state)
  const redeem = async () =>
    oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        code,
        REDIRECT_URI,
        verifier,
        { additionalParameters: { resource }, ...options },
      ),
    )
  let tokens: oauth.TokenEndpointResponse
  try {
    tokens = await redeem()
  } catch (error) {
    if (!dpop || !oauth.isDPoPNonceError(error)) throw error
    tokens = await redeem()
  }
  return { firstPar, tokens }
}

/** A step-up fetch with DPoP that records the status and headers of every answer, in order. */
function dpopFetch(api: BankApi, keyPair: CryptoKeyPair, token: string) {
  const answers: { status: number; headers: Headers }[] = []
  const sent: Request[] = []
  const fetchApi = createStepUpFetch({
    allowedOrigins: [api.url],
    dpop: { keyPair },
    getAccessToken: () => ({ token, type: 'DPoP' }),
    stepUp: () => Promise.reject(new Error('no step-up expected')),
    async fetch(request) {
      request.headers.set('origin', WEB)
      sent.push(request.clone())
      const response = await fetch(request)
      answers.push({ status: response.status, headers: response.headers })
      return response
    },
  })
  return { fetchApi, answers, sent }
}

describe.each(['express', 'fastify'] as const)(
  'the web client’s servers (bank API on %s)',
  (framework) => {
    let servers: Awaited<ReturnType<typeof startServers>>
    let as: oauth.AuthorizationServer
    let resource: string
    let keyPair: CryptoKeyPair
    let signedIn: SignIn

    beforeAll(async () => {
      servers = await startServers({ web: WEB, framework })
      resource = `${servers.api.url}/`
      as = await discover(servers.as.issuer)
      keyPair = await newKeyPair()
      signedIn = await signIn(as, 'bank-web', resource, keyPair)
    })
    afterAll(() => servers?.close())

    it('asks for a DPoP nonce first (400 use_dpop_nonce with DPoP-Nonce), then binds the token to the key', async () => {
      expect(signedIn.firstPar.status).toBe(400)
      expect(signedIn.firstPar.headers.get('dpop-nonce')).toMatch(/^[\w-]+$/)
      expect(await signedIn.firstPar.json()).toMatchObject({ error: 'use_dpop_nonce' })
      const { tokens } = signedIn
      expect(tokens.token_type).toBe('dpop')
      const jkt = await oauth.DPoP({ client_id: 'bank-web' }, keyPair).calculateThumbprint()
      expect(claimsOf(tokens.access_token)).toMatchObject({
        client_id: 'bank-web',
        aud: resource,
        cnf: { jkt },
      })
    })

    it('refuses a token request for bank-web that carries no DPoP proof', async () => {
      // The same sign-in with proofs of a key succeeds (beforeAll).
      await expect(signIn(as, 'bank-web', resource)).rejects.toMatchObject({
        error: 'invalid_grant',
      })
    })

    it('lets the web origin call the token endpoint with a DPoP header and read DPoP-Nonce; no other origin', async () => {
      const preflight = await fetch(as.token_endpoint!, {
        method: 'OPTIONS',
        headers: {
          origin: WEB,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, dpop',
        },
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe(WEB)
      expect(preflight.headers.get('access-control-allow-headers')).toContain('dpop')
      const post = (origin: string) =>
        fetch(as.token_endpoint!, {
          method: 'POST',
          headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            client_id: 'bank-web',
            grant_type: 'authorization_code',
            code: 'not-a-code',
            redirect_uri: REDIRECT_URI,
            code_verifier: oauth.generateRandomCodeVerifier(),
          }),
        })
      const allowed = await post(WEB)
      expect(allowed.headers.get('access-control-allow-origin')).toBe(WEB)
      expect(allowed.headers.get('access-control-expose-headers')).toContain('DPoP-Nonce')
      const foreign = await post('http://evil.example')
      expect(foreign.status).toBe(400)
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    })

    it('never sends Cross-Origin-Opener-Policy: same-origin, so a sign-in popup keeps its opener', async () => {
      const agent = new UserAgent()
      const url = new URL(as.authorization_endpoint!)
      for (const [name, value] of Object.entries({
        client_id: 'bank-web',
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: await oauth.calculatePKCECodeChallenge('x'.repeat(43)),
        code_challenge_method: 'S256',
        state: 's',
      }))
        url.searchParams.set(name, value)
      const { response: login } = await agent.follow(await agent.request(url), url, REDIRECT_URI)
      expect(await login.text()).toContain('id="login-form"')
      for (const response of [login, await fetch(servers.as.issuer), await fetch(url)]) {
        expect(response.headers.get('cross-origin-opener-policy')).toBe('unsafe-none')
      }
    })

    it('publishes that every token must be DPoP-bound, with ES256 proofs, readable from any origin', async () => {
      const response = await fetch(`${servers.api.url}/.well-known/oauth-protected-resource`, {
        headers: { origin: WEB },
      })
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(await response.json()).toMatchObject({
        resource,
        authorization_servers: [servers.as.issuer],
        dpop_bound_access_tokens_required: true,
        dpop_signing_alg_values_supported: ['ES256'],
      })
    })

    it('lets the web origin send DPoP proofs to the API (preflight)', async () => {
      const response = await fetch(`${servers.api.url}/accounts`, {
        method: 'OPTIONS',
        headers: {
          origin: WEB,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization, dpop',
        },
      })
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe(WEB)
      expect(response.headers.get('access-control-allow-headers')).toBe(
        'Authorization, Content-Type, DPoP',
      )
    })

    it('asks the first proof for its nonce (401 use_dpop_nonce), then serves and hands out the next nonce', async () => {
      const { fetchApi, answers, sent } = dpopFetch(
        servers.api,
        keyPair,
        signedIn.tokens.access_token,
      )
      const accounts = await fetchApi(`${servers.api.url}/accounts`)
      expect(accounts.status).toBe(200)
      const [first, second] = answers
      expect(answers).toHaveLength(2)
      expect(first?.status).toBe(401)
      expect(first?.headers.get('www-authenticate')).toBe(
        'Bearer realm="bank", DPoP realm="bank", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256"',
      )
      const nonce = first?.headers.get('dpop-nonce')
      expect(nonce).toMatch(/^[\w-]{43}$/)
      expect(first?.headers.get('access-control-expose-headers')).toBe(
        'WWW-Authenticate, DPoP-Nonce',
      )
      // The retry carried it; the answer hands out the next one, readable by the web client.
      expect(second?.headers.get('dpop-nonce')).toBe(nonce)
      expect(second?.headers.get('access-control-expose-headers')).toContain('DPoP-Nonce')

      // Later calls start with that nonce: no new round, on a read and on a transfer.
      const { accounts: list } = (await accounts.json()) as { accounts: { account_id: string }[] }
      const transfer = await fetchApi(
        `${servers.api.url}/accounts/${list[0]?.account_id}/transfers`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            authorization_details: [
              {
                type: 'urn:bank:params:oauth:request:transaction',
                transaction: {
                  amount: '25.00',
                  currency: 'USD',
                  destination_account: 'ACC-987654',
                },
              },
            ],
          }),
        },
      )
      expect(transfer.headers.get('www-authenticate')).toBe(null)
      expect(transfer.status).toBe(201)
      expect(answers.map((r) => r.status)).toEqual([401, 200, 201])
      expect(answers[2]?.headers.get('dpop-nonce')).toBe(nonce)

      // The transfer's proof passed two guards (scope, then risk) and was recorded once: sent
      // again, as is, it is a replay.
      const replay = await fetch(sent[2]!)
      expect(replay.status).toBe(401)
      expect(replay.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"')
    })

    it('refuses the DPoP-bound token sent as Bearer, and a proof of another key', async () => {
      const token = signedIn.tokens.access_token
      const asBearer = await fetch(`${servers.api.url}/accounts`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(asBearer.status).toBe(401)
      expect(asBearer.headers.get('www-authenticate')).toContain('error="invalid_token"')
      const { fetchApi } = dpopFetch(servers.api, await newKeyPair(), token)
      const stolen = await fetchApi(`${servers.api.url}/accounts`)
      expect(stolen.status).toBe(401)
      expect(stolen.headers.get('www-authenticate')).toContain(
        'DPoP realm="bank", error="invalid_token"',
      )
    })
  },
)

describe('DPoP required of the clients listed only', () => {
  let as: AuthorizationServer
  let api: BankApi
  let metadata: oauth.AuthorizationServer
  let resource: string

  beforeAll(async () => {
    const port = await freePort()
    resource = `http://localhost:${port}/`
    // bank-web registered without DPoP here, to see the API refuse its unbound tokens.
    as = await createAuthorizationServer({
      resource,
      clients: ['bank-web', 'bank-cli'].map((client_id) => ({
        client_id,
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
      })),
    })
    api = await createBankApi({
      framework: 'express',
      issuer: as.issuer,
      resource,
      port,
      dpop: { required: ['bank-web'] },
    })
    metadata = await discover(as.issuer)
  })
  afterAll(async () => {
    await api?.close()
    await as?.close()
  })

  it('refuses an unbound token of a listed client, serves another client’s Bearer token', async () => {
    const call = async (clientId: string) => {
      const { tokens } = await signIn(metadata, clientId, resource)
      expect(tokens.token_type).toBe('bearer')
      return fetch(`${api.url}/accounts`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
    }
    const web = await call('bank-web')
    expect(web.status).toBe(401)
    expect(web.headers.get('www-authenticate')).toContain(
      'Bearer realm="bank", error="invalid_token"',
    )
    expect((await call('bank-cli')).status).toBe(200)
  })

  it('does not publish dpop_bound_access_tokens_required, only the proof algorithm', async () => {
    const document = await (await fetch(`${api.url}/.well-known/oauth-protected-resource`)).json()
    expect(document).toMatchObject({ dpop_signing_alg_values_supported: ['ES256'] })
    expect(document).not.toHaveProperty('dpop_bound_access_tokens_required')
  })

  it('refuses a dpop option it does not know, and a short nonce secret', async () => {
    const base = { framework: 'express' as const, issuer: as.issuer, resource, port: 0 }
    await expect(
      createBankApi({ ...base, dpop: { require: 'all' } } as never),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
    for (const dpop of [
      { required: 'some' },
      { required: [''] },
      { required: 'all', nonceSecret: new Uint8Array(16) },
    ]) {
      await expect(
        createBankApi({ ...base, dpop } as never),
        JSON.stringify(dpop),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    }
  })
})

describe('DPoP proofs remembered in Redis, across instances', () => {
  let redis: RedisServer
  let redisUrl: string
  let as: AuthorizationServer
  let port: number

  beforeAll(async () => {
    redis = await startRedisServer()
    redisUrl = redis.url
    port = await freePort()
    as = await createAuthorizationServer({
      resource: `http://localhost:${port}/`,
      clients: [
        {
          client_id: 'bank-web',
          token_endpoint_auth_method: 'none',
          redirect_uris: [REDIRECT_URI],
          dpop_bound_access_tokens: true,
        },
      ],
    })
  })
  afterAll(async () => {
    await as?.close()
    await redis?.remove()
  })

  it('refuses at a second instance a proof the first one accepted (same Redis, same nonce secret)', async () => {
    const resource = `http://localhost:${port}/`
    const nonceSecret = crypto.getRandomValues(new Uint8Array(32))
    const start = () =>
      createBankApi({
        framework: 'express',
        issuer: as.issuer,
        resource,
        port,
        redis: { url: redisUrl },
        dpop: { required: 'all', nonceSecret },
      })
    const keyPair = await newKeyPair()
    const { tokens } = await signIn(await discover(as.issuer), 'bank-web', resource, keyPair)
    const first = await start()
    const sent: Request[] = []
    const fetchApi = createStepUpFetch({
      allowedOrigins: [first.url],
      dpop: { keyPair },
      getAccessToken: () => ({ token: tokens.access_token, type: 'DPoP' }),
      stepUp: () => Promise.reject(new Error('no step-up expected')),
      fetch(request) {
        sent.push(request.clone())
        return fetch(request)
      },
    })
    expect((await fetchApi(`${first.url}/accounts`)).status).toBe(200)
    await first.close()

    // Another instance on the same address: it takes the first one's nonce, but not its proof.
    const second = await start()
    try {
      const replayed = sent.at(-1)!
      const again = await fetch(replayed)
      expect(again.status).toBe(401)
      expect(again.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"')
      // A new proof with the nonce the first instance gave is fine.
      expect((await fetchApi(`${second.url}/accounts`)).status).toBe(200)
      expect(sent).toHaveLength(3)
    } finally {
      await second.close()
    }
  })
})
