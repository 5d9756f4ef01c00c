import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core'
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
const AUTHENTICATOR = {
  protocol: 'ctap2',
  transport: 'usb',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
} as const
/** What `@stepup/client/browser`'s callback page posts to the app that opened the popup. */
const CALLBACK_MESSAGE = '@stepup/client:authorization-response'

declare global {
  interface Window {
    /** Set by the test: still there later only if the page was never reloaded. */
    __bankPageId?: string
    /** Origins of the messages this page received, recorded by the test. */
    __messages?: string[]
  }
}

/** A WebAuthn credential as the CDP WebAuthn domain reads and writes it. */
interface Credential {
  readonly credentialId: string
  readonly rpId: string
  readonly privateKey: string
  readonly signCount: number
  readonly isResidentCredential: boolean
  readonly userHandle?: string
}

describe('bank-web in Chromium with a virtual WebAuthn security key', () => {
  let stack: WebStack
  let context: BrowserContext
  let page: Page
  let pageCdp: CDPSession
  let pageAuthenticator: string
  let profile: string
  let shot = 0
  /** The security key registered at the authorization server, to put in each window's authenticator. */
  let key: Credential | undefined
  /** Signature counter handed out with each copy of the key: always higher than any used so far. */
  let signCount = 0

  const screenshot = async (name: string, target: Page = page) => {
    shot++
    await target.screenshot({
      path: join(output, `${String(shot).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    })
  }

  /**
   * Give `target` (the page, or a popup: virtual authenticators belong to one window) the
   * registered security key, with a signature counter above every one the server saw.
   */
  const holdKey = async (target: Page): Promise<void> => {
    let cdp = pageCdp
    let authenticatorId = pageAuthenticator
    if (target !== page) {
      cdp = await context.newCDPSession(target)
      await cdp.send('WebAuthn.enable')
      ;({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: AUTHENTICATOR,
      }))
    }
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId })
    signCount += 1000
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: { ...key!, signCount },
    })
  }

  /** Sign in with the password at the authorization server (a full-page redirect and back). */
  const signInWithPassword = async (shoot = false) => {
    await page.click('#sign-in')
    await page.waitForURL(`${stack.as.issuer}/**`)
    await page.fill('#username', 'alice')
    await page.fill('#password', 'wonderland')
    if (shoot) await screenshot('password')
    await page.click('#login-form #submit')
    await page.waitForURL(`${stack.web}/`)
    await page.locator('#signed-in').waitFor()
  }

  /** Sign out of the app and of the authorization server, then sign in with the password only. */
  const signInAgain = async () => {
    await context.clearCookies()
    await page.click('#sign-out')
    await page.locator('#sign-in').waitFor()
    await signInWithPassword()
    expect(await page.textContent('#token-acr')).toBe('urn:stepup:acr:pwd')
  }

  const transfer = async (destination: string, amount: string) => {
    await page.fill('#destination', destination)
    await page.fill('#amount', amount)
    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
  }

  /** Continue in the app: the step-up popup opens; resolves it. */
  const continueInPopup = async (): Promise<Page> => {
    const opened = page.waitForEvent('popup')
    await page.click('#step-up-continue')
    return opened
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
    pageCdp = await context.newCDPSession(page)
    await pageCdp.send('WebAuthn.enable')
    ;({ authenticatorId: pageAuthenticator } = await pageCdp.send(
      'WebAuthn.addVirtualAuthenticator',
      { options: AUTHENTICATOR },
    ))
  })

  afterAll(async () => {
    await context?.close()
    await stack?.close()
    if (profile) await rm(profile, { recursive: true, force: true })
  })

  it('signs in with a DPoP-bound token, registers a key, and steps up for $10,000 in a popup without leaving the page', async () => {
    await page.goto(stack.web)
    await page.locator('#sign-in').waitFor()
    await screenshot('signed-out')

    // Sign in with the password at the authorization server (PAR, PKCE, DPoP).
    await signInWithPassword(true)
    await expect.poll(() => page.textContent('#balance')).toBe('$25,000.00')
    expect(await page.textContent('#token-acr')).toBe('urn:stepup:acr:pwd')
    expect(await page.textContent('#token-type')).toMatch(
      /^DPoP, bound to this browser's key \(cnf\.jkt [\w-]{43}\)$/,
    )
    // The API's RFC 9728 metadata, read cross-origin by the app.
    await expect
      .poll(() => page.textContent('#api-metadata'))
      .toContain('dpop_bound_access_tokens_required = true')
    expect(await page.textContent('#api-metadata')).toContain(
      `authorization_servers = ${stack.as.issuer}`,
    )
    await screenshot('signed-in-balance')

    // Register the security key (the virtual authenticator) at the authorization server.
    await page.click('#register-key')
    await page.waitForURL(`${stack.as.issuer}/account/security`)
    await page.click('#webauthn-start')
    const registered = page.locator('#registration-result')
    await registered.waitFor()
    expect(await registered.getAttribute('data-hardware-bound')).toBe('true')
    await screenshot('key-registered')
    const { credentials } = await pageCdp.send('WebAuthn.getCredentials', {
      authenticatorId: pageAuthenticator,
    })
    key = credentials[0] as Credential

    // Back in the app: the balance needs nothing more.
    await page.goto(stack.web)
    await expect.poll(() => page.textContent('#balance')).toBe('$25,000.00')
    await page.evaluate(() => {
      window.__bankPageId = 'loaded once'
    })

    // $10,000: the API asks for a step-up on the DPoP challenge; the app explains why.
    await transfer('ACC-987654', '10000.00')
    expect(await page.textContent('#step-up-reason')).toBe(
      'Confirm this $10,000.00 transfer with your security key.',
    )
    const challenge = await page.textContent('#challenge')
    expect(challenge).toContain('HTTP 401')
    expect(challenge).toContain(
      'WWW-Authenticate: Bearer realm="bank", DPoP realm="bank", error="insufficient_user_authentication"',
    )
    expect(challenge).toContain('acr_values="phrh", max_age="60", algs="ES256"')
    await screenshot('step-up-explained')

    // The authorization server asks for the security key, then consent, in the popup.
    const popup = await continueInPopup()
    await holdKey(popup)
    await popup.locator('#webauthn-start').waitFor()
    await screenshot('popup-security-key', popup)
    await screenshot('page-while-popup-open')
    await popup.click('#webauthn-start')
    await popup.locator('#consent-form').waitFor()
    expect(await popup.textContent('#transaction-summary')).toContain('ACC-987654')
    await screenshot('popup-consent', popup)
    const closed = popup.waitForEvent('close')
    await popup.click('#approve')
    await closed

    // The popup closed itself; the transfer resumed here with the new token.
    await expect
      .poll(() => page.textContent('#result'))
      .toBe('Transferred $10,000.00 to ACC-987654. New balance $15,000.00.')
    expect(await page.evaluate(() => window.__bankPageId)).toBe('loaded once')
    expect(page.url()).toBe(`${stack.web}/`)
    expect(await page.textContent('#step-up-mode')).toBe('popup (this page stayed loaded)')
    expect(await page.textContent('#token-acr')).toBe('phrh')
    expect(await page.textContent('#token-amr')).toBe('["hwk","user","mfa"]')
    expect(await page.textContent('#token-type')).toMatch(/^DPoP, bound to this browser's key/)
    expect(await page.textContent('#token-details')).toContain('"amount": "10000.00"')
    expect(await page.textContent('#authorization-request')).toContain('acr_values = phrh')
    await expect.poll(() => page.textContent('#balance')).toBe('$15,000.00')
    await screenshot('transfer-done')
  })

  it('tells a user who cancels the step-up, in the app or in the popup, that nothing was transferred', async () => {
    await transfer('ACC-555123', '10000.00')
    expect(await page.textContent('#step-up-reason')).toBe('Confirm this $10,000.00 transfer.')
    expect(await page.textContent('#step-up-detail')).toContain(
      'insufficient_authorization_details',
    )
    await screenshot('step-up-details')
    await page.click('#step-up-cancel')
    await expect
      .poll(() => page.textContent('#result'))
      .toBe('You cancelled the confirmation. Nothing was transferred.')

    // Cancelling at the authorization server, in the popup, ends the same way.
    await page.click('#send')
    await page.locator('#step-up').waitFor({ state: 'visible' })
    const popup = await continueInPopup()
    await popup.locator('#cancel').waitFor()
    await screenshot('popup-cancel', popup)
    const closed = popup.waitForEvent('close')
    await popup.click('#cancel')
    await closed
    await expect
      .poll(() => page.textContent('#result'))
      .toBe('You cancelled the confirmation. Nothing was transferred.')
    await expect.poll(() => page.textContent('#balance')).toBe('$15,000.00')
    await screenshot('cancelled')
  })

  it('ignores an authorization response posted to the app from another origin, and finishes with the real one', async () => {
    await signInAgain()
    await page.evaluate(() => {
      window.__bankPageId = 'loaded once'
      window.__messages = []
      window.addEventListener('message', (event) => window.__messages?.push(event.origin))
    })
    await transfer('ACC-555123', '10000.00')
    expect(await page.textContent('#step-up-reason')).toBe(
      'Confirm this $10,000.00 transfer with your security key.',
    )
    // The pushed authorization request carries the state the app waits for.
    const pushed = page.waitForRequest(
      (request) => request.method() === 'POST' && request.url().endsWith('/request'),
    )
    const popup = await continueInPopup()
    const state = new URLSearchParams((await pushed).postData() ?? '').get('state')
    expect(state).toMatch(/^[\w-]+$/)
    await holdKey(popup)
    await popup.locator('#webauthn-start').waitFor()

    // A page of another origin (here the authorization server's, in the popup) posts a forged
    // response with that state and a code of its own, as the callback page would.
    await popup.evaluate(({ type, url }) => window.opener.postMessage({ type, url }, '*'), {
      type: CALLBACK_MESSAGE,
      url: `${stack.web}/callback?code=forged&state=${state}`,
    })
    await expect.poll(() => page.evaluate(() => window.__messages)).toEqual([stack.as.issuer])
    // Delivered, and ignored: the app still waits, the popup is still open.
    expect(await page.textContent('#result')).toBe('Confirm in the bank’s sign-in window…')
    expect(popup.isClosed()).toBe(false)
    await screenshot('popup-after-foreign-message', popup)

    await popup.click('#webauthn-start')
    await popup.locator('#consent-form').waitFor()
    const closed = popup.waitForEvent('close')
    await popup.click('#approve')
    await closed
    await expect
      .poll(() => page.textContent('#result'))
      .toBe('Transferred $10,000.00 to ACC-555123. New balance $5,000.00.')
    // Only the callback page's message came after the forged one, from the app's own origin.
    expect(await page.evaluate(() => window.__messages)).toEqual([stack.as.issuer, stack.web])
    expect(await page.evaluate(() => window.__bankPageId)).toBe('loaded once')
    await screenshot('foreign-message-ignored')
  })

  it('falls back to a full-page redirect when the popup is blocked, and resumes the transfer after it', async () => {
    await page.addInitScript(() => {
      window.open = () => null
    })
    await signInAgain()
    await holdKey(page)
    await page.evaluate(() => {
      window.__bankPageId = 'before the redirect'
    })
    await transfer('ACC-987654', '1000.00')
    expect(await page.textContent('#step-up-reason')).toBe(
      'Confirm this $1,000.00 transfer with a passkey or security key.',
    )
    await screenshot('redirect-explained')

    // window.open returns null: the app leaves for the authorization server instead.
    await page.click('#step-up-continue')
    await page.waitForURL(`${stack.as.issuer}/**`)
    await page.locator('#webauthn-start').waitFor()
    await screenshot('redirect-security-key')
    await page.click('#webauthn-start')

    // Back at the callback: the saved transfer is sent again with the new token.
    await page.waitForURL(`${stack.web}/`)
    await expect
      .poll(() => page.textContent('#result'))
      .toBe('Transferred $1,000.00 to ACC-987654. New balance $4,000.00.')
    expect(await page.evaluate(() => window.__bankPageId)).toBeUndefined()
    expect(await page.textContent('#step-up-mode')).toBe(
      'full-page redirect (the popup was blocked)',
    )
    // The first call after the reload had no nonce yet: the API gave one and it was used.
    expect(await page.textContent('#dpop-nonce')).toMatch(/^[\w-]{43}$/)
    expect(await page.textContent('#challenge')).toContain('acr_values="phr", max_age="300"')
    expect(await page.textContent('#token-acr')).toBe('phr')
    expect(await page.textContent('#token-type')).toMatch(/^DPoP, bound to this browser's key/)
    await expect.poll(() => page.textContent('#balance')).toBe('$4,000.00')
    await screenshot('redirect-resumed')
  })
})
