/**
 * Sessions: the app renews the access token with the refresh token before it expires, and when
 * the sign-in service refuses the refresh token (here: revoked, as after a sign-out elsewhere or
 * by the bank) it signs out here and says so. Access tokens live 4 seconds in this stack, so a
 * renewal comes every 2 seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkingBalance, HATTER, type Harness, startHarness, usd } from './harness.ts'

const TOKEN_SECONDS = 4

/** The session's tokens as the app keeps them in this tab. */
interface Stored {
  readonly accessToken: string
  readonly refreshToken?: string
  readonly expiresAt?: number
}

describe('the session', () => {
  let h: Harness
  const stored = async () =>
    h.page.evaluate(() => JSON.parse(sessionStorage.getItem('bank.token') ?? 'null') as Stored)

  beforeAll(async () => {
    h = await startHarness('session', {
      authorizationServer: { accessTokenTtl: TOKEN_SECONDS },
    })
    await h.page.goto(h.stack.web)
    await h.signIn()
  })
  afterAll(async () => {
    await h?.close()
  })

  it('renews the access token with the refresh token before it expires, and keeps working', async () => {
    const { page } = h
    const first = await stored()
    expect(first.refreshToken).toMatch(/^[\w-]+$/)
    expect(first.expiresAt! - Date.now()).toBeLessThanOrEqual(TOKEN_SECONDS * 1000)
    // Renewed half-way through its lifetime, before it expires.
    await expect
      .poll(async () => (await stored()).accessToken, { timeout: TOKEN_SECONDS * 1000 })
      .not.toBe(first.accessToken)
    const renewed = await stored()
    expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt!)
    // Two lifetimes later the app still works, with no message.
    await expect
      .poll(async () => (await stored()).expiresAt, { timeout: TOKEN_SECONDS * 1000 })
      .toBeGreaterThan(first.expiresAt! + TOKEN_SECONDS * 1000)
    const before = await checkingBalance(page)
    await h.send(HATTER, '50')
    expect(await h.result()).toBe(
      `Sent $50.00 to Mad Hatter Tea Co. Your new balance is ${usd(before - 50)}.`,
    )
    await h.screenshot('renewed')
  })

  it('renews an expired access token before a call when its timer could not run (a sleeping tab)', async () => {
    const { page, stack } = h
    // The page's clock stands still: the renewal timer never fires, as in a suspended tab.
    const now = Date.now()
    await page.clock.install({ time: now })
    await page.clock.pauseAt(now)
    await page.reload()
    await page.locator('#accounts tbody tr').first().waitFor()
    const { accessToken, expiresAt } = await stored()
    // Then the tab wakes up after the token expired.
    await page.clock.setSystemTime(expiresAt! + 1000)
    const refused: string[] = []
    page.on('response', (response) => {
      const challenge = response.headers()['www-authenticate'] ?? ''
      if (response.url().startsWith(stack.api.url) && challenge.includes('invalid_token')) {
        refused.push(response.url())
      }
    })
    const before = await checkingBalance(page)
    await h.send(HATTER, '25')
    expect(await h.result()).toBe(
      `Sent $25.00 to Mad Hatter Tea Co. Your new balance is ${usd(before - 25)}.`,
    )
    // Renewed before the call: the API never saw the expired token.
    expect((await stored()).accessToken).not.toBe(accessToken)
    expect(refused).toEqual([])
    await page.clock.resume()
  })

  it('signs out here and says so when the refresh token is refused', async () => {
    const { page, stack } = h
    const { refreshToken } = await stored()
    const discovery = (await (
      await fetch(`${stack.as.issuer}/.well-known/openid-configuration`)
    ).json()) as { revocation_endpoint: string }
    const revoked = await fetch(discovery.revocation_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: refreshToken!,
        token_type_hint: 'refresh_token',
        client_id: 'bank-web',
      }),
    })
    expect(revoked.status).toBe(200)
    await page.locator('#sign-in').waitFor({ timeout: TOKEN_SECONDS * 1000 })
    expect(await h.result()).toBe('Your session ended — sign in again.')
    expect(await page.isVisible('#signed-in')).toBe(false)
    expect(await page.isVisible('#sign-out')).toBe(false)
    expect(await page.evaluate(() => sessionStorage.getItem('bank.token'))).toBeNull()
    await h.screenshot('session-ended')
  })
})
