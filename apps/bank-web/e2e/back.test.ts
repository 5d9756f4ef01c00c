/**
 * Back after a transfer confirmed by full-page redirect: the browser's history holds the sign-in
 * service's pages of that confirmation, and going Back to them must not show an error page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, RABBIT, startSignedInWithoutPopups } from './harness.ts'

describe('Back after a transfer', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startSignedInWithoutPopups('back')
  })
  afterAll(async () => {
    await h?.close()
  })

  it('never shows "Something went wrong" when the customer goes Back after a transfer', async () => {
    const { page, stack } = h
    await h.transfer(RABBIT, '10000')
    await page.click('#step-up-continue')
    await page.locator('#webauthn-start').waitFor()
    await h.holdKey()
    await page.click('#webauthn-start')
    await h.passNotices(page, page.waitForURL(`${stack.web}/`))
    await page.waitForURL(`${stack.web}/`)
    expect(await h.result()).toMatch(/^Sent \$10,000\.00 to White Rabbit Watches\./)
    await page.goBack()
    await page.waitForLoadState()
    await h.screenshot('back-after-transfer')
    expect(await page.textContent('body')).not.toMatch(/went wrong/i)
  })
})
