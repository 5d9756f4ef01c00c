import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACR_MFA, ACR_PASSWORD } from '../src/index.ts'
import { createSoftwareAuthenticator } from '../src/testing/software-authenticator.ts'
import {
  authorize,
  client,
  type Harness,
  insecure,
  RESOURCE,
  refresh,
  signIn,
  startHarness,
  TRANSFER,
  UserAgent,
} from './harness.ts'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(async () => {
  await harness.close()
})

const alice = { username: 'alice', password: 'wonderland' }
const REFUSED =
  'That username and password did not work. Check them and try again; after several tries, wait a few minutes first.'
const now = (): number => Math.floor(Date.now() / 1000)

describe('discovery (RFC 8414, OpenID Connect Discovery)', () => {
  it('advertises the acr classes, claims parameter, RAR types, PAR and S256 PKCE', async () => {
    const response = await fetch(`${harness.server.issuer}/.well-known/openid-configuration`)
    const metadata = (await response.json()) as Record<string, unknown>
    expect(metadata['issuer']).toBe(harness.server.issuer)
    expect(metadata['acr_values_supported']).toEqual([ACR_PASSWORD, ACR_MFA, 'phr', 'phrh'])
    expect(metadata['claims_parameter_supported']).toBe(true)
    expect(metadata['authorization_details_types_supported']).toEqual([
      'urn:bank:params:oauth:request:transaction',
    ])
    expect(metadata['pushed_authorization_request_endpoint']).toBe(
      `${harness.server.issuer}/request`,
    )
    expect(metadata['code_challenge_methods_supported']).toEqual(['S256'])
    expect(metadata['claims_supported']).toEqual(
      expect.arrayContaining(['acr', 'amr', 'auth_time']),
    )
  })
})

describe('password sign-in (authorization code + PKCE, RFC 9068 access token)', () => {
  it('issues an at+jwt for the resource with the password class, amr and auth_time', async () => {
    const agent = new UserAgent()
    const before = now()
    const result = await signIn(harness, agent, alice)
    expect(result.steps).toEqual(['password'])
    const { payload, typ } = await harness.verifyAccessToken(result.tokens.access_token)
    expect(typ).toBe('at+jwt')
    expect(payload.aud).toBe(RESOURCE)
    expect(payload.client_id).toBe(client.client_id)
    expect(payload.sub).toBe(harness.server.store.findByUsername('alice')!.id)
    expect(payload.acr).toBe(ACR_PASSWORD)
    expect(payload.amr).toEqual(['pwd'])
    expect(payload.auth_time).toBeGreaterThanOrEqual(before)
    expect(payload.scope).toBe('accounts:read transfers:write')
    expect(payload.authorization_details).toBeUndefined()
    expect(result.idToken?.['acr']).toBe(ACR_PASSWORD)
  })

  it('refuses an authorization request without PKCE', async () => {
    const url = new URL(harness.as.authorization_endpoint!)
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: 'http://localhost:8080/cb',
      response_type: 'code',
      scope: 'openid',
      state: 'abc',
    }).toString()
    const response = await fetch(url, { redirect: 'manual' })
    const location = new URL(response.headers.get('location')!)
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/)
  })

  it('re-renders the form with 401 for a wrong password', async () => {
    await expect(
      signIn(harness, new UserAgent(), { username: 'dave', password: 'nope' }),
    ).rejects.toThrow(`401: ${REFUSED}`)
    await expect(
      signIn(harness, new UserAgent(), { username: 'nobody', password: 'nope' }),
    ).rejects.toThrow(`401: ${REFUSED}`)
  })

  it('blocks an account after five failures in a row, answering as for a wrong password', async () => {
    for (let attempt = 1; attempt < 5; attempt++) {
      await expect(
        signIn(harness, new UserAgent(), { username: 'dave', password: 'nope' }),
      ).rejects.toThrow('401')
    }
    await expect(
      signIn(harness, new UserAgent(), { username: 'dave', password: 'dave-password' }),
    ).rejects.toThrow(`401: ${REFUSED}`)
  })
})

