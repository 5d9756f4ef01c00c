import { type RedisServer, startRedisServer } from '@stepup/internal/redis-server'
import * as oauth from 'oauth4webapi'
import { generate } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACR_MFA, type AuthorizationServer, createAuthorizationServer } from '../src/index.ts'
import {
  createSoftwareAuthenticator,
  type SoftwareAuthenticator,
} from '../src/testing/software-authenticator.ts'
import {
  authorizationUrl,
  authorize,
  client,
  type Harness,
  harnessFor,
  insecure,
  REDIRECT_URI,
  RESOURCE,
  refresh,
  signIn,
  UserAgent,
} from './harness.ts'

const TOTP: Record<string, string> = {
  erin: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  frank: 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U',
  gina: 'ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU',
  jack: 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU',
}
const POST_LOGOUT = 'http://localhost:8080/'
const REFUSED =
  'That username and password did not work. Check them and try again; after several tries, wait a few minutes first.'

/** A server with its own users, in the shape the shared harness helpers take. */
async function start(
  extra: Partial<Parameters<typeof createAuthorizationServer>[0]> = {},
): Promise<Harness> {
  const server = await createAuthorizationServer({
    resource: RESOURCE,
    users: [
      { username: 'bob', password: 'bob-password' },
      { username: 'carol', password: 'carol-password' },
      { username: 'dave', password: 'dave-password' },
      { username: 'erin', password: 'erin-password', totp: TOTP['erin']! },
      { username: 'frank', password: 'frank-password', totp: TOTP['frank']! },
      { username: 'gina', password: 'gina-password', totp: TOTP['gina']! },
      { username: 'hank', password: 'hank-password' },
      { username: 'ivy', password: 'ivy-password' },
      { username: 'jack', password: 'jack-password', totp: TOTP['jack']! },
      { username: 'lena', password: 'lena-password' },
    ],
    clients: [
      {
        client_id: client.client_id,
        client_name: 'Test bank',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
        post_logout_redirect_uris: [POST_LOGOUT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: 'dpop-web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        dpop_bound_access_tokens: true,
      },
    ],
    lockout: { addressAttempts: 1000 },
    ...extra,
  })
  return harnessFor(server, TOTP)
}

let harness: Harness
let server: AuthorizationServer
beforeAll(async () => {
  harness = await start()
  server = harness.server
})
afterAll(async () => {
  await harness.close()
})

const user = (name: string) => ({ username: name, password: `${name}-password` })
const code = (name: string): string => server.enrolmentCodes.get(name)!.code

async function page(agent: UserAgent, path: string): Promise<{ status: number; html: string }> {
  const response = await agent.request(`${server.issuer}${path}`)
  return { status: response.status, html: await response.text() }
}

async function post(
  agent: UserAgent,
  path: string,
  form: Record<string, string>,
): Promise<{ status: number; html: string }> {
  const response = await agent.post(`${server.issuer}${path}`, form)
  return { status: response.status, html: await response.text() }
}

/** A TOTP sign-in (class urn:stepup:acr:mfa); each user's codes are single-use, so one per user. */
const withTotp = (name: string) => ({ ...user(name), totp: harness.totp(name) })

/** The key ids listed on the security page, in order. */
const listed = (html: string): string[] =>
  [...html.matchAll(/<tr data-credential-id="([^"]+)"/g)].map((m) => m[1]!)

async function register(
  agent: UserAgent,
  key: SoftwareAuthenticator,
  options: { enrolmentCode?: string; nickname?: string } = {},
): Promise<string> {
  const html = await agent.registerSecurityKey(server.issuer, key, options)
  return /data-credential-id="([^"]+)" data-hardware-bound/.exec(html)![1]!
}

