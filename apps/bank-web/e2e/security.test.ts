/**
 * What keeps the bank safe, seen from a browser: security headers on the web app, the sign-in
 * server and the API; someone who knows only the password cannot add their own key; and wrong
 * passwords are answered the same way for real and unknown usernames, also once the throttle
 * starts (the last test: it leaves this stack's sign-in throttled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALICE, type Harness, startHarness } from './harness.ts'

describe('security seen from the browser', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness('security')
    await h.page.goto(h.stack.web)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('sends security headers from the web app, the sign-in server and the API', async () => {
    const { page, stack } = h
    const web = await fetch(`${stack.web}/`)
    const csp = web.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toMatch(/connect-src [^;]*'self'/)
    expect(web.headers.get('x-frame-options')).toBe('DENY')
    expect(web.headers.get('x-content-type-options')).toBe('nosniff')

    // The sign-in page, as the browser gets it.
    const signInPage = page.waitForResponse(
      (response) =>
        response.url().startsWith(stack.as.issuer) &&
        response.request().resourceType() === 'document' &&
        response.status() === 200,
    )
    await page.click('#sign-in')
    const asHeaders = (await signInPage).headers()
    await page.locator('#login-form').waitFor()
    expect(asHeaders['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(asHeaders['content-security-policy']).not.toContain("'unsafe-inline'")
    expect(asHeaders['x-frame-options']).toBe('DENY')
    expect(asHeaders['x-content-type-options']).toBe('nosniff')
    expect(asHeaders['cache-control']).toContain('no-store')
    // The shared stylesheet is served by the sign-in server and used by its pages.
    const css = await fetch(`${stack.as.issuer}/assets/bank.css`)
    expect(css.status).toBe(200)
    expect(css.headers.get('content-type')).toMatch(/^text\/css/)
    expect(await page.locator('link[rel="stylesheet"][href^="/assets/bank.css"]').count()).toBe(1)
    await h.screenshot('sign-in-page')

    // The API: every answer, errors included, is no-store, with helmet's headers.
    for (const path of ['/accounts', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${stack.api.url}${path}`)
      await response.arrayBuffer()
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
    }
    expect((await fetch(`${stack.api.url}/accounts`)).status).toBe(401)
  })

  it('does not let someone who knows only the password add their own security key', async () => {
    const { page, stack } = h
    await page.goto(stack.web)
    await h.signIn()
    await h.registerKey()
    const credentials = () => stack.as.store.findByUsername(ALICE.username)?.credentials.length
    const enrolled = credentials()
    expect(enrolled).toBe(1)
    // The attacker's browser: no cookie of the customer, no key of the customer.
    await h.forgetBrowser()
    await h.clearKeys()
    await h.signIn()
    await page.goto(`${stack.as.issuer}/account/security`)
    await h.screenshot('attacker-security-page')
    // Whatever the page offers, the attacker's key cannot get in.
    await page
      .click('#webauthn-start', { timeout: 3000 })
      .then(() => page.waitForLoadState())
      .catch(() => undefined)
    await h.screenshot('attacker-tried')
    expect(await page.locator('#registration-result').count()).toBe(0)
    expect(credentials()).toBe(enrolled)
  })

  it('answers wrong passwords the same way for a real and an unknown username, also once throttled', async () => {
    const { page, stack } = h
    await h.forgetBrowser()
    await page.click('#sign-in')
    await page.waitForURL(`${stack.as.issuer}/**`)
    const attempt = async (username: string) => {
      await page.locator('#login-form').waitFor()
      await page.fill('#username', username)
      await page.fill('#password', 'not-the-password')
      await page.click('#login-form #submit')
      await page.locator('#error').waitFor()
      return page.textContent('#error')
    }
    const real: (string | null)[] = []
    const unknown: (string | null)[] = []
    for (let i = 0; i < 8; i++) {
      real.push(await attempt(ALICE.username))
      unknown.push(await attempt('mad-march-hare'))
    }
    expect(unknown).toEqual(real)
    // The throttle did start: now even the right password is answered like a wrong one.
    await page.fill('#username', ALICE.username)
    await page.fill('#password', ALICE.password)
    await page.click('#login-form #submit')
    await page.locator('#error').waitFor()
    expect(await page.textContent('#error')).toBe(real.at(-1))
    expect(page.url().startsWith(stack.as.issuer)).toBe(true)
    await h.screenshot('throttled')
  })
})