describe('acr_values, max_age and prompt=login (RFC 9470 §4, OpenID Connect Core §3.1.2.1)', () => {
  it('TOTP: acr_values=urn:stepup:acr:mfa asks for password then a TOTP code', async () => {
    const agent = new UserAgent()
    const result = await signIn(
      harness,
      agent,
      { ...alice, totp: harness.totp('alice') },
      {
        acr_values: ACR_MFA,
      },
    )
    expect(result.steps).toEqual(['password', 'totp'])
    expect(result.accessToken.acr).toBe(ACR_MFA)
    expect(result.accessToken.amr).toEqual(['pwd', 'otp', 'mfa'])
    expect(result.idToken?.['acr']).toBe(ACR_MFA)
  })

  it('TOTP: the same code is not accepted twice', async () => {
    const erin = { username: 'erin', password: 'erin-password' }
    const code = await harness.totp('erin')()
    await signIn(
      harness,
      new UserAgent(),
      { ...erin, totp: async () => code },
      { acr_values: ACR_MFA },
    )
    await expect(
      signIn(
        harness,
        new UserAgent(),
        { ...erin, totp: async () => code },
        { acr_values: ACR_MFA },
      ),
    ).rejects.toThrow('401: That code is not valid.')
  })

  it('a session that satisfies acr_values and max_age needs no interaction', async () => {
    const agent = new UserAgent()
    const first = await signIn(harness, agent, alice)
    const second = await signIn(harness, agent, alice, { acr_values: ACR_PASSWORD, max_age: '300' })
    expect(second.steps).toEqual([])
    expect(second.accessToken.auth_time).toBe(first.accessToken.auth_time)
  })

  it('a session below the requested class must authenticate again', async () => {
    const agent = new UserAgent()
    const frank = { username: 'frank', password: 'frank-password' }
    await signIn(harness, agent, frank)
    const stepped = await signIn(
      harness,
      agent,
      { ...frank, totp: harness.totp('frank') },
      {
        acr_values: ACR_MFA,
      },
    )
    expect(stepped.steps).toEqual(['password', 'totp'])
    expect(stepped.accessToken.acr).toBe(ACR_MFA)
  })

  it('prompt=login and max_age=0 force re-authentication', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    expect((await signIn(harness, agent, alice, { prompt: 'login' })).steps).toEqual(['password'])
    expect((await signIn(harness, agent, alice, { max_age: '0' })).steps).toEqual(['password'])
  })

  it('claims parameter with an essential acr is honoured', async () => {
    const agent = new UserAgent()
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_MFA] } } })
    const grace = { username: 'grace', password: 'grace-password', totp: harness.totp('grace') }
    const result = await signIn(harness, agent, grace, { claims })
    expect(result.steps).toEqual(['password', 'totp'])
    expect(result.idToken?.['acr']).toBe(ACR_MFA)
    expect(result.accessToken.acr).toBe(ACR_MFA)
  })
})

