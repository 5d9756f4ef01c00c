import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSoftwareAuthenticator } from '../src/testing/software-authenticator.ts'
import { type Harness, signIn, startHarness, TRANSFER, UserAgent } from './harness.ts'
import { enrolKey, openPage, textOf, visibleText } from './interaction-pages.ts'

let harness: Harness
const aliceKey = createSoftwareAuthenticator({ hardwareBound: true })
beforeAll(async () => {
  harness = await startHarness()
  await enrolKey(harness, 'alice', aliceKey)
  await enrolKey(harness, 'carol', createSoftwareAuthenticator({ hardwareBound: false }))
})
afterAll(async () => {
  await harness.close()
})

const alice = { username: 'alice', password: 'wonderland' }
const carol = { username: 'carol', password: 'carol-password' }
const bankCss = readFileSync(createRequire(import.meta.url).resolve('bank-theme/bank.css'))

/** The WebAuthn request options a key page carries. */
function requestOptions(html: string): { hints?: string[] } {
  return JSON.parse(/id="webauthn-request-options">(.*?)<\/script>/s.exec(html)![1]!)
}

/** The one-time code page: the password form of an `urn:stepup:acr:mfa` request, submitted. */
async function totpPage(): Promise<string> {
  const agent = new UserAgent()
  const opened = await openPage(harness, agent, { acr_values: 'urn:stepup:acr:mfa' })
  const action = /<form id="login-form" method="post" action="([^"]+)"/.exec(opened.html)
  return (await agent.post(new URL(action![1]!, opened.url), alice)).text()
}

/** The consent page after the key confirmed a transfer. */
async function consentPage(): Promise<string> {
  const agent = new UserAgent()
  await signIn(harness, agent, alice)
  const page = await openPage(harness, agent, {
    acr_values: 'phrh',
    authorization_details: JSON.stringify(TRANSFER),
  })
  const options = /id="webauthn-request-options">(.*?)<\/script>/s.exec(page.html)![1]!
  const assertion = await aliceKey.getAssertion(JSON.parse(options), page.url.origin)
  const target = new URL(`${page.url.pathname}/webauthn`, page.url)
  const posted = await agent.post(target, { credential: JSON.stringify(assertion) })
  const { response } = await agent.follow(posted, target, 'http://localhost:8080/cb')
  return response.text()
}

/** Every page the sign-in steps show, for the checks that hold for all of them. */
async function everyPage(): Promise<Record<string, string>> {
  const key = new UserAgent()
  await signIn(harness, key, alice)
  const none = new UserAgent()
  await signIn(harness, none, { username: 'bob', password: 'builder' })
  const failure = await fetch(`${harness.server.issuer}/interaction/unknown-uid`)
  return {
    password: (await openPage(harness, new UserAgent(), {})).html,
    totp: await totpPage(),
    key: (
      await openPage(harness, key, {
        acr_values: 'phrh',
        authorization_details: JSON.stringify(TRANSFER),
      })
    ).html,
    noKey: (await openPage(harness, none, { acr_values: 'phr' })).html,
    consent: await consentPage(),
    failure: await failure.text(),
    providerError: await (
      await fetch(`${harness.server.issuer}/auth?client_id=nobody&response_type=code`)
    ).text(),
  }
}

describe('the stylesheet and script are files of this server', () => {
  it('/assets/bank.css is bank-theme/bank.css as text/css with a year-long cache', async () => {
    const response = await fetch(`${harness.server.issuer}/assets/bank.css`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bankCss)
    const again = await fetch(`${harness.server.issuer}/assets/bank.css`, {
      headers: { 'if-none-match': response.headers.get('etag')! },
    })
    expect(again.status).toBe(304)
  })

  it('/assets/webauthn.js is JavaScript with the same cache; other methods get 405', async () => {
    const response = await fetch(`${harness.server.issuer}/assets/webauthn.js`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await response.text()).toContain("getElementById('webauthn-start')")
    // From this site's own origin (any other Origin is refused first, with a 403 page).
    const post = await fetch(`${harness.server.issuer}/assets/webauthn.js`, {
      method: 'POST',
      headers: { origin: new URL(harness.server.issuer).origin },
    })
    expect(post.status).toBe(405)
  })
})

