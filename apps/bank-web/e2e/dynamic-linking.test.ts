/**
 * Dynamic linking at the API (PSD2 RTS Art. 5(1)(c)-(d)): the key confirms one transfer, and a
 * transfer changed after that confirmation — here lowered on its way to the API, still a large
 * transfer to the same payee — is refused (401) and moves nothing.
 */
import type { Request as BrowserRequest } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkingBalance, HATTER, type Harness, startHarness } from './harness.ts'

/** The claims of the access token a request carries (decoded for the test, not verified). */
const tokenClaims = (request: BrowserRequest): Record<string, unknown> => {
  const token = (request.headers()['authorization'] ?? '').split(' ')[1] ?? ''
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    return {}
  }
}

describe('a transfer changed after its confirmation', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness('linking')
    await h.page.goto(h.stack.web)
  })
  afterAll(async () => {
    await h?.close()
  })

  it('refuses at the API a transfer changed after the customer confirmed it, and moves nothing', async () => {
    const { page, stack } = h
    await page.goto(stack.web)
    await h.signIn()
    await h.registerKey()
    await page.goto(stack.web)
    const before = await checkingBalance(page)

    // Someone between the app and the API lowers the confirmed $15,000.00 to $12,000.00 once the
    // key confirmed it: still a large transfer to the same payee, but not the one confirmed.
    const tampered: number[] = []
    await page.route(`${stack.api.url}/accounts/*/transfers`, async (route) => {
      const request = route.request()
      if (request.method() !== 'POST' || tokenClaims(request)['acr'] !== 'phrh') {
        return route.continue()
      }
      const body = JSON.parse(request.postData() ?? '{}')
      body.authorization_details[0].transaction.amount = '12000.00'
      const response = await route.fetch({ postData: JSON.stringify(body) })
      tampered.push(response.status())
      return route.fulfill({ response })
    })
    await h.transfer(HATTER, '15000')
    const popup = await h.continueInPopup()
    await h.confirmInPopup(popup)
    await expect.poll(() => tampered.length).toBeGreaterThan(0)
    expect(tampered[0]).toBe(401)
    await page.unroute(`${stack.api.url}/accounts/*/transfers`)
    await page.goto(stack.web)
    expect(await checkingBalance(page)).toBe(before)
    expect(await page.textContent('#history-empty')).toBe('No transfers yet.')
  })
})
