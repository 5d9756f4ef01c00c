import type { IncomingMessage, ServerResponse } from 'node:http'
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import type { AcrRegistry } from '@stepup/acr'
import type Provider from 'oidc-provider'
import { ACR_MFA, ACR_PHR, ACR_PHRH } from './acr.ts'
import type { EnrolmentCodes } from './enrolment.ts'
import { escapeHtml, jsonScript, sendPage } from './html.ts'
import { BadFormError, readForm } from './http.ts'
import { recordSecurityEvent } from './notices.ts'
import type { StoredCredential, StoredUser, UserStore } from './store.ts'
import {
  authenticationOptions,
  parseCredentialJson,
  registrationOptions,
  verifyAssertion,
  verifyRegistration,
  type WebAuthnRelyingParty,
} from './webauthn.ts'

/** What the account pages need. */
export interface AccountDependencies {
  readonly provider: Provider
  readonly store: UserStore
  readonly rp: WebAuthnRelyingParty
  /** The acr registry: how sign-ins and keys are compared. */
  readonly acr: AcrRegistry
  /** How recent (seconds) a sign-in or key confirmation must be to change the account's keys. */
  readonly registrationMaxAge: number
  /** The one-time enrolment codes that allow a first key after a password sign-in. */
  readonly enrolmentCodes: EnrolmentCodes
}

const CHALLENGE_TTL_MS = 5 * 60 * 1000
const PATHS = new Set([
  '/account/security',
  '/account/security/webauthn',
  '/account/security/confirm',
  '/account/security/enrolment-code',
  '/account/security/credentials/rename',
  '/account/security/credentials/remove',
])

/** The class a key reaches: `phrh` for a device-bound key, `phr` for a synced one. */
export function classOfCredential(credential: StoredCredential): string {
  return credential.hardwareBound ? ACR_PHRH : ACR_PHR
}

/**
 * The class a sign-in must reach to add a key: that of the strongest key enrolled, or the
 * multi-factor class (password + TOTP) for the first key.
 */
export function classToEnrol(user: StoredUser): string {
  if (user.credentials.some((c) => c.hardwareBound)) return ACR_PHRH
  if (user.credentials.length > 0) return ACR_PHR
  return ACR_MFA
}

const CLASS_LABEL: Record<string, string> = {
  [ACR_MFA]: 'your password and a code from your authenticator app',
  [ACR_PHR]: 'one of your security keys or passkeys',
  [ACR_PHRH]: 'one of your hardware security keys',
}

function cleanNickname(value: string | null): string {
  return (value ?? '')
    .replace(/[^\x20-\x7E]/g, '')
    .trim()
    .slice(0, 64)
}

interface SignedIn {
  readonly user: StoredUser
  readonly sessionUid: string
  /** The session's class, when its sign-in is recent enough; else undefined. */
  readonly freshAcr: string | undefined
  /** Whether the sign-in is recent enough at all. */
  readonly fresh: boolean
}

interface Pending {
  readonly userId: string
  readonly challenge: string
  readonly expiresAt: number
}

/**
 * The signed-in End-User's security page (`/account/security`): list, rename and remove
 * WebAuthn credentials, and add one. The OpenID Provider session cookie identifies the user.
 *
 * Adding a key needs a sign-in, no older than `registrationMaxAge`, at least as strong as the
 * strongest key already enrolled (compared through the acr registry): `phrh` when a hardware key
 * is enrolled, `phr` when a synced one is, and for the first key the multi-factor class
 * (password + TOTP) — or a password sign-in plus the account's one-time enrolment code. A
 * password-only sign-in alone never adds a key. The page can raise a session for these changes
 * with an assertion from an enrolled key of the needed class. Removing a key needs a recent
 * sign-in at least as strong as that key, so the last strong key only goes after a strong
 * sign-in. Every change is recorded and shown at the next sign-in.
 *
 * @see https://pages.nist.gov/800-63-4/sp800-63b.html#authenticator-binding
 */