describe('sign-in pages look like the bank and run under a strict CSP', () => {
  it('every page links /assets/bank.css and has no inline script code, style element or attribute', async () => {
    const pages = await everyPage()
    expect(Object.keys(pages)).toEqual([
      'password',
      'totp',
      'key',
      'noKey',
      'consent',
      'failure',
      'providerError',
    ])
    for (const [name, html] of Object.entries(pages)) {
      expect({
        name,
        css: /<link rel="stylesheet" href="\/assets\/bank\.css\?v=[0-9a-f]{16}">/.test(html),
      }).toEqual({ name, css: true })
      expect({ name, style: /<style|\sstyle=/i.test(html) }).toEqual({ name, style: false })
      const inline = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].filter(
        ([, attributes, code]) =>
          !/type="application\/json"/.test(attributes!) && code!.trim().length > 0,
      )
      expect({ name, inline }).toEqual({ name, inline: [] })
    }
    expect(pages['key']).toMatch(
      /<script src="\/assets\/webauthn\.js\?v=[0-9a-f]{16}" defer><\/script>/,
    )
  })

  it('a page answers with a CSP that allows only files of this origin for scripts and styles', async () => {
    const response = await fetch(`${harness.server.issuer}/interaction/unknown-uid`)
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toMatch(/script-src 'self'(;|$)/)
    expect(csp).toMatch(/style-src 'self'(;|$)/)
  })
})

describe('plain words for the customer', () => {
  it('no page says phr, phrh, authorization_details or unmet_authentication_requirements', async () => {
    const pages = await everyPage()
    for (const [name, html] of Object.entries(pages)) {
      const words = visibleText(html).match(
        /\bphrh?\b|authorization_details|unmet_authentication_requirements|acr_values/g,
      )
      expect({ name, words }).toEqual({ name, words: null })
    }
  })

  it('the consent page shows the transfer and what the application may do, in words', async () => {
    const html = await consentPage()
    expect(html).toContain('<h1>Approve this transfer</h1>')
    expect(textOf(html, 'payee')).toBe('Mad Hatter Tea Co., account ACC-987654')
    expect(textOf(html, 'amount')).toBe('$10,000.00')
    expect(textOf(html, 'scopes')).toBe(
      'Know who you areSee your accounts and balancesMake transfers from your accounts',
    )
  })

  it('an error the application cannot be told of is explained, its code kept for support', async () => {
    const response = await fetch(
      `${harness.server.issuer}/auth?client_id=nobody&response_type=code`,
    )
    const html = await response.text()
    expect(response.status).toBe(400)
    expect(html).toContain('data-error="invalid_client"')
    expect(textOf(html, 'error')).toBe(
      'The application sent a sign-in request this bank cannot accept.',
    )
  })

  it('where a passkey will do, the page offers one', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, carol)
    const { html } = await openPage(harness, agent, { acr_values: 'phr', prompt: 'login' })
    expect(html).toContain('id="webauthn-start"')
    expect(textOf(html, 'key-kind')).toBe(
      'You can use a passkey saved on your phone or computer, or a security key.',
    )
    expect(html).toContain('>Use passkey or security key</button>')
    expect(requestOptions(html).hints).toEqual(['client-device', 'hybrid', 'security-key'])
  })

  it('a large transfer says in one sentence why it needs a hardware security key', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, alice)
    const { html } = await openPage(harness, agent, {
      acr_values: 'phrh',
      authorization_details: JSON.stringify(TRANSFER),
    })
    expect(textOf(html, 'key-kind')).toBe(
      'Large transfers like this one need a hardware security key, because its secret never leaves the key, while a synced passkey is copied to every device signed in to your account.',
    )
    expect(requestOptions(html).hints).toEqual(['security-key'])
  })

  it('without a usable key: says so, links to the security key page, and offers Cancel', async () => {
    const agent = new UserAgent()
    await signIn(harness, agent, carol)
    const { html, url } = await openPage(harness, agent, {
      acr_values: 'phrh',
      authorization_details: JSON.stringify(TRANSFER),
    })
    expect(textOf(html, 'no-usable-key')).toBe(
      'This transfer needs a hardware security key. Your account only has passkeys that sync between devices, which are not enough here.',
    )
    expect(html).toMatch(/<a class="button" id="add-security-key" href="\/account\/security"/)
    expect(html).toContain(`<form id="cancel-form" method="post" action="${url.pathname}/abort">`)
    expect(html).toContain('name="cancel" value="no-key">Cancel and go back</button>')
    expect(html).not.toContain('id="webauthn-form"')
    const cancelled = await agent.post(new URL(`${url.pathname}/abort`, url), { cancel: 'no-key' })
    const { url: callback } = await agent.follow(
      cancelled,
      new URL(`${url.pathname}/abort`, url),
      'http://localhost:8080/cb',
    )
    expect(callback.searchParams.get('error')).toBe('access_denied')
    expect(callback.searchParams.get('error_description')).toBe(
      'End-User has no security key that meets this request',
    )
  })
})
