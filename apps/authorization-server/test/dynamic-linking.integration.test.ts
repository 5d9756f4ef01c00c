import { authorizationDetailsDigest } from '@stepup/rar'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createSoftwareAuthenticator,
  type SoftwareAuthenticator,
} from '../src/testing/software-authenticator.ts'
import {
  authorize,
  client,
  type Harness,
  insecure,
  REDIRECT_URI,
  RESOURCE,
  refresh,
  signIn,
  startHarness,
  UserAgent,
} from './harness.ts'
import { enrolKey, openPage, textOf, visibleText } from './interaction-pages.ts'

const TYPE = 'urn:bank:params:oauth:request:transaction'
const transfer = (destination: string, amount = '10000.00', currency = 'USD') => [
  {
    type: TYPE,
    identifier: 'ACC-100001',
    transaction: { amount, currency, destination_account: destination },
  },
]
const TO_HATTER = transfer('ACC-987654')
const TO_RABBIT = transfer('ACC-555123')
const transactionParams = (details: unknown, extra: Record<string, string> = {}) => ({
  acr_values: 'phrh',
  max_age: '60',
  authorization_details: JSON.stringify(details),
  ...extra,
})

let harness: Harness
const alice = { username: 'alice', password: 'wonderland' }
let authenticator: SoftwareAuthenticator

function requestOptions(html: string): never {
  const match =
    /<script type="application\/json" id="webauthn-request-options">(.*?)<\/script>/s.exec(html)
  if (!match) throw new Error(`no security key page: ${html.slice(0, 300)}`)
  return JSON.parse(match[1]!) as never
}

async function postAssertion(agent: UserAgent, page: URL, assertion: unknown): Promise<Response> {
  return agent.post(new URL(`${page.pathname}/webauthn`, page), {
    credential: JSON.stringify(assertion),
  })
}

beforeAll(async () => {
  harness = await startHarness()
  authenticator = createSoftwareAuthenticator({ hardwareBound: true })
  await enrolKey(harness, 'alice', authenticator)
})
afterAll(async () => {
  await harness.close()
})

describe('the page where the key is used (PSD2 RTS Art. 5: the payer sees amount and payee)', () => {
  it('shows the payer, the payee by name and account, and the amount in its currency', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    const { html } = await openPage(harness, agent, transactionParams(TO_HATTER))
    expect(textOf(html, 'payer')).toBe('Alice, account ACC-100001')
    expect(textOf(html, 'payee')).toBe('Mad Hatter Tea Co., account ACC-987654')
    expect(textOf(html, 'amount')).toBe('$10,000.00')
    expect(html).toContain('id="transaction-summary"')
    expect(html).toContain('</strong> asks you to confirm a transfer.</p>')
    expect(textOf(html, 'key-kind')).toMatch(/need a hardware security key, because/)
  })

  it('an account the bank has no name for is shown with a warning to check it', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    const { html } = await openPage(
      harness,
      agent,
      transactionParams(transfer('ACC-100002', '0.5', 'EUR')),
    )
    expect(textOf(html, 'payee')).toBe(
      'Account ACC-100002 (we have no name for this account: check the number)',
    )
    expect(textOf(html, 'amount')).toBe('€0.50')
  })

  it('keeps every digit it was given: ¥1,000.5, never rounded', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    const { html } = await openPage(
      harness,
      agent,
      transactionParams(transfer('ACC-987654', '1000.5', 'JPY')),
    )
    expect(textOf(html, 'amount')).toBe('¥1,000.5')
  })

  it('no protocol words reach the customer', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    const { html } = await openPage(harness, agent, transactionParams(TO_HATTER))
    expect(visibleText(html)).not.toMatch(
      /phrh|\bphr\b|authorization_details|acr|unmet_authentication/,
    )
  })
})

describe('the challenge commits to the details (SHA-256 of a server nonce and their digest)', () => {
  it('an assertion made for details A is refused for details B, and A still accepts its own', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    const a = await openPage(harness, agent, transactionParams(TO_HATTER))
    const b = await openPage(harness, agent, transactionParams(TO_RABBIT))
    const forA = await authenticator.getAssertion(requestOptions(a.html), a.url.origin)
    const refused = await postAssertion(agent, b.url, forA)
    expect(refused.status).toBe(401)
    expect(await refused.text()).toContain('could not be verified')
    const accepted = await postAssertion(agent, a.url, forA)
    expect(accepted.status).toBe(303)
  })

  it('a challenge is good for one response: after a refused one, a valid assertion over it is refused too', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    const page = await openPage(harness, agent, transactionParams(TO_HATTER))
    const assertion = await authenticator.getAssertion(requestOptions(page.html), page.url.origin)
    expect((await postAssertion(agent, page.url, { id: 'nothing', response: {} })).status).toBe(401)
    expect((await postAssertion(agent, page.url, assertion)).status).toBe(401)
  })

  it('a replayed assertion is refused in a new authorization for the same details', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    const first = await openPage(harness, agent, transactionParams(TO_HATTER))
    const assertion = await authenticator.getAssertion(requestOptions(first.html), first.url.origin)
    expect((await postAssertion(agent, first.url, assertion)).status).toBe(303)
    const second = await openPage(harness, agent, transactionParams(TO_HATTER))
    expect((await postAssertion(agent, second.url, assertion)).status).toBe(401)
  })
})