describe('adding a security key: the sign-in must be at least as strong as the keys enrolled', () => {
  const carolKey = createSoftwareAuthenticator({ hardwareBound: true })

  it('a password-only sign-in cannot add a first key: no ceremony offered, a posted one refused', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, user('bob'))
    const security = await page(agent, '/account/security')
    expect(security.status).toBe(200)
    expect(security.html).not.toContain('webauthn-creation-options')
    expect(security.html).toContain('id="enrolment-code-form"')
    expect(security.html).toContain(`data-required-acr="${ACR_MFA}"`)
    const forged = await post(agent, '/account/security/webauthn', {
      nickname: 'Attacker key',
      credential: JSON.stringify({ id: 'x', response: {} }),
    })
    expect(forged.status).toBe(403)
    await expect(
      agent.registerSecurityKey(server.issuer, createSoftwareAuthenticator()),
    ).rejects.toThrow('no registration offered')
    expect(server.store.findByUsername('bob')!.credentials).toEqual([])
  })

  it('password + TOTP adds the first key', async () => {
    const agent = new UserAgent()
    const result = await signIn(harness, agent, withTotp('erin'), { acr_values: ACR_MFA })
    expect(result.accessToken.acr).toBe(ACR_MFA)
    const id = await register(agent, createSoftwareAuthenticator({ hardwareBound: true }))
    expect(server.store.findByUsername('erin')!.credentials.map((c) => c.id)).toEqual([id])
  })

  it('a password sign-in and the one-time enrolment code add the first key', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, user('carol'))
    await register(agent, carolKey, { enrolmentCode: code('carol') })
    expect(server.store.findByUsername('carol')!.credentials).toHaveLength(1)
  })

  it('an enrolment code works once, and only for its own account', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, user('dave'))
    const wrongAccount = await post(agent, '/account/security/enrolment-code', {
      code: code('hank'),
    })
    expect(wrongAccount.status).toBe(401)
    const first = await post(agent, '/account/security/enrolment-code', { code: code('dave') })
    expect(first.status).toBe(200)
    expect(first.html).toContain('webauthn-creation-options')
    const otherSession = new UserAgent()
    await signIn(harness, otherSession, user('dave'))
    const reused = await post(otherSession, '/account/security/enrolment-code', {
      code: code('dave'),
    })
    expect(reused.status).toBe(401)
    expect(reused.html).toContain('That enrolment code is not valid.')
  })

  it('codes are issued at start for seeded users without a key, valid enrolmentCodeTtl (expiry: enrolment.test.ts)', async () => {
    const before = Date.now()
    const other = await start({ enrolmentCodeTtl: 120 })
    const after = Date.now()
    try {
      expect([...other.server.enrolmentCodes.keys()]).toEqual([
        'bob',
        'carol',
        'dave',
        'erin',
        'frank',
        'gina',
        'hank',
        'ivy',
        'jack',
        'lena',
      ])
      const { expiresAt } = other.server.enrolmentCodes.get('ivy')!
      expect(expiresAt).toBeGreaterThanOrEqual(before + 120_000)
      expect(expiresAt).toBeLessThanOrEqual(after + 120_000)
      const fresh = other.server.issueEnrolmentCode('ivy')
      expect(other.server.enrolmentCodes.get('ivy')).toBe(fresh)
      expect(() => other.server.issueEnrolmentCode('nobody')).toThrow('no user "nobody"')
    } finally {
      await other.close()
    }
  })

  it('with a hardware key enrolled, a second key needs a hardware-key sign-in: TOTP is not enough', async () => {
    const agent = new UserAgent()
    const first = createSoftwareAuthenticator({ hardwareBound: true })
    await signIn(harness, agent, withTotp('frank'), { acr_values: ACR_MFA })
    await register(agent, first, { nickname: 'Desk key' })

    // The same TOTP session that added the first key cannot add a second one.
    const totpSession = agent
    const refused = await page(totpSession, '/account/security')
    expect(refused.html).not.toContain('webauthn-creation-options')
    expect(refused.html).toContain('data-required-acr="phrh"')
    await expect(
      totpSession.registerSecurityKey(server.issuer, createSoftwareAuthenticator()),
    ).rejects.toThrow('no registration offered')

    const strong = new UserAgent()
    await signIn(
      harness,
      strong,
      { ...user('frank'), authenticator: first },
      { acr_values: 'phrh' },
    )
    await register(strong, createSoftwareAuthenticator({ hardwareBound: true }), {
      nickname: 'Travel key',
    })
    expect(server.store.findByUsername('frank')!.credentials.map((c) => c.nickname)).toEqual([
      'Desk key',
      'Travel key',
    ])
  })

  it('a synced passkey sign-in adds keys while only synced ones are enrolled, not once a hardware key is', async () => {
    const synced = createSoftwareAuthenticator({ hardwareBound: false })
    const first = new UserAgent()
    await signIn(harness, first, withTotp('gina'), { acr_values: ACR_MFA })
    await register(first, synced)
    const phr = new UserAgent()
    await signIn(harness, phr, { ...user('gina'), authenticator: synced }, { acr_values: 'phr' })
    await register(phr, createSoftwareAuthenticator({ hardwareBound: true }))
    expect(server.store.findByUsername('gina')!.credentials.map((c) => c.hardwareBound)).toEqual([
      false,
      true,
    ])
    const again = new UserAgent()
    await signIn(harness, again, { ...user('gina'), authenticator: synced }, { acr_values: 'phr' })
    const refused = await page(again, '/account/security')
    expect(refused.html).toContain('data-required-acr="phrh"')
    await expect(
      again.registerSecurityKey(server.issuer, createSoftwareAuthenticator()),
    ).rejects.toThrow('no registration offered')
  })

  it('the security page can raise a password session with an enrolled hardware key', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, user('carol'))
    const before = await page(agent, '/account/security')
    expect(before.html).not.toContain('webauthn-creation-options')
    const options = JSON.parse(
      /<script type="application\/json" id="webauthn-request-options">(.*?)<\/script>/s.exec(
        before.html,
      )![1]!,
    )
    const assertion = await carolKey.getAssertion(options, new URL(server.issuer).origin)
    const confirmed = await post(agent, '/account/security/confirm', {
      credential: JSON.stringify(assertion),
    })
    expect(confirmed.status).toBe(200)
    expect(confirmed.html).toContain('webauthn-creation-options')
    await register(agent, createSoftwareAuthenticator({ hardwareBound: true }))
    expect(server.store.findByUsername('carol')!.credentials).toHaveLength(2)
  })

  it('a confirmation that does not verify does not raise the session', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, user('carol'))
    await page(agent, '/account/security')
    const forged = await post(agent, '/account/security/confirm', {
      credential: JSON.stringify({ id: 'not-a-key', response: {} }),
    })
    expect(forged.status).toBe(401)
    expect(forged.html).not.toContain('webauthn-creation-options')
  })
})

