/**
 * The outcomes that end without money moving, each in plain words: a customer with no security
 * key (told so, with a link to add one), and a confirmation that expired before the transfer
 * reached the bank. The key confirmation counts 2 seconds here (the bank API's limits), so the
 * expiry takes a slow network of 3 seconds.
 */
import type { Request as BrowserRequest } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BOB,
  checkingBalance,
  HATTER,
  type Harness,
  PROTOCOL_WORDS,
  startHarness,
  visibleText,
} from './harness.ts'

/** The `acr` of the access token a request carries (decoded for the test, not verified). */
const tokenAcr = (request: BrowserRequest): unknown => {
  const token = (request.headers()['authorization'] ?? '').split(' ')[1] ?? ''
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).acr
  } catch {
    return undefined
  }
}

/** How long a key confirmation counts for $10,000 here (seconds). */
const KEY_MAX_AGE = 2

describe('transfers that do not go through', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness('outcomes', { bankApi: { limits: { phrhMaxAge: KEY_MAX_AGE } } })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('tells a customer without a security key that $10,000 needs one, with a link to add it', async () => {
    const { page, stack } = h
    await page.goto(stack.web)
    await h.signIn(BOB)
    const before = await checkingBalance(page)
    await h.transfer(HATTER, '10000')
    const popup = await h.continueInPopup()
    // The sign-in service says so in the confirmation window, with the way to add a key.
    await popup.locator('#no-usable-key').waitFor()
    expect(await popup.textContent('#no-usable-key')).toBe(
      'This transfer needs a hardware security key. Your account has none yet.',
    )
    expect(
      new URL((await popup.getAttribute('#add-security-key', 'href'))!, stack.as.issuer).href,
    ).toBe(`${stack.as.issuer}/account/security`)
    expect(await visibleText(popup)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('no-key-popup', popup)
    const closed = popup.waitForEvent('close')
    await popup.click('#cancel')
    await closed
    // Back in the app, the same in its words, with the way to add a key.
    expect(await h.result()).toBe(
      'This transfer needs a hardware security key, and your account has none that can confirm it. Nothing was transferred. Add a security key, then send the transfer again. Add a security key',
    )
    expect(await page.getAttribute('#add-key', 'href')).toBe(`${stack.as.issuer}/account/security`)
    expect(await checkingBalance(page)).toBe(before)
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('no-key')
  })

  it('says the confirmation expired when it is too old by the time the transfer is sent', async () => {
    const { page, stack } = h
    await h.forgetBrowser()
    await h.signIn()
    await h.registerKey()
    await page.goto(stack.web)
    const before = await checkingBalance(page)
    await h.transfer(HATTER, '10000')
    // The network is slow: the confirmed transfer reaches the bank after the confirmation
    // stopped counting.
    await page.route(`${stack.api.url}/accounts/*/transfers`, async (route) => {
      if (route.request().method() === 'POST' && tokenAcr(route.request()) === 'phrh') {
        await new Promise((resolve) => setTimeout(resolve, (KEY_MAX_AGE + 1) * 1000))
      }
      await route.continue()
    })
    const popup = await h.continueInPopup()
    await h.confirmInPopup(popup)
    expect(await h.result()).toBe(
      'Your confirmation expired before the transfer was sent. Nothing was transferred. Send it again and confirm it straight away.',
    )
    expect(await checkingBalance(page)).toBe(before)
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('expired')
  })

  it('ran every page without a Content Security Policy violation', () => {
    expect(h.cspViolations).toEqual([])
  })
})
