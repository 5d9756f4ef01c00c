import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ACR_MFA } from '../src/index.ts'
import { createSoftwareAuthenticator } from '../src/testing/software-authenticator.ts'
import {
  authorize,
  type Harness,
  signIn,
  startHarness,
  TOTP_SECRETS,
  UserAgent,
} from './harness.ts'

// A code check that takes a while, as a slower one would: two submissions of the same code are
// then both past the check before either records the code's time step.
vi.mock('../src/totp.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/totp.ts')>()
  return {
    ...actual,
    checkTotp: async (...args: Parameters<typeof actual.checkTotp>) => {
      const result = await actual.checkTotp(...args)
      await new Promise((resolve) => setTimeout(resolve, 50))
      return result
    },
  }
})

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(async () => {
  await harness?.close()
})

/** Sign in as grace with her password, up to the one-time code page. */
async function atCodePage(): Promise<{ agent: UserAgent; action: URL }> {
  const agent = new UserAgent()
  const url = new URL(harness.as.authorization_endpoint!)
  url.search = new URLSearchParams({
    client_id: 'test-client',
    redirect_uri: 'http://localhost:8080/cb',
    response_type: 'code',
    scope: 'openid',
    acr_values: ACR_MFA,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString()
  const first = await agent.follow(await agent.request(url), url, 'http://localhost:8080/cb')
  const login = /<form id="login-form" method="post" action="([^"]+)"/.exec(
    await first.response.text(),
  )
  const loginAction = new URL(login![1]!.replaceAll('&amp;', '&'), first.url)
  const posted = await agent.post(loginAction, { username: 'grace', password: 'grace-password' })
  const page = await agent.follow(posted, loginAction, 'http://localhost:8080/cb')
  const totp = /<form id="totp-form" method="post" action="([^"]+)"/.exec(
    await page.response.text(),
  )
  return { agent, action: new URL(totp![1]!.replaceAll('&amp;', '&'), page.url) }
}

describe('a one-time code is accepted once (RFC 6238 §5.2)', () => {
  it('of two concurrent submissions of the same code, exactly one is accepted', async () => {
    const [first, second] = await Promise.all([atCodePage(), atCodePage()])
    const code = await generate({ secret: TOTP_SECRETS['grace']! })
    const answers = await Promise.all([
      first.agent.post(first.action, { code }),
      second.agent.post(second.action, { code }),
    ])
    expect(answers.map((r) => r.status).sort()).toEqual([303, 401])
  })
})

describe('the security key step is throttled like the others', () => {
  it('a blocked account cannot step up with its key until the block ends', async () => {
    const agent = new UserAgent()
    const alice = { username: 'alice', password: 'wonderland', totp: harness.totp('alice') }
    await signIn(harness, agent, alice, { acr_values: ACR_MFA })
    const authenticator = createSoftwareAuthenticator()
    await agent.registerSecurityKey(harness.server.issuer, authenticator)
    for (let i = 0; i < 5; i++) {
      await expect(
        authorize(harness, new UserAgent(), { username: 'alice', password: 'guess' }),
      ).rejects.toThrow(/^401: /)
    }
    await expect(
      authorize(harness, agent, { ...alice, authenticator }, { acr_values: 'phr' }),
    ).rejects.toThrow('429: Too many attempts; try again later.')
  })
})