describe('the security page: list, rename, remove', () => {
  const desk = createSoftwareAuthenticator({ hardwareBound: true })
  let owner: UserAgent
  let deskId: string
  let spareId: string
  let firstNotices: string[]

  beforeAll(async () => {
    owner = new UserAgent()
    await signIn(harness, owner, user('hank'))
    deskId = await register(owner, desk, { enrolmentCode: code('hank'), nickname: 'Desk key' })
    const strong = new UserAgent()
    ;({ notices: firstNotices } = await authorize(
      harness,
      strong,
      { ...user('hank'), authenticator: desk },
      { acr_values: 'phrh' },
    ))
    spareId = await register(strong, createSoftwareAuthenticator({ hardwareBound: true }), {
      nickname: 'Spare key',
    })
  })

  it('lists every key with its name', async () => {
    const security = await page(owner, '/account/security')
    expect(listed(security.html)).toEqual([deskId, spareId])
    expect(security.html).toContain('Desk key')
    expect(security.html).toContain('Spare key')
  })

  it('renames a key', async () => {
    const renamed = await post(owner, '/account/security/credentials/rename', {
      id: spareId,
      nickname: 'Drawer key',
    })
    expect(renamed.status).toBe(200)
    expect(server.store.findByUsername('hank')!.credentials[1]!.nickname).toBe('Drawer key')
  })

  it('shows the changes since the last sign-in once, then never again', async () => {
    const agent = new UserAgent()
    const first = await authorize(harness, agent, user('hank'), { prompt: 'login' })
    expect(first.notices).toEqual([
      expect.stringMatching(
        /^A security key named “Spare key” was added on \d{1,2} December 2026 at \d\d:\d\d UTC\. If this wasn't you, remove it/,
      ),
      expect.stringMatching(
        /^A security key was renamed from “Spare key” to “Drawer key” on .* UTC\./,
      ),
    ])
    const second = await authorize(harness, agent, user('hank'), { prompt: 'login' })
    expect(second.notices).toEqual([])
    expect(second.callback.searchParams.get('code')).toBeTruthy()
    expect(server.store.findByUsername('hank')!.securityEvents!.every((e) => e.seen)).toBe(true)
  })

  it('removing a hardware key needs a hardware-key sign-in; with one, the last key can go too', async () => {
    const passwordOnly = new UserAgent()
    await signIn(harness, passwordOnly, user('hank'))
    const refused = await post(passwordOnly, '/account/security/credentials/remove', {
      id: spareId,
    })
    expect(refused.status).toBe(403)
    expect(refused.html).toContain('data-required-acr="phrh"')
    expect(server.store.findByUsername('hank')!.credentials).toHaveLength(2)

    const strong = new UserAgent()
    await signIn(harness, strong, { ...user('hank'), authenticator: desk }, { acr_values: 'phrh' })
    const removed = await post(strong, '/account/security/credentials/remove', { id: spareId })
    expect(removed.status).toBe(200)
    expect(listed(removed.html)).toEqual([deskId])
    const refusedLast = await post(passwordOnly, '/account/security/credentials/remove', {
      id: deskId,
    })
    expect(refusedLast.status).toBe(403)
    const last = await post(strong, '/account/security/credentials/remove', { id: deskId })
    expect(last.status).toBe(200)
    expect(server.store.findByUsername('hank')!.credentials).toEqual([])
  })

  it('the first sign-in after the code and the first key showed both', async () => {
    expect(firstNotices).toEqual([
      expect.stringMatching(
        /^Your one-time enrolment code was used on .* UTC to allow adding a first security key\. If this wasn't you/,
      ),
      expect.stringMatching(/^A security key named “Desk key” was added on .* UTC\./),
    ])
  })

  it('removals are shown at the next sign-in', async () => {
    const { notices } = await authorize(harness, new UserAgent(), user('hank'))
    expect(notices).toEqual([
      expect.stringMatching(/^The security key named “Drawer key” was removed on/),
      expect.stringMatching(/^The security key named “Desk key” was removed on/),
    ])
  })
})

