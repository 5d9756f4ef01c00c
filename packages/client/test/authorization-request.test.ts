import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildStepUpAuthorizationParams,
  readStepUpChallenge,
  type StepUpChallenge,
} from '../src/index.js'
import { startServer, type TestServer } from './resource-server.js'

const BASE =
  'https://as.example.net/authorize?client_id=s6BhdRkqt3&response_type=code&scope=purchase'

function challengeOf(value: string, status = 401): StepUpChallenge {
  const challenge = readStepUpChallenge(
    new Response(null, { status, headers: { 'www-authenticate': value } }),
  )
  if (!challenge) throw new Error('no challenge')
  return challenge
}

function authorizationUrl(base: string, params: Record<string, string>): string {
  const url = new URL(base)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return url.href
}

describe('challenge → authorization request (RFC 9470 §4)', () => {
  it('RFC 9470 §4 Figure 4: acr_values (EX-9470-01 → EX-9470-03, AR-01)', () => {
    const challenge = challengeOf(
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
    )
    expect(authorizationUrl(BASE, buildStepUpAuthorizationParams(challenge))).toBe(
      'https://as.example.net/authorize?client_id=s6BhdRkqt3&response_type=code&scope=purchase&acr_values=myACR',
    )
  })

  it('RFC 9470 §4 Figure 5: max_age (EX-9470-02 → EX-9470-04, AR-02)', () => {
    const challenge = challengeOf(
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
    )
    expect(authorizationUrl(BASE, buildStepUpAuthorizationParams(challenge))).toBe(
      'https://as.example.net/authorize?client_id=s6BhdRkqt3&response_type=code&scope=purchase&max_age=5',
    )
  })

  it('RFC 9470 §3: acr_values order and max_age together (WA-20 → AR-03)', () => {
    const challenge = challengeOf(
      'Bearer error="insufficient_user_authentication", acr_values="urn:example:gold urn:example:silver", max_age="60"',
    )
    const params = buildStepUpAuthorizationParams(challenge)
    expect(params).toStrictEqual({
      acr_values: 'urn:example:gold urn:example:silver',
      max_age: '60',
    })
    expect(new URLSearchParams(params).toString()).toBe(
      'acr_values=urn%3Aexample%3Agold+urn%3Aexample%3Asilver&max_age=60',
    )
  })

  it('RFC 9470 §3: an invalid max_age is never forwarded: the challenge is refused (WA-18 → AR-04)', () => {
    expect(() =>
      challengeOf('Bearer error="insufficient_user_authentication", max_age="-1"'),
    ).toThrow(expect.objectContaining({ name: 'StepUpError', code: 'ERR_CHALLENGE_INVALID' }))
  })

  it('OpenID Connect Core §3.1.2.1: max_age=0 adds prompt=login', () => {
    const challenge = challengeOf('Bearer error="insufficient_user_authentication", max_age=0')
    expect(buildStepUpAuthorizationParams(challenge)).toStrictEqual({
      max_age: '0',
      prompt: 'login',
    })
  })

  it('RFC 9470 §3: scope in a step-up challenge is added to what the client holds (SD-09)', () => {
    const challenge = challengeOf(
      'Bearer error="insufficient_user_authentication", acr_values="urn:example:gold", scope="purchase admin"',
    )
    expect(
      buildStepUpAuthorizationParams(challenge, { currentScope: 'openid purchase' }),
    ).toStrictEqual({
      acr_values: 'urn:example:gold',
      scope: 'openid purchase admin',
    })
  })

  it('RFC 6750 §3.1: insufficient_scope asks for the union of scopes (WA-28)', () => {
    const challenge = challengeOf(
      'Bearer error="insufficient_scope", scope="openid profile email"',
      403,
    )
    expect(
      buildStepUpAuthorizationParams(challenge, { currentScope: ['openid', 'accounts'] }),
    ).toStrictEqual({
      scope: 'openid accounts profile email',
    })
  })

  it('OpenID Connect Core §5.5.1.1: mode claims sends an essential acr instead of acr_values (OI-03)', () => {
    const challenge = challengeOf(
      'Bearer error="insufficient_user_authentication", acr_values="urn:mace:incommon:iap:silver urn:mace:incommon:iap:bronze", max_age=300',
    )
    const params = buildStepUpAuthorizationParams(challenge, { mode: 'claims' })
    expect(params.acr_values).toBeUndefined()
    expect(params.max_age).toBe('300')
    expect(JSON.parse(params.claims ?? '')).toStrictEqual({
      id_token: {
        acr: {
          essential: true,
          values: ['urn:mace:incommon:iap:silver', 'urn:mace:incommon:iap:bronze'],
        },
      },
    })
  })

  it('Microsoft Entra insufficient_claims becomes the claims parameter', () => {
    const challenge = challengeOf(
      'Bearer realm="", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19"',
    )
    expect(buildStepUpAuthorizationParams(challenge)).toStrictEqual({
      claims: '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}',
    })
  })

  it('RFC 9396 §3: authorization_details are sent as a JSON array', () => {
    const challenge = challengeOf(
      'Bearer error="insufficient_user_authentication", acr_values="psd2_sca"',
    )
    const details = [
      {
        type: 'payment_initiation',
        instructedAmount: { currency: 'EUR', amount: '123.50' },
        creditorName: 'Merchant A',
      },
    ]
    const params = buildStepUpAuthorizationParams(challenge, { authorizationDetails: details })
    expect(JSON.parse(params.authorization_details ?? '')).toStrictEqual(details)
    expect(params.acr_values).toBe('psd2_sca')
  })
})

