import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWebStack, type WebStack } from '../server/stack.ts'

const CHROMIUM = '/usr/bin/chromium'
const output = fileURLToPath(new URL('../test-output/', import.meta.url))
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

describe('bank-web in Chromium with a virtual WebAuthn security key', () => {
  let stack: WebStack
  let context: BrowserContext
  let page: Page
  let profile: string
  let shot = 0
  const screenshot = async (name: string) => {
    shot++
    await page.screenshot({
      path: join(output, `${String(shot).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    })
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `The browser tests need Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium (or run node scripts/preflight.mjs --install as root).`,
      )
    }
    await mkdir(output, { recursive: true })
    stack = await startWebStack({ web: 'preview', outDir: join(output, 'dist') })
    profile = await mkdtemp(join(tmpdir(), 'bank-web-e2e-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1100, height: 900 },
    })
    page = context.pages()[0] ?? (await context.newPage())
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    })
  })

  afterAll(async () => {
    await context?.close()
    await stack?.close()
    if (profile) await rm(profile, { recursive: true, force: true })
  })

  it('signs in, registers a key, reads the balance, and steps up for a $10,000 transfer', async () => {
    await page.goto(stack.web)
    await page.locator('#sign-in').waitFor()
    await screenshot('signed-out')

    // Sign in with the password at the authorization server.
    await page.click('#sign-in')
    await page.waitForURL(`${stack.as.issuer}/**`)
    await page.fill('#username', 'alice')
    await page.fill('#password', 'wonderland')
    await screenshot('password')
    await page.click('#login-form #submit')
    await page.waitForURL(`${stack.web}/`)
    await expect.poll(() => page.textContent('#balance')).toBe('$25,000.00')
    expect(await page.textContent('#token-acr')).toBe('urn:stepup:acr:pwd')
    await screenshot('signed-in-balance')

    // Register the security key (the virtual authenticator) at the authorization server.
    await page.click('#register-key')
    await page.waitForURL(`${stack.as.issuer}/account/security`)
    await page.click('#webauthn-start')
    const registered = page.locator('#registration-result')
    await registered.waitFor()
    expect(await registered.getAttribute('data-hardware-bound')).toBe('true')
    await screenshot('key-registered')

    // Back in the app: the balance needs nothing more.
    await page.goto(stack.web)
    await expect.poll(() => page.textContent('#balance')).toBe('$25,000.00')

    // $10,000: the API asks for a step-up; the app explains why.
    await page.fill('#destination', 'ACC-987654')
    await page.fill('#amount', '10000.00')
    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
    expect(await page.textContent('#step-up-reason')).toBe(
      'Confirm this $10,000.00 transfer with your security key.',
    )
    const challenge = await page.textContent('#challenge')
    expect(challenge).toContain('HTTP 401')
    expect(challenge).toContain(
      'WWW-Authenticate: Bearer realm="bank", error="insufficient_user_authentication"',
    )
    expect(challenge).toContain('acr_values="phrh", max_age="60"')
    await screenshot('step-up-explained')

    // The authorization server asks for the security key, then consent to the transfer.
    await page.click('#step-up-continue')
    await page.waitForURL(`${stack.as.issuer}/**`)
    await page.locator('#webauthn-start').waitFor()
    await screenshot('security-key')
    await page.click('#webauthn-start')
    await page.locator('#consent-form').waitFor()
    expect(await page.textContent('#transaction-summary')).toContain('ACC-987654')
    await screenshot('consent')
    await page.click('#approve')

    // Back in the app, the transfer resumes and succeeds with the new token.
    await page.waitForURL(`${stack.web}/`)
    await expect
      .poll(() => page.textContent('#result'))
      .toBe('Transferred $10,000.00 to ACC-987654. New balance $15,000.00.')
    expect(await page.textContent('#token-acr')).toBe('phrh')
    expect(await page.textContent('#token-amr')).toBe('["hwk","user","mfa"]')
    expect(await page.textContent('#token-details')).toContain('"amount": "10000.00"')
    expect(await page.textContent('#authorization-request')).toContain('acr_values = phrh')
    await expect.poll(() => page.textContent('#balance')).toBe('$15,000.00')
    await screenshot('transfer-done')
  })

  it('tells a user who cancels the step-up that nothing was transferred', async () => {
    await page.fill('#destination', 'ACC-555123')
    await page.fill('#amount', '10000.00')
    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
    expect(await page.textContent('#step-up-reason')).toBe('Confirm this $10,000.00 transfer.')
    expect(await page.textContent('#step-up-detail')).toContain(
      'insufficient_authorization_details',
    )
    await page.click('#step-up-cancel')
    await expect
      .poll(() => page.textContent('#result'))
      .toBe('You cancelled the confirmation. Nothing was transferred.')

    // Cancelling at the authorization server ends the same way.
    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
    await page.click('#step-up-continue')
    await page.waitForURL(`${stack.as.issuer}/**`)
    await page.locator('#cancel').waitFor()
    await page.click('#cancel')
    await page.waitForURL(`${stack.web}/`)
    await expect
      .poll(() => page.textContent('#result'))
      .toBe('You cancelled the confirmation. Nothing was transferred.')
    await expect.poll(() => page.textContent('#balance')).toBe('$15,000.00')
    await screenshot('cancelled')
  })
})