/** Start an authorization and return the login form's action and the agent at it. */
async function loginForm(): Promise<{ agent: UserAgent; action: URL }> {
  const agent = new UserAgent()
  const { url } = await authorizationUrl(harness, { scope: 'openid' })
  const { response, url: at } = await agent.follow(await agent.request(url), url, REDIRECT_URI)
  const html = await response.text()
  const action = /<form id="login-form" method="post" action="([^"]+)"/.exec(html)![1]!
  return { agent, action: new URL(action.replaceAll('&amp;', '&'), at) }
}

/** Post a password step and return its status and page, with per-request values blanked. */
async function attempt(username: string, password: string) {
  const { agent, action } = await loginForm()
  const response = await agent.post(action, { username, password })
  const html = (await response.text())
    .replaceAll(action.pathname.split('/')[2]!, 'UID')
    .replace(/nonce="[^"]*"/g, 'nonce=""')
    .replace(/nonce-[A-Za-z0-9+/=]+/g, 'nonce-')
  return { status: response.status, retryAfter: response.headers.get('retry-after'), html }
}

describe('lockout without username enumeration', () => {
  it('an unknown username, a wrong password and a blocked account get the same answer', async () => {
    const unknown = await attempt('nobody-here', 'guess')
    const wrong = await attempt('ivy', 'guess')
    expect(unknown.status).toBe(401)
    expect(wrong).toEqual(unknown)
    expect(unknown.html).toContain(REFUSED)
    for (let i = 0; i < 4; i++) await attempt('ivy', 'guess')
    // Blocked now: even the right password gets exactly the wrong-password answer.
    expect(await attempt('ivy', 'ivy-password')).toEqual(unknown)
    for (let i = 0; i < 5; i++) await attempt('nobody-here', 'guess')
    expect(await attempt('nobody-here', 'guess')).toEqual(unknown)
  })

  it('records a block on the account, shown at its next sign-in', async () => {
    const events = server.store.findByUsername('ivy')!.securityEvents ?? []
    expect(events.map((e) => e.type)).toContain('account-locked')
  })
})