describe('with oauth4webapi', () => {
  let as: TestServer
  let metadata: oauth.AuthorizationServer
  const client: oauth.Client = { client_id: 's6BhdRkqt3' }

  beforeAll(async () => {
    as = await startServer((request, res) => {
      if (request.path !== '/par' || request.method !== 'POST') return void res.writeHead(404).end()
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          request_uri: 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c',
          expires_in: 60,
        }),
      )
    })
    metadata = {
      issuer: as.origin,
      authorization_endpoint: `${as.origin}/authorize`,
      pushed_authorization_request_endpoint: `${as.origin}/par`,
      acr_values_supported: ['myACR'],
    }
  })

  afterAll(() => as.close())

  const stepUpChallenge = () =>
    challengeOf(
      'Bearer error="insufficient_user_authentication", acr_values="myACR", max_age="5", scope="purchase"',
    )

  it('builds the authorization URL', async () => {
    const verifier = oauth.generateRandomCodeVerifier()
    const url = new URL(metadata.authorization_endpoint!)
    url.searchParams.set('client_id', client.client_id)
    url.searchParams.set('redirect_uri', 'https://client.example.org/cb')
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
    url.searchParams.set('code_challenge_method', 'S256')
    const params = buildStepUpAuthorizationParams(stepUpChallenge(), { currentScope: 'openid' })
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)

    expect(url.searchParams.get('acr_values')).toBe('myACR')
    expect(url.searchParams.get('max_age')).toBe('5')
    expect(url.searchParams.get('scope')).toBe('openid purchase')
    expect(url.searchParams.has('claims')).toBe(false)
  })

  it('sends a pushed authorization request (RFC 9126) carrying the step-up parameters', async () => {
    as.seen.length = 0
    const params = buildStepUpAuthorizationParams(stepUpChallenge(), { currentScope: 'openid' })
    const response = await oauth.pushedAuthorizationRequest(
      metadata,
      client,
      oauth.ClientSecretPost('a secret'),
      { redirect_uri: 'https://client.example.org/cb', response_type: 'code', ...params },
      { [oauth.allowInsecureRequests]: true },
    )
    const result = await oauth.processPushedAuthorizationResponse(metadata, client, response)
    expect(result.request_uri).toBe('urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c')

    const body = new URLSearchParams(as.seen[0]?.body.toString())
    expect(body.get('client_id')).toBe('s6BhdRkqt3')
    expect(body.get('acr_values')).toBe('myACR')
    expect(body.get('max_age')).toBe('5')
    expect(body.get('scope')).toBe('openid purchase')
  })

  it('sends the claims mode through PAR without acr_values', async () => {
    as.seen.length = 0
    const params = buildStepUpAuthorizationParams(stepUpChallenge(), { mode: 'claims' })
    await oauth.pushedAuthorizationRequest(
      metadata,
      client,
      oauth.None(),
      new URLSearchParams({
        response_type: 'code',
        redirect_uri: 'https://client.example.org/cb',
        ...params,
      }),
      { [oauth.allowInsecureRequests]: true },
    )
    const body = new URLSearchParams(as.seen[0]?.body.toString())
    expect(body.has('acr_values')).toBe(false)
    expect(JSON.parse(body.get('claims') ?? '')).toStrictEqual({
      id_token: { acr: { essential: true, values: ['myACR'] } },
    })
  })
})
