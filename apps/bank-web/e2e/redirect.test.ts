/**
 * When the browser blocks the confirmation window, the page itself goes to the sign-in service
 * and comes back: the form is kept across the trip, reload and Back are safe at every step, a
 * cancel there is told like a cancel in the app, and a network failure while resuming says to
 * check the history before retrying.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkingBalance,
  type Harness,
  PROTOCOL_WORDS,
  RABBIT,
  startSignedInWithoutPopups,
  usd,
  visibleText,
} from './harness.ts'

describe('the confirmation by full-page redirect (popup blocked)', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startSignedInWithoutPopups('redirect')
  })
  afterAll(async () => {
    await h?.close()
  })

  /** Use the key on the sign-in service's page; resolves back at the app. */
  const useKey = async () => {
    await h.page.click('#webauthn-start')
    await h.passNotices(h.page, h.page.waitForURL(`${h.stack.web}/`))
    await h.page.waitForURL(`${h.stack.web}/`)
  }

  /** Leave for the sign-in service from the confirmation panel; resolves on its key page. */
  const continueByRedirect = async () => {
    await h.page.click('#step-up-continue')
    await h.page.waitForURL(`${h.stack.as.issuer}/**`)
    await h.page.locator('#webauthn-start').waitFor()
  }

  it('keeps the form on reload while the confirmation is asked, and sends nothing', async () => {
    const { page } = h
    const before = await checkingBalance(page)
    await h.transfer(RABBIT, '1000')
    expect(await page.textContent('#step-up-reason')).toBe(
      'Confirm this $1,000.00 transfer with a passkey or security key.',
    )
    await h.screenshot('confirm-asked')
    await page.reload()
    await page.locator('#signed-in').waitFor()
    expect(await page.isVisible('#step-up')).toBe(false)
    expect(await page.inputValue('#payee')).toBe(RABBIT)
    expect(await page.inputValue('#amount')).toBe('1000')
    expect(await checkingBalance(page)).toBe(before)
    expect(await visibleText(page)).not.toMatch(/went wrong|failed|error/i)
  })

  it('comes back to the kept form when the customer goes Back from the sign-in service', async () => {
    const { page, stack } = h
    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
    await continueByRedirect()
    await h.screenshot('key-page')
    await page.goBack()
    await page.waitForURL(`${stack.web}/`)
    await page.locator('#signed-in').waitFor()
    expect(await page.inputValue('#payee')).toBe(RABBIT)
    expect(await page.inputValue('#amount')).toBe('1000')
    expect(await visibleText(page)).not.toMatch(/went wrong|failed|error/i)
    await h.screenshot('back-from-key-page')
  })

  it('tells a customer who cancels at the sign-in service that nothing was transferred, and keeps the form', async () => {
    const { page, stack } = h
    const before = await checkingBalance(page)
    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
    await continueByRedirect()
    await page.click('#cancel')
    await page.waitForURL(`${stack.web}/`)
    expect(await h.result()).toBe('You cancelled the confirmation. Nothing was transferred.')
    expect(await page.inputValue('#payee')).toBe(RABBIT)
    expect(await page.inputValue('#amount')).toBe('1000')
    expect(await checkingBalance(page)).toBe(before)
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('cancelled')
  })

  it('says to check the history before retrying when the bank cannot be reached on the way back', async () => {
    const { page, stack } = h
    const before = await checkingBalance(page)
    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
    await continueByRedirect()
    await h.holdKey()
    // The network to the bank goes down while the customer confirms.
    const api = `${new URL(stack.api.url).origin}/**`
    await page.route(api, (route) => route.abort('internetdisconnected'))
    await useKey()
    expect(await h.result()).toBe(
      'We could not reach the bank to finish the transfer you confirmed, so we cannot tell whether it went through. Check your history before retrying.',
    )
    // The kept payee still shows by name.
    expect(await page.locator('#payee option:checked').textContent()).toBe(
      'White Rabbit Watches (ACC-555123)',
    )
    // The history does not claim there were no transfers when it could not be read.
    expect(await page.isVisible('#history-empty')).toBe(false)
    expect(await page.textContent('#history-unavailable')).toBe(
      'We could not load your transfers just now. They will show again when the bank answers.',
    )
    expect(await visibleText(page)).not.toMatch(PROTOCOL_WORDS)
    await h.screenshot('network-failure')

    // Back online: the history shows that nothing went out; the form is still there.
    await page.unroute(api)
    await page.reload()
    expect(await checkingBalance(page)).toBe(before)
    await expect.poll(() => page.isVisible('#history-empty')).toBe(true)
    expect(await page.isVisible('#history-unavailable')).toBe(false)
    expect(await page.inputValue('#payee')).toBe(RABBIT)
    expect(await page.inputValue('#amount')).toBe('1000')
  })

  it('resumes the kept transfer after the confirmation, clears the form, and stays put on reload and Back', async () => {
    const { page, stack } = h
    const before = await checkingBalance(page)
    // $10,000 needs the key for this very transfer, whatever was confirmed before.
    await h.transfer(RABBIT, '10000')
    await continueByRedirect()
    // Reloading the sign-in service's page is harmless.
    await page.reload()
    await page.locator('#webauthn-start').waitFor()
    await h.holdKey()
    const callback = page.waitForRequest((request) =>
      request.url().startsWith(`${stack.web}/callback?`),
    )
    await useKey()
    const spent = (await callback).url()
    expect(await h.result()).toBe(
      `Sent $10,000.00 to White Rabbit Watches. Your new balance is ${usd(before - 10_000)}.`,
    )
    expect(await page.inputValue('#payee')).toBe('')
    expect(await page.inputValue('#amount')).toBe('')
    await expect
      .poll(() => page.locator('#history-table tbody tr').first().textContent())
      .toMatch(/White Rabbit Watches\$10,000\.00$/)
    await page.click('#explain summary')
    expect(await page.textContent('#step-up-mode')).toBe(
      'full-page redirect (the popup was blocked)',
    )
    expect(await page.textContent('#token-acr')).toBe('phrh')
    await h.screenshot('resumed')

    // Reload: the transfer is not sent again, no message comes back.
    await page.reload()
    await page.locator('#signed-in').waitFor()
    expect(await checkingBalance(page)).toBe(before - 10_000)
    expect(await page.isVisible('#result')).toBe(false)

    // The spent callback address, opened again, is ignored: no error, no second transfer.
    await page.goto(spent)
    await page.waitForURL(`${stack.web}/`)
    await page.locator('#signed-in').waitFor()
    expect(await checkingBalance(page)).toBe(before - 10_000)
    expect(await page.isVisible('#result')).toBe(false)
  })

  it('ran every page without a Content Security Policy violation', () => {
    expect(h.cspViolations).toEqual([])
  })
})
