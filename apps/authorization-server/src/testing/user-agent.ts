import type { SoftwareAuthenticator } from './software-authenticator.ts'

interface Cookie {
  readonly name: string
  readonly value: string
  readonly path: string
}

/** A minimal cookie jar: name + path keyed, path-prefix matched, one host. */
export class CookieJar {
  readonly #cookies = new Map<string, Cookie>()

  store(response: Response, url: URL): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/'
      let expired = false
      for (const attribute of attributes) {
        const [key = '', val = ''] = attribute.split('=')
        if (key.toLowerCase() === 'path') path = val
        if (key.toLowerCase() === 'expires' && Date.parse(val) < Date.now()) expired = true
        if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true
      }
      const key = `${name};${path}`
      if (expired || value === '') this.#cookies.delete(key)
      else this.#cookies.set(key, { name, value, path })
    }
  }

  header(url: URL): string {
    return [...this.#cookies.values()]
      .filter(
        (c) =>
          url.pathname === c.path ||
          url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
          c.path === '/',
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ')
  }
}

/**
 * What a page offered, read from its stable ids; `no-key` is the page saying the account has no
 * security key that can do what is asked (its only way on is Cancel).
 */
export type Step = 'password' | 'totp' | 'webauthn' | 'consent' | 'no-key'

export interface Credentials {
  readonly username: string
  readonly password: string
  readonly totp?: () => Promise<string>
  readonly authenticator?: SoftwareAuthenticator
  /** Press Cancel at this step instead of completing it. */
  readonly cancelAt?: Step
}

export interface AuthorizationOutcome {
  /** The redirect back to the client (with `code` or `error`). */
  readonly callback: URL
  /** The interaction steps the server asked for, in order. */
  readonly steps: Step[]
  /** The security notices shown after the sign-in (`#security-notices`), as text. */
  readonly notices: string[]
}

function formAction(html: string, id: string): string | undefined {
  const match = new RegExp(`<form id="${id}" method="post" action="([^"]+)"`).exec(html)
  return match?.[1]?.replaceAll('&amp;', '&')
}

function jsonScript(html: string, id: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(
    html,
  )
  return match ? JSON.parse(match[1]!) : undefined
}

/** A scripted browser: fetch, a cookie jar, manual redirects, and forms filled by id. */
export class UserAgent {
  readonly jar: CookieJar = new CookieJar()

  async request(url: URL | string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url)
    const headers = new Headers(init.headers)
    const cookie = this.jar.header(target)
    if (cookie) headers.set('cookie', cookie)
    const response = await fetch(target, { ...init, headers, redirect: 'manual' })
    this.jar.store(response, target)
    return response
  }

  /**
   * Submit a form the way a browser does from a page of the same origin: with `Origin` set to
   * the target's origin (the sign-in server refuses form POSTs without it), or to `origin`.
   */
  async post(
    url: URL | string,
    form: Record<string, string>,
    origin: string = new URL(url).origin,
  ): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams(form),
    })
  }

  /** Follow redirects from `response` until a page, or until leaving for `stopAt`. */
  async follow(
    response: Response,
    from: URL,
    stopAt: string,
  ): Promise<{ response: Response; url: URL }> {
    let current = response
    let url = from
    for (let hops = 0; hops < 20; hops++) {
      const location = current.headers.get('location')
      if (current.status < 300 || current.status >= 400 || !location)
        return { response: current, url }
      url = new URL(location, url)
      if (url.href.startsWith(stopAt)) return { response: current, url }
      current = await this.request(url)
    }
    throw new Error('too many redirects')
  }

  /**
   * Drive an authorization request to the client's redirect URI, completing each page the
   * server shows (password, TOTP, WebAuthn, consent) the way a user would.
   */
  async authorize(
    authorizationUrl: URL,
    redirectUri: string,
    credentials: Credentials,
  ): Promise<AuthorizationOutcome> {
    const steps: Step[] = []
    const notices: string[] = []
    let { response, url } = await this.follow(
      await this.request(authorizationUrl),
      authorizationUrl,
      redirectUri,
    )
    for (let round = 0; round < 10; round++) {
      if (url.href.startsWith(redirectUri)) return { callback: url, steps, notices }
      const html = await response.text()
      const shown = /<ul id="security-notices">([\s\S]*?)<\/ul>/.exec(html)
      const onward = /<a id="notices-continue"[^>]* href="([^"]+)"/.exec(html)
      if (shown && onward) {
        for (const item of shown[1]!.matchAll(/<li[^>]*>([^<]*)<\/li>/g)) {
          notices.push(item[1]!.replaceAll('&#39;', "'").replaceAll('&amp;', '&'))
        }
        const target = new URL(onward[1]!.replaceAll('&amp;', '&'), url)
        ;({ response, url } = await this.follow(await this.request(target), target, redirectUri))
        continue
      }
      const failure = /<p class="error" id="error" role="alert">([^<]*)<\/p>/.exec(html)
      if (failure) throw new Error(`${response.status}: ${failure[1]}`)
      const cancel = formAction(html, 'cancel-form')
      if (html.includes('id="no-usable-key"') && cancel) {
        steps.push('no-key')
        const target = new URL(cancel, url)
        ;({ response, url } = await this.follow(
          await this.post(target, { cancel: 'no-key' }),
          target,
          redirectUri,
        ))
        continue
      }
      const forms: [string, Step][] = [
        ['login-form', 'password'],
        ['totp-form', 'totp'],
        ['webauthn-form', 'webauthn'],
        ['consent-form', 'consent'],
      ]
      const found = forms
        .map(([id, kind]) => [formAction(html, id), kind] as const)
        .find(([target]) => target !== undefined)
      if (!found) throw new Error(`unexpected page (${response.status}): ${html.slice(0, 500)}`)
      const action = found[0]!
      const step = found[1]
      let next: Response
      let form: Record<string, string> = {}
      if (step === 'password') {
        form = { username: credentials.username, password: credentials.password }
      } else if (step === 'totp') {
        if (!credentials.totp) throw new Error('TOTP asked for but no generator given')
        form = { code: await credentials.totp() }
      } else if (step === 'webauthn') {
        if (!credentials.authenticator)
          throw new Error('WebAuthn asked for but no authenticator given')
      } else {
        form = { decision: 'approve' }
      }
      steps.push(step)
      if (credentials.cancelAt === step && cancel) {
        next = await this.post(new URL(cancel, url), { cancel: 'cancel' })
      } else {
        if (step === 'webauthn') {
          const options = jsonScript(html, 'webauthn-request-options') as never
          const assertion = await credentials.authenticator!.getAssertion(options, url.origin)
          form = { credential: JSON.stringify(assertion) }
        }
        next = await this.post(new URL(action, url), form)
      }
      const target = new URL(action, url)
      ;({ response, url } = await this.follow(next, target, redirectUri))
    }
    throw new Error('authorization did not complete')
  }

  /**
   * Register a WebAuthn credential on the security page of a signed-in session. The sign-in must
   * be strong enough to add a key (see the README); a first key after a password-only sign-in
   * needs the account's one-time `enrolmentCode`, entered first.
   */
  async registerSecurityKey(
    issuer: string,
    authenticator: SoftwareAuthenticator,
    enrolment: { readonly enrolmentCode?: string; readonly nickname?: string } = {},
  ): Promise<string> {
    const pageUrl = new URL(`${issuer}/account/security`)
    let page: string
    if (enrolment.enrolmentCode !== undefined) {
      const redeemed = await this.post(`${issuer}/account/security/enrolment-code`, {
        code: enrolment.enrolmentCode,
      })
      page = await redeemed.text()
      if (redeemed.status !== 200) {
        throw new Error(`enrolment code refused (${redeemed.status}): ${page.slice(0, 300)}`)
      }
    } else {
      page = await (await this.request(pageUrl)).text()
    }
    const options = jsonScript(page, 'webauthn-creation-options') as never
    if (!options) throw new Error(`no registration offered: ${page.slice(0, 300)}`)
    const credential = await authenticator.createCredential(options, pageUrl.origin)
    const response = await this.post(`${issuer}/account/security/webauthn`, {
      nickname: enrolment.nickname ?? 'Test key',
      credential: JSON.stringify(credential),
    })
    const html = await response.text()
    if (response.status !== 201)
      throw new Error(`registration failed (${response.status}): ${html}`)
    return html
  }
}