describe('unmet_authentication_requirements (OpenID Connect UAR 1.0)', () => {
  const expectError = async (
    credentials: { username: string; password: string },
    params: Record<string, string>,
    agent = new UserAgent(),
  ): Promise<{ error: string | null; steps: string[] }> => {
    const { callback, steps, state } = await authorize(harness, agent, credentials, params)
    expect(() => oauth.validateAuthResponse(harness.as, client, callback, state)).toThrow(
      oauth.AuthorizationResponseError,
    )
    expect(callback.searchParams.get('state')).toBe(state)
    return { error: callback.searchParams.get('error'), steps }
  }

  it('acr_values=phr for a user with no WebAuthn credential: a page says so, Cancel answers access_denied', async () => {
    const outcome = await expectError(
      { username: 'bob', password: 'builder' },
      { acr_values: 'phr' },
    )
    expect(outcome).toEqual({ error: 'access_denied', steps: ['password', 'no-key'] })
  })

  it('an essential acr claim the user cannot reach', async () => {
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_MFA] } } })
    const outcome = await expectError({ username: 'bob', password: 'builder' }, { claims })
    expect(outcome.error).toBe('unmet_authentication_requirements')
  })

  it('an acr value the server does not know', async () => {
    const outcome = await expectError(alice, { acr_values: 'urn:example:unknown' })
    expect(outcome).toEqual({ error: 'unmet_authentication_requirements', steps: [] })
  })

  it('acr_values=phrh when the only key is synced (backup-eligible): a page says so, Cancel answers access_denied', async () => {
    const agent = new UserAgent()
    const carol = { username: 'carol', password: 'carol-password' }
    await signIn(harness, agent, carol)
    await agent.registerSecurityKey(
      harness.server.issuer,
      createSoftwareAuthenticator({ hardwareBound: false }),
      { enrolmentCode: harness.server.enrolmentCodes.get('carol')!.code },
    )
    const outcome = await expectError(carol, { acr_values: 'phrh' }, agent)
    expect(outcome).toEqual({ error: 'access_denied', steps: ['no-key'] })
  })
})

describe('step-up with WebAuthn and RAR (RFC 9470, RFC 9396, RFC 9068)', () => {
  const agent = new UserAgent()
  const authenticator = createSoftwareAuthenticator({ hardwareBound: true })
  let first: Awaited<ReturnType<typeof signIn>>

  beforeAll(async () => {
    first = await signIn(harness, agent, alice)
    const page = await agent.registerSecurityKey(harness.server.issuer, authenticator, {
      enrolmentCode: harness.server.enrolmentCodes.get('alice')!.code,
    })
    expect(page).toContain('data-hardware-bound="true"')
  })

  it('acr_values=phr max_age=60 with authorization_details: WebAuthn, consent, then a token with acr, fresh auth_time, amr and details', async () => {
    const before = now()
    const result = await signIn(
      harness,
      agent,
      { ...alice, authenticator },
      {
        acr_values: 'phr',
        max_age: '60',
        authorization_details: JSON.stringify(TRANSFER),
      },
    )
    expect(result.steps).toEqual(['webauthn', 'consent'])
    expect(result.tokens.authorization_details).toEqual(TRANSFER)
    const token = result.accessToken
    expect(token.acr).toBe('phr')
    expect(token.amr).toEqual(['hwk', 'user', 'mfa'])
    expect(token.auth_time).toBeGreaterThanOrEqual(before)
    expect(token.auth_time).toBeGreaterThanOrEqual(first.accessToken.auth_time!)
    expect(token.authorization_details).toEqual(TRANSFER)
    expect(authenticator.credentials[0]!.signCount).toBe(1)
    expect(harness.server.store.findByUsername('alice')!.credentials[0]!.counter).toBe(1)
  })

  it('acr_values=phrh is met by the device-bound key', async () => {
    const result = await signIn(
      harness,
      agent,
      { ...alice, authenticator },
      {
        acr_values: 'phrh',
        prompt: 'login',
      },
    )
    expect(result.steps).toEqual(['webauthn'])
    expect(result.accessToken.acr).toBe('phrh')
    expect(result.idToken?.['acr']).toBe('phrh')
  })

  it('refresh keeps acr, amr and auth_time and does not renew transaction details', async () => {
    const result = await signIn(
      harness,
      agent,
      { ...alice, authenticator },
      {
        acr_values: 'phr',
        prompt: 'login',
        authorization_details: JSON.stringify(TRANSFER),
      },
    )
    const refreshed = await refresh(harness, result.tokens.refresh_token!)
    const { payload } = await harness.verifyAccessToken(refreshed.access_token)
    expect(payload.auth_time).toBe(result.accessToken.auth_time)
    expect(payload.acr).toBe(result.accessToken.acr)
    expect(payload.amr).toEqual(result.accessToken.amr)
    expect(payload.jti).not.toBe(result.accessToken.jti)
    expect(payload.authorization_details).toBeUndefined()
    await expect(
      refresh(harness, refreshed.refresh_token ?? result.tokens.refresh_token!, {
        authorization_details: JSON.stringify(TRANSFER),
      }),
    ).rejects.toMatchObject({ error: 'invalid_authorization_details' })
  })

  it('refresh of a password sign-in keeps auth_time', async () => {
    const result = await signIn(harness, new UserAgent(), alice)
    const refreshed = await refresh(harness, result.tokens.refresh_token!)
    const { payload } = await harness.verifyAccessToken(refreshed.access_token)
    expect(payload.auth_time).toBe(result.accessToken.auth_time)
    expect(payload.acr).toBe(ACR_PASSWORD)
  })

  it('a token request may narrow the granted details but not exceed them (RFC 9396 §6)', async () => {
    const { callback, state, verifier } = await authorize(
      harness,
      agent,
      { ...alice, authenticator },
      {
        acr_values: 'phr',
        prompt: 'login',
        authorization_details: JSON.stringify(TRANSFER),
      },
    )
    const params = oauth.validateAuthResponse(harness.as, client, callback, state)
    const larger = [
      { ...TRANSFER[0]!, transaction: { ...TRANSFER[0]!.transaction, amount: '10000.01' } },
    ]
    const response = await oauth.authorizationCodeGrantRequest(
      harness.as,
      client,
      oauth.None(),
      params,
      'http://localhost:8080/cb',
      verifier,
      {
        additionalParameters: { resource: RESOURCE, authorization_details: JSON.stringify(larger) },
        ...insecure,
      },
    )
    await expect(
      oauth.processAuthorizationCodeResponse(harness.as, client, response),
    ).rejects.toMatchObject({ error: 'invalid_authorization_details' })
  })

  it('cancelling the step-up returns access_denied', async () => {
    const { callback } = await authorize(
      harness,
      agent,
      { ...alice, authenticator, cancelAt: 'webauthn' },
      {
        acr_values: 'phr',
        prompt: 'login',
      },
    )
    expect(callback.searchParams.get('error')).toBe('access_denied')
  })
})

