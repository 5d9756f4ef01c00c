/**
 * What the browser tests share: the stack (sign-in server, bank API, the built web app), Debian's
 * Chromium driven by playwright-core with a fresh profile, a CDP virtual authenticator holding the
 * customer's security key (copied into each popup, since authenticators belong to one window),
 * screenshots of every screen, and the customer's steps.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { startWebStack, type WebStack, type WebStackOptions } from '../server/stack.ts'

export const CHROMIUM = '/usr/bin/chromium'
export const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url))
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
export const AUTHENTICATOR = {
  protocol: 'ctap2',
  transport: 'usb',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
} as const

/** The demo customers. */
export const ALICE = { username: 'alice', password: 'wonderland' } as const
export const BOB = { username: 'bob', password: 'builder' } as const
/** The payees of the demo bank, by account. */
export const HATTER = 'ACC-987654'
export const RABBIT = 'ACC-555123'

declare global {
  interface Window {
    /** Set by a test: still there later only if the page was never reloaded. */
    __bankPageId?: string
    /** Origins of the messages this page received, recorded by a test. */
    __messages?: string[]
  }
}

/** A WebAuthn credential as the CDP WebAuthn domain reads and writes it. */
export interface Credential {
  readonly credentialId: string
  readonly rpId: string
  readonly privateKey: string
  readonly signCount: number
  readonly isResidentCredential: boolean
  readonly userHandle?: string
}

export interface Harness {
  readonly stack: WebStack
  readonly context: BrowserContext
  readonly page: Page
  /** Messages Chromium logged about Content Security Policy violations, on any page. */
  readonly cspViolations: string[]
  /** A full-page screenshot into test-output/<story>-NN-<name>.png. */
  screenshot(name: string, target?: Page): Promise<void>
  /** Give `target` (the page by default, or a popup) the registered key. */
  holdKey(target?: Page): Promise<void>
  /** Sign in with the password at the sign-in server (a full-page redirect and back). */
  signIn(user?: { username: string; password: string }, shoot?: string): Promise<void>
  /** Forget the app's session in this tab and the sign-in server's cookies: signed out, fresh. */
  forgetBrowser(): Promise<void>
  /** Empty the page's authenticator (another person's device, holding no key of the customer). */
  clearKeys(): Promise<void>
  /**
   * Add the page's virtual authenticator as the signed-in customer's first security key (with
   * the one-time enrolment code the sign-in server issued at start); keeps it for {@link holdKey}.
   */
  registerKey(shoot?: string): Promise<void>
  /** Fill the transfer form and send it; resolves when the app asks for a confirmation. */
  transfer(payee: string, amount: string): Promise<void>
  /** Fill the transfer form and send it, and nothing more. */
  send(payee: string, amount: string): Promise<void>
  /** "Continue" in the app: the confirmation window opens; resolves it. */
  continueInPopup(): Promise<Page>
  /** Use the key in the popup (the page shows what it confirms) and wait for it to close itself. */
  confirmInPopup(popup: Page, shoot?: string): Promise<void>
  /**
   * Until `done` happens (the popup closes, the page is back at the app), go through what the
   * sign-in service shows in `target` after the key: security notices (continue) and the approval
   * of the transfer (approve).
   */
  passNotices(target: Page, done: Promise<unknown>): Promise<void>
  /** The text of the status line, once it is not a progress message. */
  result(): Promise<string>
  close(): Promise<void>
}