/** Fire `wrong` wrong passwords for `username` at once, then the right one, in one burst. */
async function burst(username: string, password: string, wrong: number) {
  const { agent, action } = await loginForm()
  const guesses = Array.from({ length: wrong }, () =>
    agent.post(action, { username, password: 'guess' }),
  )
  const right = agent.post(action, { username, password })
  const [answer, ...others] = await Promise.all([right, ...guesses])
  return { right: { status: answer!.status, html: await answer!.text() }, others }
}

describe('the throttle counts an attempt before checking its secret', () => {
  it('a burst of wrong passwords past the limit, then the right one: the right one is refused', async () => {
    const { right, others } = await burst('lena', 'lena-password', 40)
    expect(right.status).toBe(401)
    expect(right.html).toContain(REFUSED)
    expect(others.map((r) => r.status)).toEqual(others.map(() => 401))
  })
})

/** A 6-digit code that is not valid for `secret` within two steps of now. */
async function wrongCode(username: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const near = await Promise.all(
    [-60, -30, 0, 30, 60].map((d) => generate({ secret: TOTP[username]!, epoch: now + d })),
  )
  return ['000000', '111111', '222222', '333333', '444444'].find((c) => !near.includes(c))!
}

/** Sign in as `username` with the right password, up to the one-time code page. */
async function atCodePage(username: string): Promise<{ agent: UserAgent; action: URL }> {
  const agent = new UserAgent()
  const { url } = await authorizationUrl(harness, { scope: 'openid', acr_values: ACR_MFA })
  const first = await agent.follow(await agent.request(url), url, REDIRECT_URI)
  const login = /<form id="login-form" method="post" action="([^"]+)"/.exec(
    await first.response.text(),
  )
  const loginAction = new URL(login![1]!.replaceAll('&amp;', '&'), first.url)
  const posted = await agent.post(loginAction, user(username))
  const page = await agent.follow(posted, loginAction, REDIRECT_URI)
  const totp = /<form id="totp-form" method="post" action="([^"]+)"/.exec(
    await page.response.text(),
  )
  return { agent, action: new URL(totp![1]!.replaceAll('&amp;', '&'), page.url) }
}

describe('the second factor is throttled across right passwords', () => {
  it('rounds of a right password and wrong codes block the account after accountAttempts failures in all', async () => {
    const wrong = await wrongCode('jack')
    const statuses: number[] = []
    for (let round = 0; round < 3; round++) {
      const { agent, action } = await atCodePage('jack')
      for (let i = 0; i < 2; i++) statuses.push((await agent.post(action, { code: wrong })).status)
    }
    // Five failures (the default accountAttempts) block the account: the sixth code is refused
    // unchecked, and so is the right password.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429])
    expect((await attempt('jack', 'jack-password')).html).toContain(REFUSED)
    const events = server.store.findByUsername('jack')!.securityEvents ?? []
    expect(events.map((e) => e.type)).toContain('account-locked')
  })
})

