/**
 * The customer's story in Chromium: sign in, add a security key, send $10,000 to a payee with the
 * key in a popup without leaving the page, a second payee within the minute (the key again, on a
 * page that shows the amount and the payee), cancelling, a forged message from another origin,
 * Back and reload after success, a spent callback address, and signing out for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ALICE,
  checkingBalance,
  HATTER,
  type Harness,
  PROTOCOL_WORDS,
  RABBIT,
  startHarness,
  usd,
  visibleText,
} from './harness.ts'

/** What `@stepup/client/browser`'s callback page posts to the app that opened the popup. */
const CALLBACK_MESSAGE = '@stepup/client:authorization-response'

describe('the customer’s story', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness('story')
  })
  afterAll(async () => {
    await h?.close()
  })

  /** Forget this browser's session and the sign-in server's cookie: the next sign-in is fresh. */
  const signInFresh = async () => {
    await h.forgetBrowser()
    await h.signIn()
  }

  it('signs in, adds a security key and sends $10,000 to a payee with it, in a popup, without leaving the page', async () => {
    const { page, stack } = h
    await page.goto(stack.web)
    await page.locator('#sign-in').waitFor()
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('signed-out')

    await h.signIn(ALICE, 'password')
    await expect.poll(() => page.textContent('#balance')).toBe('$25,000.00')
    // The form starts empty: no amount chosen for the customer, no payee.
    expect(await page.inputValue('#amount')).toBe('')
    expect(await page.inputValue('#payee')).toBe('')
    expect(await page.textContent('#amount-currency')).toBe('(USD)')
    expect(await page.textContent('#limits')).toMatch(
      /From \$10,000\.00 it asks for a hardware security key.*Smaller amounts accept a passkey\./s,
    )
    // The payee book: the bank's payees, then the customer's other account.
    await expect.poll(() => page.locator('#payee option').count()).toBe(4)
    const options = await page.locator('#payee option').allTextContents()
    expect(options.slice(0, 3)).toEqual([
      'Choose a payee',
      'Mad Hatter Tea Co. (ACC-987654)',
      'White Rabbit Watches (ACC-555123)',
    ])
    expect(options[3]).toMatch(/^Savings \(ACC-\d+\)$/)
    expect(await page.textContent('#history-empty')).toBe('No transfers yet.')
    // The protocol panel is there, closed.
    expect(await page.locator('#explain').getAttribute('open')).toBeNull()
    expect(await page.isVisible('#challenge')).toBe(false)
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('signed-in')

    await h.registerKey('key-added')

    await page.goto(stack.web)
    await expect.poll(() => page.textContent('#balance')).toBe('$25,000.00')
    await page.evaluate(() => {
      window.__bankPageId = 'loaded once'
    })

    await h.transfer(HATTER, '10,000')
    expect(await page.textContent('#step-up-reason')).toBe(
      'Confirm this $10,000.00 transfer with your security key.',
    )
    expect(await page.textContent('#step-up-amount')).toBe('$10,000.00')
    expect(await page.textContent('#step-up-payee')).toBe('Mad Hatter Tea Co. (ACC-987654)')
    expect(await page.textContent('#step-up-source')).toMatch(/^Checking \(ACC-\d+\)$/)
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('confirm-asked')

    const popup = await h.continueInPopup()
    await h.screenshot('page-while-confirming')
    await h.confirmInPopup(popup, 'popup')

    expect(await h.result()).toBe(
      'Sent $10,000.00 to Mad Hatter Tea Co. Your new balance is $15,000.00.',
    )
    expect(await page.evaluate(() => window.__bankPageId)).toBe('loaded once')
    expect(page.url()).toBe(`${stack.web}/`)
    await expect.poll(() => page.textContent('#balance')).toBe('$15,000.00')
    await expect
      .poll(() => page.locator('#history-table tbody tr').first().textContent())
      .toMatch(/Mad Hatter Tea Co\.\$10,000\.00$/)
    // The form is cleared after the transfer went through.
    expect(await page.inputValue('#amount')).toBe('')
    expect(await page.inputValue('#payee')).toBe('')
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('sent')

    // "Show what happened" opens the protocol panel.
    await page.click('#explain summary')
    expect(await page.textContent('#step-up-mode')).toBe('popup (this page stayed loaded)')
    expect(await page.textContent('#token-acr')).toBe('phrh')
    expect(await page.textContent('#token-type')).toMatch(/^DPoP, bound to this browser's key/)
    expect(await page.textContent('#challenge')).toContain(
      'error="insufficient_user_authentication"',
    )
    expect(await page.textContent('#authorization-request')).toContain('acr_values = phrh')
    await h.screenshot('what-happened')
    await page.click('#explain summary')
  })

  it('keeps the page as it was on reload and Back after a transfer, and ignores a spent callback address', async () => {
    const { page, stack } = h
    await page.reload()
    await expect.poll(() => page.textContent('#balance')).toBe('$15,000.00')
    expect(await page.isVisible('#result')).toBe(false)

    // A callback address that was already used (or made up) is ignored: no error, no transfer.
    await page.goto(
      `${stack.web}/callback?code=spent-code&state=spent-state&iss=${stack.as.issuer}`,
    )
    await page.waitForURL(`${stack.web}/`)
    await expect.poll(() => page.textContent('#balance')).toBe('$15,000.00')
    expect(await page.isVisible('#result')).toBe(false)
    expect(await visibleText(page)).not.toMatch(/went wrong|failed|error/i)

    // Back returns to the page before, which is the bank, not an error.
    await page.goBack()
    await page.waitForURL(`${stack.web}/`)
    await expect.poll(() => page.textContent('#balance')).toBe('$15,000.00')
    expect(await visibleText(page)).not.toMatch(/went wrong|failed|error/i)
    await h.screenshot('after-back')
  })

  it('tells a customer who cancels, in the app or in the confirmation window, that nothing was transferred', async () => {
    const { page, context, stack } = h
    // A fresh page, whatever the test before left open.
    for (const other of context.pages()) if (other !== page) await other.close()
    await page.goto(stack.web)
    await page.locator('#signed-in').waitFor()
    const before = await page.textContent('#balance')
    await h.transfer(RABBIT, '10000')
    await page.click('#step-up-cancel')
    expect(await h.result()).toBe('You cancelled the confirmation. Nothing was transferred.')
    expect(await page.isVisible('#step-up')).toBe(false)
    // The form is still filled in, to try again.
    expect(await page.inputValue('#payee')).toBe(RABBIT)
    expect(await page.inputValue('#amount')).toBe('10000')
    await h.screenshot('cancelled-in-app')

    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
    const popup = await h.continueInPopup()
    await popup.locator('#cancel').waitFor()
    await h.screenshot('cancel-in-popup', popup)
    const closed = popup.waitForEvent('close')
    await popup.click('#cancel')
    await closed
    expect(await h.result()).toBe('You cancelled the confirmation. Nothing was transferred.')
    expect(await page.textContent('#balance')).toBe(before)
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('cancelled')
  })

  it('asks for the key again for a second payee within the minute, on a page that shows the amount and the payee', async () => {
    const { page } = h
    const before = await checkingBalance(page)
    await h.transfer(RABBIT, '10000')
    expect(await page.textContent('#step-up-payee')).toBe('White Rabbit Watches (ACC-555123)')
    const popup = await h.continueInPopup()
    await h.holdKey(popup)
    await popup.locator('#webauthn-start, #consent-form').first().waitFor()
    await h.screenshot('second-payee-popup', popup)
    // The key is asked for again: one confirmation covers one transfer.
    expect(await popup.locator('#webauthn-start').count()).toBe(1)
    // The page where the key is used shows what it confirms: the amount, the payee by name and
    // account, and the account the money leaves.
    const shown = (await popup.textContent('body')) ?? ''
    const checking = (await page.locator('#accounts tbody tr td').nth(1).textContent()) ?? ''
    expect(checking).toMatch(/^ACC-\d+$/)
    expect(shown).toContain(checking)
    expect(shown).toContain('$10,000.00')
    expect(shown).toContain('White Rabbit Watches')
    expect(shown).toContain(RABBIT)
    expect(shown).not.toContain('Mad Hatter')
    const closed = popup.waitForEvent('close')
    await popup.click('#webauthn-start')
    await h.passNotices(popup, closed)
    await closed
    expect(await h.result()).toBe(
      `Sent $10,000.00 to White Rabbit Watches. Your new balance is ${usd(before - 10_000)}.`,
    )
    await h.screenshot('second-payee-sent')
  })

  it('ignores an authorization response posted to the app from another origin, and finishes with the real one', async () => {
    const { page, stack } = h
    await signInFresh()
    const before = await checkingBalance(page)
    await page.evaluate(() => {
      window.__bankPageId = 'loaded once'
      window.__messages = []
      window.addEventListener('message', (event) => window.__messages?.push(event.origin))
    })
    await h.transfer(HATTER, '1000')
    const pushed = page.waitForRequest(
      (request) => request.method() === 'POST' && request.url().endsWith('/request'),
    )
    const popup = await h.continueInPopup()
    const state = new URLSearchParams((await pushed).postData() ?? '').get('state')
    expect(state).toMatch(/^[\w-]+$/)
    await h.holdKey(popup)
    await popup.locator('#webauthn-start').waitFor()

    // A page of another origin (here the sign-in server's, in the popup) posts a forged response
    // with that state and a code of its own, as the callback page would.
    await popup.evaluate(({ type, url }) => window.opener.postMessage({ type, url }, '*'), {
      type: CALLBACK_MESSAGE,
      url: `${stack.web}/callback?code=forged&state=${state}`,
    })
    await expect.poll(() => page.evaluate(() => window.__messages)).toEqual([stack.as.issuer])
    expect(await page.textContent('#result')).toBe('Confirm in the bank’s sign-in window…')
    expect(popup.isClosed()).toBe(false)

    // $1,000 needs a passkey or key and no approval of the details: the popup closes after it.
    const closed = popup.waitForEvent('close')
    await popup.click('#webauthn-start')
    await h.passNotices(popup, closed)
    await closed
    expect(await h.result()).toBe(
      `Sent $1,000.00 to Mad Hatter Tea Co. Your new balance is ${usd(before - 1000)}.`,
    )
    expect(await page.evaluate(() => window.__messages)).toEqual([stack.as.issuer, stack.web])
    expect(await page.evaluate(() => window.__bankPageId)).toBe('loaded once')
  })

  it('signs out of the bank and of the sign-in service: signing in again asks for the password', async () => {
    const { page, stack } = h
    await page.click('#sign-out')
    // The sign-in service asks before it ends its own session (RP-Initiated Logout).
    await page.locator('#logout-confirm').waitFor()
    await h.screenshot('sign-out-asked')
    await page.click('#logout-confirm')
    await page.waitForURL(`${stack.web}/`)
    await page.locator('#sign-in').waitFor()
    expect(await h.result()).toBe('You have signed out.')
    expect(await page.evaluate(() => sessionStorage.getItem('bank.token'))).toBeNull()
    await h.screenshot('signed-out-again')

    await page.click('#sign-in')
    await page.waitForURL(`${stack.as.issuer}/**`)
    await page.locator('#password').waitFor()
    await h.screenshot('password-asked-again')
    await page.fill('#username', ALICE.username)
    await page.fill('#password', ALICE.password)
    await page.click('#login-form #submit')
    await page.waitForURL(`${stack.web}/`)
    await page.locator('#signed-in').waitFor()
  })

  it('ran every page of the story without a Content Security Policy violation', () => {
    expect(h.cspViolations).toEqual([])
  })
})