describe('invalid authorization_details (RFC 9396 §5)', () => {
  const invalid = [
    ['an unknown type', [{ type: 'payment_initiation', actions: ['initiate'] }]],
    [
      'a numeric amount',
      [{ ...TRANSFER[0]!, transaction: { ...TRANSFER[0]!.transaction, amount: 10000 } }],
    ],
    ['an unknown member', [{ ...TRANSFER[0]!, memo: 'x' }]],
    ['a missing transaction', [{ type: TRANSFER[0]!.type }]],
    ['an object instead of an array', TRANSFER[0]],
  ] as const

  it.each(invalid)('PAR rejects %s with invalid_authorization_details', async (_label, details) => {
    const response = await oauth.pushedAuthorizationRequest(
      harness.as,
      client,
      oauth.None(),
      {
        client_id: client.client_id,
        redirect_uri: 'http://localhost:8080/cb',
        response_type: 'code',
        scope: 'openid',
        code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
        code_challenge_method: 'S256',
        resource: RESOURCE,
        authorization_details: JSON.stringify(details),
      },
      insecure,
    )
    await expect(
      oauth.processPushedAuthorizationResponse(harness.as, client, response),
    ).rejects.toMatchObject({ error: 'invalid_authorization_details' })
  })

  it('the authorization endpoint redirects with invalid_authorization_details', async () => {
    const { callback } = await authorize(
      harness,
      new UserAgent(),
      alice,
      {
        authorization_details: JSON.stringify(invalid[1][1]),
      },
      { par: false },
    )
    expect(callback.searchParams.get('error')).toBe('invalid_authorization_details')
  })
})