/** Start the stack and Chromium for one story; screenshots are prefixed with `story`. */
export async function startHarness(
  story: string,
  options: Omit<WebStackOptions, 'web' | 'outDir'> = {},
): Promise<Harness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium (or run node scripts/preflight.mjs --install as root).`,
    )
  }
  await mkdir(OUTPUT, { recursive: true })
  const stack = await startWebStack({
    web: 'preview',
    outDir: join(OUTPUT, `dist-${story}`),
    ...options,
  })
  const profile = await mkdtemp(join(tmpdir(), 'bank-web-e2e-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    locale: 'en-US',
    viewport: { width: 1100, height: 900 },
  })
  const cspViolations: string[] = []
  const watch = (target: Page) =>
    target.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
    })
  context.on('page', watch)
  const page = context.pages()[0] ?? (await context.newPage())
  watch(page)
  const pageCdp: CDPSession = await context.newCDPSession(page)
  await pageCdp.send('WebAuthn.enable')
  const { authenticatorId: pageAuthenticator } = await pageCdp.send(
    'WebAuthn.addVirtualAuthenticator',
    { options: AUTHENTICATOR },
  )
  let shot = 0
  /** Who signed in last. */
  let current: { readonly username: string } = ALICE
  let key: Credential | undefined
  /** Signature counter handed out with each copy of the key: always above any used so far. */
  let signCount = 0

  const harness: Harness = {
    stack,
    context,
    page,
    cspViolations,
    async screenshot(name, target = page) {
      shot++
      await target.screenshot({
        path: join(OUTPUT, `${story}-${String(shot).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      })
    },
    async holdKey(target = page) {
      if (!key) throw new Error('no key registered yet')
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
        credential: { ...key, signCount },
      })
    },
    async signIn(user = ALICE, shoot) {
      current = user
      await page.click('#sign-in')
      await page.waitForURL(`${stack.as.issuer}/**`)
      await page.fill('#username', user.username)
      await page.fill('#password', user.password)
      if (shoot) await harness.screenshot(shoot)
      await page.click('#login-form #submit')
      await harness.passNotices(page, page.waitForURL(`${stack.web}/`))
      await page.waitForURL(`${stack.web}/`)
      await page.locator('#accounts tbody tr').first().waitFor()
    },
    async forgetBrowser() {
      await page.goto(stack.web)
      await page.evaluate(() => sessionStorage.clear())
      await context.clearCookies()
      await page.goto(stack.web)
      await page.locator('#sign-in').waitFor()
    },
    async clearKeys() {
      await pageCdp.send('WebAuthn.clearCredentials', { authenticatorId: pageAuthenticator })
    },
    async registerKey(shoot) {
      await page.click('#security-keys')
      await page.waitForURL(`${stack.as.issuer}/account/security`)
      // A first key after a password sign-in needs the account's one-time enrolment code.
      const code = stack.as.enrolmentCodes.get(current.username)?.code
      if (!code) throw new Error(`no enrolment code for ${current.username}`)
      await page.fill('#enrolment-code', code)
      await page.click('#enrolment-code-form button[type="submit"]')
      await page.locator('#webauthn-start[data-ceremony="create"]').waitFor()
      await page.click('#webauthn-start')
      const registered = page.locator('#registration-result')
      await registered.waitFor()
      expect(await registered.getAttribute('data-hardware-bound')).toBe('true')
      if (shoot) await harness.screenshot(shoot)
      const { credentials } = await pageCdp.send('WebAuthn.getCredentials', {
        authenticatorId: pageAuthenticator,
      })
      key = credentials[0] as Credential
    },
    async send(payee, amount) {
      await page.selectOption('#payee', payee)
      await page.fill('#amount', amount)
      await page.click('#send')
    },
    async transfer(payee, amount) {
      await harness.send(payee, amount)
      await page.locator('#step-up').waitFor({ state: 'visible' })
    },
    async continueInPopup() {
      const opened = page.waitForEvent('popup')
      await page.click('#step-up-continue')
      return opened
    },
    async confirmInPopup(popup, shoot) {
      await harness.holdKey(popup)
      await popup.locator('#webauthn-start').waitFor()
      if (shoot) await harness.screenshot(shoot, popup)
      const closed = popup.waitForEvent('close')
      await popup.click('#webauthn-start')
      await harness.passNotices(popup, closed)
      await closed
    },
    async passNotices(target, done) {
      // Changes to the account's keys since the last sign-in are shown first, once; a transfer
      // the grant does not hold yet is approved after the key.
      let finished = false
      void done.then(() => {
        finished = true
      })
      for (;;) {
        const next = await Promise.race([
          done.then(() => 'done' as const),
          target
            .locator('#notices-continue, #consent-form')
            .first()
            .waitFor()
            .then(
              async () => ((await target.isVisible('#notices-continue')) ? 'notices' : 'consent'),
              () => 'done' as const,
            ),
        ])
        if (next === 'done' || finished) return
        await harness.screenshot(next === 'notices' ? 'security-notice' : 'approve', target)
        await target.click(next === 'notices' ? '#notices-continue' : '#approve')
        await target.waitForLoadState().catch(() => undefined)
      }
    },
    async result() {
      await expect
        .poll(
          async () => {
            const text = (await page.textContent('#result')) ?? ''
            return /…$/.test(text) || !(await page.isVisible('#result')) ? '' : text
          },
          { timeout: 15_000 },
        )
        .not.toBe('')
      return (await page.textContent('#result')) ?? ''
    },
    async close() {
      await context.close()
      await stack.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
  return harness
}

/** An amount as the app shows dollars: `$10,000.00`. */
/**
 * {@link startHarness} with a customer already signed in with a security key, in a browser that
 * blocks every popup of the bank's pages (so a confirmation goes by full-page redirect).
 */
export async function startSignedInWithoutPopups(story: string): Promise<Harness> {
  const h = await startHarness(story)
  try {
    await h.page.addInitScript(() => {
      window.open = () => null
    })
    await h.page.goto(h.stack.web)
    await h.signIn()
    await h.registerKey()
    await h.page.goto(h.stack.web)
    await h.page.locator('#signed-in').waitFor()
    return h
  } catch (error) {
    await h.close()
    throw error
  }
}

export const usd = (amount: number): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(amount)

/** The checking account's balance shown on the page, as a number. */
export async function checkingBalance(page: Page): Promise<number> {
  await expect
    .poll(() => page.textContent('#balance').catch(() => null))
    .toMatch(/^\$[\d,]+\.\d\d$/)
  return Number(((await page.textContent('#balance')) ?? '').replace(/[$,]/g, ''))
}

/** Words of the protocols that a customer must never read outside the "Show what happened" panel. */
export const PROTOCOL_WORDS =
  /\b(phrh?|acr|amr|authorization_details|insufficient_\w+|unmet_\w+|invalid_\w+|access_denied|ERR_[A-Z_]+|DPoP|HTTP \d{3}|undefined|null|NaN)\b|\[0\]/

/** The text a customer sees: the page without the closed protocol panel, hidden parts and scripts. */
export async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const main = (document.querySelector('main') ?? document.body).cloneNode(true) as HTMLElement
    main.querySelector('#explain')?.remove()
    for (const hidden of main.querySelectorAll('[hidden], script, style')) hidden.remove()
    return `${document.querySelector('body > header')?.textContent ?? ''} ${main.textContent ?? ''}`
  })
}