export function createAccountHandler(
  deps: AccountDependencies,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const { provider, store, rp, acr, registrationMaxAge, enrolmentCodes } = deps
  const registrations = new Map<string, Pending>()
  const confirmations = new Map<string, Pending>()
  /** Sessions an enrolment code allowed to add a first key: session uid → user and expiry. */
  const codeGrants = new Map<string, { userId: string; expiresAt: number }>()
  /** Sessions raised by a key confirmation on this page: session uid → user, class, time. */
  const raised = new Map<string, { userId: string; acr: string; at: number }>()

  const prune = (): void => {
    const now = Date.now()
    for (const map of [registrations, confirmations, codeGrants]) {
      for (const [key, value] of map) if (value.expiresAt < now) map.delete(key)
    }
    for (const [key, value] of raised) {
      if (now - value.at > registrationMaxAge * 1000) raised.delete(key)
    }
  }

  const signedInUser = async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<SignedIn | undefined> => {
    const ctx = provider.createContext(req, res)
    const session = await provider.Session.get(ctx)
    if (!session.accountId) return undefined
    const user = store.findById(session.accountId)
    if (!user) return undefined
    const fresh = Date.now() / 1000 - (session.authTime() ?? 0) <= registrationMaxAge
    return { user, sessionUid: session.uid, fresh, freshAcr: fresh ? session.acr : undefined }
  }

  /** Whether the session (or a key confirmed on this page) reached `required` recently. */
  const meets = (signedIn: SignedIn, required: string): boolean => {
    const classes: string[] = []
    if (signedIn.freshAcr) classes.push(signedIn.freshAcr)
    const raise = raised.get(signedIn.sessionUid)
    if (
      raise &&
      raise.userId === signedIn.user.id &&
      Date.now() - raise.at <= registrationMaxAge * 1000
    ) {
      classes.push(raise.acr)
    }
    return classes.some((c) => acr.satisfies(c, [required]))
  }

  const codeGranted = (signedIn: SignedIn): boolean => {
    const grant = codeGrants.get(signedIn.sessionUid)
    return (
      signedIn.fresh &&
      signedIn.user.credentials.length === 0 &&
      grant !== undefined &&
      grant.userId === signedIn.user.id &&
      grant.expiresAt > Date.now()
    )
  }

  const mayEnrol = (signedIn: SignedIn): boolean =>
    meets(signedIn, classToEnrol(signedIn.user)) || codeGranted(signedIn)

  const credentialRows = (user: StoredUser): string => {
    if (user.credentials.length === 0) return '<p id="no-credentials">No security keys yet.</p>'
    const rows = user.credentials
      .map((c) => {
        const id = escapeHtml(c.id)
        return `<tr data-credential-id="${id}">
<td class="credential-name">${escapeHtml(c.nickname)}</td>
<td>${c.hardwareBound ? 'Hardware security key' : 'Passkey (synced)'}</td>
<td>${new Date(c.createdAt * 1000).toISOString().slice(0, 10)}</td>
<td>${c.lastUsedAt ? new Date(c.lastUsedAt * 1000).toISOString().slice(0, 10) : 'never'}</td>
<td><form class="rename-form" method="post" action="/account/security/credentials/rename">
<input type="hidden" name="id" value="${id}">
<label>New name <input name="nickname" maxlength="64" required value="${escapeHtml(c.nickname)}"></label>
<button type="submit">Rename</button>
</form>
<form class="remove-form" method="post" action="/account/security/credentials/remove">
<input type="hidden" name="id" value="${id}">
<button type="submit" class="secondary">Remove</button>
</form></td>
</tr>`
      })
      .join('\n')
    return `<table id="credentials"><thead><tr><th>Name</th><th>Kind</th><th>Added</th><th>Last used</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
  }

  const registrationSection = (
    options: PublicKeyCredentialCreationOptionsJSON,
  ): string => `<section id="add-key">
<h2>Add a security key</h2>
${jsonScript('webauthn-creation-options', options)}
<p id="webauthn-status" role="status"></p>
<form id="webauthn-form" method="post" action="/account/security/webauthn">
<label for="nickname">Name for this key</label>
<input id="nickname" name="nickname" maxlength="64" value="Security key">
<input type="hidden" id="webauthn-credential" name="credential">
</form>
<button type="button" id="webauthn-start" data-ceremony="create">Add a security key</button>
</section>`

  const confirmSection = (
    required: string,
    options: PublicKeyCredentialRequestOptionsJSON | undefined,
  ): string => {
    const why = `<p id="enrolment-requirement" data-required-acr="${escapeHtml(required)}">To add another key, first confirm with ${escapeHtml(CLASS_LABEL[required] ?? required)}.</p>`
    if (!options) return `<section id="add-key"><h2>Add a security key</h2>${why}</section>`
    return `<section id="add-key">
<h2>Add a security key</h2>
${why}
${jsonScript('webauthn-request-options', options)}
<p id="webauthn-status" role="status"></p>
<form id="webauthn-form" method="post" action="/account/security/confirm">
<input type="hidden" id="webauthn-credential" name="credential">
</form>
<button type="button" id="webauthn-start" data-ceremony="get">Confirm with your key</button>
</section>`
  }

  const firstKeySection = (signedIn: SignedIn): string => `<section id="add-key">
<h2>Add your first security key</h2>
<p id="enrolment-requirement" data-required-acr="${escapeHtml(ACR_MFA)}">To add your first key, sign in with ${escapeHtml(CLASS_LABEL[ACR_MFA]!)}, or enter the one-time enrolment code you were given.</p>
${
  signedIn.fresh
    ? `<form id="enrolment-code-form" method="post" action="/account/security/enrolment-code">
<label for="enrolment-code">Enrolment code</label>
<input id="enrolment-code" name="code" autocomplete="one-time-code" maxlength="16" required>
<button type="submit">Use code</button>
</form>`
    : ''
}
</section>`

  const page = async (
    res: ServerResponse,
    signedIn: SignedIn,
    message?: string,
    status = 200,
  ): Promise<void> => {
    prune()
    const { user, sessionUid } = signedIn
    const required = classToEnrol(user)
    let section: string
    let ceremony = false
    if (!signedIn.fresh) {
      section = `<p id="reauthenticate" class="note">Your sign-in is older than ${Math.round(
        registrationMaxAge / 60,
      )} minutes. Sign in again through the application to change your security keys.</p>`
    } else if (mayEnrol(signedIn)) {
      const options = await registrationOptions(rp, user)
      registrations.set(sessionUid, {
        userId: user.id,
        challenge: options.challenge,
        expiresAt: Date.now() + CHALLENGE_TTL_MS,
      })
      section = registrationSection(options)
      ceremony = true
    } else if (user.credentials.length === 0) {
      section = firstKeySection(signedIn)
    } else {
      const usable = user.credentials.filter((c) => acr.satisfies(classOfCredential(c), [required]))
      const options = usable.length ? await authenticationOptions(rp, usable) : undefined
      if (options) {
        confirmations.set(sessionUid, {
          userId: user.id,
          challenge: options.challenge,
          expiresAt: Date.now() + CHALLENGE_TTL_MS,
        })
        ceremony = true
      }
      section = confirmSection(required, options)
    }
    sendPage(res, {
      title: 'Security keys',
      status,
      webauthn: ceremony,
      body: `<p>Signed in as <strong id="username">${escapeHtml(user.username)}</strong>.</p>
${message ?? ''}
${credentialRows(user)}
${section}`,
    })
  }

  const alert = (text: string): string =>
    `<p class="error" id="error" role="alert">${escapeHtml(text)}</p>`
  const done = (text: string, attributes = ''): string =>
    `<p class="success" id="result" role="status"${attributes}>${escapeHtml(text)}</p>`

  const register = async (
    res: ServerResponse,
    signedIn: SignedIn,
    form: URLSearchParams,
  ): Promise<void> => {
    const pending = registrations.get(signedIn.sessionUid)
    registrations.delete(signedIn.sessionUid)
    const response = parseCredentialJson<RegistrationResponseJSON>(form.get('credential'))
    if (!mayEnrol(signedIn)) {
      return page(res, signedIn, alert('Your sign-in is not strong enough to add a key.'), 403)
    }
    if (
      !pending ||
      pending.userId !== signedIn.user.id ||
      pending.expiresAt < Date.now() ||
      !response
    ) {
      return page(res, signedIn, alert('Start adding the key again.'), 400)
    }
    let credential: StoredCredential | undefined
    try {
      credential = await verifyRegistration(
        rp,
        pending.challenge,
        response,
        cleanNickname(form.get('nickname')) || 'Security key',
      )
    } catch {
      credential = undefined
    }
    if (!credential) {
      return page(res, signedIn, alert('The security key response could not be verified.'), 400)
    }
    const registered = credential
    if (store.list().some((u) => u.credentials.some((c) => c.id === registered.id))) {
      return page(res, signedIn, alert('This security key is already registered.'), 409)
    }
    codeGrants.delete(signedIn.sessionUid)
    await store.update(signedIn.user.id, (u) => {
      u.credentials.push(registered)
    })
    await recordSecurityEvent(store, signedIn.user.id, {
      type: 'credential-added',
      nickname: registered.nickname,
    })
    const user = store.findById(signedIn.user.id)!
    return page(
      res,
      { ...signedIn, user },
      `<p id="registration-result" data-credential-id="${escapeHtml(registered.id)}" data-hardware-bound="${
        registered.hardwareBound
      }">Added “${escapeHtml(registered.nickname)}” as ${
        registered.hardwareBound ? 'a hardware security key' : 'a synced passkey'
      }.</p>`,
      201,
    )
  }

  const confirm = async (
    res: ServerResponse,
    signedIn: SignedIn,
    form: URLSearchParams,
  ): Promise<void> => {
    const pending = confirmations.get(signedIn.sessionUid)
    confirmations.delete(signedIn.sessionUid)
    const response = parseCredentialJson<AuthenticationResponseJSON>(form.get('credential'))
    if (
      !signedIn.fresh ||
      !pending ||
      pending.userId !== signedIn.user.id ||
      pending.expiresAt < Date.now() ||
      !response
    ) {
      return page(res, signedIn, alert('Start the confirmation again.'), 400)
    }
    const required = classToEnrol(signedIn.user)
    const usable = signedIn.user.credentials.filter((c) =>
      acr.satisfies(classOfCredential(c), [required]),
    )
    let verified: Awaited<ReturnType<typeof verifyAssertion>>
    try {
      verified = await verifyAssertion(rp, pending.challenge, response, usable)
    } catch {
      verified = undefined
    }
    if (!verified) {
      return page(res, signedIn, alert('The security key response could not be verified.'), 401)
    }
    const used = verified
    await store.update(signedIn.user.id, (u) => {
      const stored = u.credentials.find((c) => c.id === used.credential.id)
      if (stored) {
        stored.counter = used.newCounter
        stored.backedUp = used.backedUp
        stored.lastUsedAt = Math.floor(Date.now() / 1000)
      }
    })
    raised.set(signedIn.sessionUid, {
      userId: signedIn.user.id,
      acr: classOfCredential(used.credential),
      at: Date.now(),
    })
    return page(res, signedIn, done('Confirmed. You can now change your security keys.'))
  }

  const redeemCode = async (
    res: ServerResponse,
    signedIn: SignedIn,
    form: URLSearchParams,
  ): Promise<void> => {
    if (!signedIn.fresh || signedIn.user.credentials.length > 0) {
      return page(res, signedIn, alert('An enrolment code only adds a first key.'), 403)
    }
    if (!enrolmentCodes.redeem(signedIn.user.id, form.get('code') ?? '')) {
      return page(res, signedIn, alert('That enrolment code is not valid.'), 401)
    }
    codeGrants.set(signedIn.sessionUid, {
      userId: signedIn.user.id,
      expiresAt: Date.now() + registrationMaxAge * 1000,
    })
    await recordSecurityEvent(store, signedIn.user.id, { type: 'enrolment-code-used' })
    return page(res, signedIn, done('Code accepted. Add your security key now.'))
  }

  const rename = async (
    res: ServerResponse,
    signedIn: SignedIn,
    form: URLSearchParams,
  ): Promise<void> => {
    const id = form.get('id')
    const nickname = cleanNickname(form.get('nickname'))
    const credential = signedIn.user.credentials.find((c) => c.id === id)
    if (!credential || !nickname) {
      return page(res, signedIn, alert('Choose a key and a name.'), 400)
    }
    const previous = credential.nickname
    if (previous === nickname) return page(res, signedIn)
    await store.update(signedIn.user.id, (u) => {
      const stored = u.credentials.find((c) => c.id === id)
      if (stored) stored.nickname = nickname
    })
    await recordSecurityEvent(store, signedIn.user.id, {
      type: 'credential-renamed',
      nickname,
      previousNickname: previous,
    })
    return page(res, signedIn, done(`Renamed “${previous}” to “${nickname}”.`))
  }

  const remove = async (
    res: ServerResponse,
    signedIn: SignedIn,
    form: URLSearchParams,
  ): Promise<void> => {
    const id = form.get('id')
    const credential = signedIn.user.credentials.find((c) => c.id === id)
    if (!credential) return page(res, signedIn, alert('Choose a key to remove.'), 400)
    const required = classOfCredential(credential)
    if (!meets(signedIn, required)) {
      return page(
        res,
        signedIn,
        `<p class="error" id="error" role="alert" data-required-acr="${escapeHtml(required)}">To remove this key, first sign in with ${escapeHtml(CLASS_LABEL[required] ?? required)}.</p>`,
        403,
      )
    }
    await store.update(signedIn.user.id, (u) => {
      u.credentials = u.credentials.filter((c) => c.id !== id)
    })
    await recordSecurityEvent(store, signedIn.user.id, {
      type: 'credential-removed',
      nickname: credential.nickname,
    })
    const user = store.findById(signedIn.user.id)!
    return page(
      res,
      { ...signedIn, user },
      done(`Removed “${credential.nickname}”.`, ` data-removed="${escapeHtml(credential.id)}"`),
    )
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const signedIn = await signedInUser(req, res)
    if (!signedIn) {
      sendPage(res, {
        title: 'Security keys',
        status: 401,
        body: '<p id="signed-out">Sign in through an application first, then come back to this page.</p>',
      })
      return
    }
    if (path === '/account/security') {
      if (req.method !== 'GET') throw new BadFormError('method not allowed', 405)
      return page(res, signedIn)
    }
    if (req.method !== 'POST') throw new BadFormError('method not allowed', 405)
    const form = await readForm(req)
    switch (path) {
      case '/account/security/webauthn':
        return register(res, signedIn, form)
      case '/account/security/confirm':
        return confirm(res, signedIn, form)
      case '/account/security/enrolment-code':
        return redeemCode(res, signedIn, form)
      case '/account/security/credentials/rename':
        return rename(res, signedIn, form)
      default:
        return remove(res, signedIn, form)
    }
  }

  return async (req, res, path) => {
    if (!PATHS.has(path)) return false
    try {
      await handle(req, res, path)
    } catch (error) {
      const status = error instanceof BadFormError ? error.status : 500
      if (status === 500) console.error(error)
      if (!res.headersSent) {
        sendPage(res, {
          title: 'Something went wrong',
          status,
          body: '<p class="error" id="error" role="alert">The request could not be completed.</p>',
        })
      }
    }
    return true
  }
}