describe('each transfer needs its own assertion', () => {
  it('a second payee within max_age, with a phrh session, asks for the key again', async () => {
    const agent = new UserAgent()
    const key = { ...alice, authenticator }
    const signedIn = await signIn(harness, agent, key, { acr_values: 'phrh', prompt: 'login' })
    expect(signedIn.accessToken.acr).toBe('phrh')
    const first = await signIn(harness, agent, key, transactionParams(TO_HATTER))
    const second = await signIn(harness, agent, key, transactionParams(TO_RABBIT))
    const again = await signIn(harness, agent, key, transactionParams(TO_HATTER))
    expect([first.steps, second.steps, again.steps]).toEqual([
      ['webauthn', 'consent'],
      ['webauthn', 'consent'],
      ['webauthn', 'consent'],
    ])
    // Without a transfer the same session still signs in silently.
    expect(
      (await signIn(harness, agent, key, { acr_values: 'phrh', max_age: '60' })).steps,
    ).toEqual([])
  })

  it('prompt=none cannot skip it: login_required', async () => {
    const agent = new UserAgent()
    const key = { ...alice, authenticator }
    await signIn(harness, agent, key, { acr_values: 'phrh', prompt: 'login' })
    const { callback } = await authorize(
      harness,
      agent,
      key,
      transactionParams(TO_HATTER, { prompt: 'none' }),
    )
    expect(callback.searchParams.get('error')).toBe('login_required')
  })

  it('a password-only request with a transfer asks for the key too (class met, transfer still confirmed)', async () => {
    const agent = new UserAgent()
    const result = await signIn(
      harness,
      agent,
      { ...alice, authenticator },
      {
        authorization_details: JSON.stringify(TO_HATTER),
      },
    )
    expect(result.steps).toEqual(['password', 'webauthn', 'consent'])
    expect(result.accessToken.authorization_details_digest).toBe(
      await authorizationDetailsDigest(TO_HATTER),
    )
  })
})

describe('authorization_details_digest in the access token', () => {
  it('equals authorizationDetailsDigest(authorization_details) after the assertion for them', async () => {
    const agent = new UserAgent()
    const result = await signIn(
      harness,
      agent,
      { ...alice, authenticator },
      transactionParams(TO_RABBIT),
    )
    const token = result.accessToken
    expect(token.authorization_details).toEqual(TO_RABBIT)
    expect(token.authorization_details_digest).toBe(
      await authorizationDetailsDigest(token.authorization_details as never),
    )
  })

  it('is absent without transaction details, after a refresh, and when the token narrows the details', async () => {
    const agent = new UserAgent()
    const key = { ...alice, authenticator }
    const plain = await signIn(harness, agent, key, { acr_values: 'phrh', prompt: 'login' })
    expect(plain.accessToken).not.toHaveProperty('authorization_details_digest')

    const bound = await signIn(harness, agent, key, transactionParams(TO_HATTER))
    expect(bound.accessToken).toHaveProperty('authorization_details_digest')
    const refreshed = await refresh(harness, bound.tokens.refresh_token!)
    const { payload } = await harness.verifyAccessToken(refreshed.access_token)
    expect(payload).not.toHaveProperty('authorization_details_digest')

    const { callback, state, nonce, verifier } = await authorize(
      harness,
      agent,
      key,
      transactionParams(TO_HATTER),
    )
    const smaller = transfer('ACC-987654', '9000.00')
    const response = await oauth.authorizationCodeGrantRequest(
      harness.as,
      client,
      oauth.None(),
      oauth.validateAuthResponse(harness.as, client, callback, state),
      REDIRECT_URI,
      verifier,
      {
        additionalParameters: {
          resource: RESOURCE,
          authorization_details: JSON.stringify(smaller),
        },
        ...insecure,
      },
    )
    const tokens = await oauth.processAuthorizationCodeResponse(harness.as, client, response, {
      expectedNonce: nonce,
    })
    const narrowed = await harness.verifyAccessToken(tokens.access_token)
    expect(narrowed.payload.authorization_details).toEqual(smaller)
    expect(narrowed.payload).not.toHaveProperty('authorization_details_digest')
  })
})