describe('security headers (helmet) and Origin checks', () => {
  it('every response carries the CSP, anti-framing and nosniff headers, and no COOP same-origin', async () => {
    for (const path of [
      '/.well-known/openid-configuration',
      '/jwks',
      '/no-such-page',
      '/account/security',
      '/session/end',
    ]) {
      const response = await fetch(`${server.issuer}${path}`)
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("style-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("form-action 'self' http://localhost:8080")
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('same-origin')
      expect(response.headers.get('cross-origin-opener-policy')).toBe('unsafe-none')
    }
  })

  it('a form POST with a foreign or missing Origin gets a 403 page; the issuer passes', async () => {
    const { agent, action } = await loginForm()
    const foreign = await agent.post(action, user('bob'), 'http://evil.example')
    expect(foreign.status).toBe(403)
    const missing = await agent.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(user('bob')),
    })
    expect(missing.status).toBe(403)
    const own = await agent.post(action, user('bob'))
    expect(own.status).toBe(303)
    for (const path of [
      '/account/security/credentials/rename',
      '/session/end/confirm',
      '/session/end/confirm/',
      '/SESSION/END/CONFIRM',
      '/Session/End/Confirm/',
      '/device',
    ]) {
      const response = await agent.post(`${server.issuer}${path}`, {}, 'http://localhost:8080')
      expect(response.status).toBe(403)
      expect(await response.text()).toContain('This form was not sent from this site.')
    }
  })

  it("the provider's API endpoints take POSTs from other origins, in any letter case", async () => {
    for (const path of ['/token', '/token/', '/TOKEN', '/request', '/token/revocation', '/me']) {
      const response = await fetch(`${server.issuer}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://localhost:8080',
        },
        body: new URLSearchParams({ client_id: client.client_id }),
      })
      expect({ path, status: response.status }).not.toEqual({ path, status: 403 })
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    }
  })
})

describe('sessions: RP-initiated logout and refresh tokens', () => {
  it('logout (with a confirmation page) ends the session: the next sign-in asks for the password', async () => {
    const agent = new UserAgent()
    const first = await signIn(harness, agent, user('bob'))
    const idToken = first.tokens.id_token!
    expect(harness.as.end_session_endpoint).toBe(server.endSessionEndpoint)
    // While signed in, a new authorization needs no password.
    expect((await authorize(harness, agent, user('bob'))).steps).toEqual([])

    const endSession = new URL(server.endSessionEndpoint)
    endSession.search = new URLSearchParams({
      id_token_hint: idToken,
      post_logout_redirect_uri: POST_LOGOUT,
      state: 'bye',
    }).toString()
    const confirmPage = await agent.request(endSession)
    expect(confirmPage.status).toBe(200)
    const html = await confirmPage.text()
    expect(html).toContain('id="logout-confirm"')
    expect(html).toContain('Test bank')
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!
    const done = await agent.post(`${server.issuer}/session/end/confirm`, {
      xsrf,
      logout: 'yes',
    })
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe(`${POST_LOGOUT}?state=bye`)

    expect((await page(agent, '/account/security')).status).toBe(401)
    expect((await authorize(harness, agent, user('bob'))).steps).toEqual(['password'])
    // The grant ended with the session: its refresh token no longer works.
    await expect(refresh(harness, first.tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
  })

  it('a post_logout_redirect_uri that is not registered is refused', async () => {
    const agent = new UserAgent()
    const { tokens } = await signIn(harness, agent, user('bob'))
    const endSession = new URL(server.endSessionEndpoint)
    endSession.search = new URLSearchParams({
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://evil.example/',
    }).toString()
    const response = await agent.request(endSession)
    expect(response.status).toBe(400)
  })

  it('a DPoP-bound public client gets a refresh token and refreshes with its DPoP key', async () => {
    const dpopClient: oauth.Client = { client_id: 'dpop-web' }
    const keyPair = await oauth.generateKeyPair('ES256')
    const dpop = oauth.DPoP(dpopClient, keyPair)
    const agent = new UserAgent()
    const { url, verifier } = await authorizationUrl(
      harness,
      { scope: 'openid accounts:read' },
      dpopClient,
    )
    const { callback } = await agent.authorize(url, REDIRECT_URI, user('bob'))
    const params = oauth.validateAuthResponse(harness.as, dpopClient, callback)
    /** Run a token request, once more after a use_dpop_nonce answer (RFC 9449 §8). */
    const withNonceRetry = async <T>(run: () => Promise<T>): Promise<T> => {
      try {
        return await run()
      } catch (error) {
        if (!oauth.isDPoPNonceError(error)) throw error
        return run()
      }
    }
    const tokens = await withNonceRetry(async () =>
      oauth.processAuthorizationCodeResponse(
        harness.as,
        dpopClient,
        await oauth.authorizationCodeGrantRequest(
          harness.as,
          dpopClient,
          oauth.None(),
          params,
          REDIRECT_URI,
          verifier,
          { DPoP: dpop, additionalParameters: { resource: RESOURCE }, ...insecure },
        ),
      ),
    )
    expect(tokens.token_type.toLowerCase()).toBe('dpop')
    expect(tokens.refresh_token).toBeTruthy()
    const refreshed = await withNonceRetry(async () =>
      oauth.processRefreshTokenResponse(
        harness.as,
        dpopClient,
        await oauth.refreshTokenGrantRequest(
          harness.as,
          dpopClient,
          oauth.None(),
          tokens.refresh_token!,
          { DPoP: dpop, additionalParameters: { resource: RESOURCE }, ...insecure },
        ),
      ),
    )
    expect(refreshed.access_token).not.toBe(tokens.access_token)
    // Without the DPoP key the refresh token is useless.
    const stolen = await oauth.refreshTokenGrantRequest(
      harness.as,
      dpopClient,
      oauth.None(),
      tokens.refresh_token!,
      { additionalParameters: { resource: RESOURCE }, ...insecure },
    )
    expect(stolen.status).toBe(400)
  })

  it('token and session lifetimes are options: the access token lives accessTokenTtl', async () => {
    const short = await start({ accessTokenTtl: 42 })
    try {
      const { accessToken } = await signIn(short, new UserAgent(), user('bob'))
      expect(accessToken.exp! - accessToken.iat!).toBe(42)
    } finally {
      await short.close()
    }
    await expect(createAuthorizationServer({ resource: RESOURCE, sessionTtl: 0 })).rejects.toThrow(
      'options.sessionTtl must be a positive integer (seconds)',
    )
  })
})

describe('the throttle on Redis, shared by two servers', () => {
  let redis: RedisServer
  let first: Harness
  let second: Harness
  beforeAll(async () => {
    redis = await startRedisServer()
    const shared = { redisUrl: redis.url, lockout: { accountAttempts: 3, addressAttempts: 1000 } }
    first = await start(shared)
    second = await start(shared)
  })
  afterAll(async () => {
    await first?.close()
    await second?.close()
    await redis?.remove()
  })

  const attemptAt = async (h: Harness, username: string, password: string) => {
    const saved = harness
    harness = h
    try {
      return await attempt(username, password)
    } finally {
      harness = saved
    }
  }

  it('failures on one server block the account on the other', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await attemptAt(first, 'bob', 'guess')).status).toBe(401)
    }
    const blocked = await attemptAt(second, 'bob', 'bob-password')
    expect(blocked.status).toBe(401)
    expect(blocked.html).toContain(REFUSED)
    expect((await attemptAt(second, 'carol', 'carol-password')).status).toBe(303)
  })

  it('a burst of wrong passwords past the limit, then the right one: refused on Redis too', async () => {
    const saved = harness
    harness = first
    try {
      const { right } = await burst('dave', 'dave-password', 10)
      expect(right.status).toBe(401)
      expect(right.html).toContain(REFUSED)
    } finally {
      harness = saved
    }
  })

  it('while Redis is down, sign-in answers 503 "try again shortly" and never lets anyone in', async () => {
    await redis.stop()
    const down = await attemptAt(first, 'carol', 'carol-password')
    expect(down.status).toBe(503)
    expect(down.retryAfter).toBe('5')
    expect(down.html).toContain('Try again shortly.')
    // A server started while Redis is down starts anyway and answers the same.
    const late = await start({ redisUrl: redis.url })
    try {
      const refused = await attemptAt(late, 'carol', 'carol-password')
      expect(refused.status).toBe(503)
    } finally {
      await late.close()
    }
    await redis.restart()
  })
})
