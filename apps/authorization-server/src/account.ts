import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RegistrationResponseJSON } from '@simplewebauthn/server'
import type Provider from 'oidc-provider'
import { escapeHtml, jsonScript, sendPage } from './html.ts'
import { BadFormError, readForm } from './http.ts'
import type { StoredUser, UserStore } from './store.ts'
import {
  parseCredentialJson,
  registrationOptions,
  verifyRegistration,
  type WebAuthnRelyingParty,
} from './webauthn.ts'

/** What the account pages need. */
export interface AccountDependencies {
  readonly provider: Provider
  readonly store: UserStore
  readonly rp: WebAuthnRelyingParty
  /** How recent (seconds) the session's authentication must be to register a credential. */
  readonly registrationMaxAge: number
}

const CHALLENGE_TTL_MS = 5 * 60 * 1000

function credentialRows(user: StoredUser): string {
  if (user.credentials.length === 0) return '<p id="no-credentials">No security keys yet.</p>'
  const rows = user.credentials
    .map(
      (c) =>
        `<tr data-credential-id="${escapeHtml(c.id)}"><td>${escapeHtml(c.nickname)}</td><td>${
          c.hardwareBound ? 'device-bound (phrh)' : 'synced or backup-eligible (phr)'
        }</td><td>${new Date(c.createdAt * 1000).toISOString()}</td></tr>`,
    )
    .join('\n')
  return `<table id="credentials"><thead><tr><th>Name</th><th>Kind</th><th>Registered</th></tr></thead><tbody>${rows}</tbody></table>`
}

/**
 * The signed-in End-User's security page: `GET /account/security` lists their WebAuthn
 * credentials and offers a registration ceremony, `POST /account/security/webauthn` completes
 * it. The OpenID Provider session cookie identifies the user; the sign-in must be recent.
 */
export function createAccountHandler(
  deps: AccountDependencies,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const { provider, store, rp, registrationMaxAge } = deps
  const challenges = new Map<string, { challenge: string; expiresAt: number }>()

  const signedInUser = async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ user: StoredUser; sessionUid: string; fresh: boolean } | undefined> => {
    const ctx = provider.createContext(req, res)
    const session = await provider.Session.get(ctx)
    if (!session.accountId) return undefined
    const user = store.findById(session.accountId)
    if (!user) return undefined
    const authTime = session.authTime() ?? 0
    return {
      user,
      sessionUid: session.uid,
      fresh: Date.now() / 1000 - authTime <= registrationMaxAge,
    }
  }

  const page = async (
    res: ServerResponse,
    signedIn: { user: StoredUser; sessionUid: string; fresh: boolean },
    message?: string,
    status = 200,
  ): Promise<void> => {
    const { user, sessionUid, fresh } = signedIn
    let registration = `<p id="reauthenticate" class="note">Your sign-in is older than ${Math.round(
      registrationMaxAge / 60,
    )} minutes. Sign in again through the application to register a security key.</p>`
    if (fresh) {
      const options = await registrationOptions(rp, user)
      const now = Date.now()
      for (const [key, value] of challenges) if (value.expiresAt < now) challenges.delete(key)
      challenges.set(sessionUid, {
        challenge: options.challenge,
        expiresAt: now + CHALLENGE_TTL_MS,
      })
      registration = `${jsonScript('webauthn-creation-options', options)}
<p id="webauthn-status" role="status"></p>
<form id="webauthn-form" method="post" action="/account/security/webauthn">
<label for="nickname">Name for this key</label>
<input id="nickname" name="nickname" maxlength="64" value="Security key">
<input type="hidden" id="webauthn-credential" name="credential">
</form>
<button type="button" id="webauthn-start" data-ceremony="create">Register a security key</button>`
    }
    sendPage(res, {
      title: 'Security keys',
      status,
      webauthn: fresh,
      body: `<p>Signed in as <strong id="username">${escapeHtml(user.username)}</strong>.</p>
${message ?? ''}
${credentialRows(user)}
${registration}`,
    })
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
    const pending = challenges.get(signedIn.sessionUid)
    challenges.delete(signedIn.sessionUid)
    const response = parseCredentialJson<RegistrationResponseJSON>(form.get('credential'))
    if (!signedIn.fresh || !pending || pending.expiresAt < Date.now() || !response) {
      return page(
        res,
        signedIn,
        '<p class="error" id="error" role="alert">Start the registration again.</p>',
        400,
      )
    }
    const nickname = (form.get('nickname') ?? '').replace(/[^\x20-\x7E]/g, '').slice(0, 64)
    let credential: Awaited<ReturnType<typeof verifyRegistration>>
    try {
      credential = await verifyRegistration(
        rp,
        pending.challenge,
        response,
        nickname || 'Security key',
      )
    } catch {
      credential = undefined
    }
    if (!credential) {
      return page(
        res,
        signedIn,
        '<p class="error" id="error" role="alert">The security key response could not be verified.</p>',
        400,
      )
    }
    const registered = credential
    if (store.list().some((u) => u.credentials.some((c) => c.id === registered.id))) {
      return page(
        res,
        signedIn,
        '<p class="error" id="error" role="alert">This security key is already registered.</p>',
        409,
      )
    }
    const user = await store.update(signedIn.user.id, (u) => {
      u.credentials.push(registered)
    })
    return page(
      res,
      { ...signedIn, user },
      `<p id="registration-result" data-credential-id="${escapeHtml(registered.id)}" data-hardware-bound="${
        registered.hardwareBound
      }">Registered “${escapeHtml(registered.nickname)}” as ${
        registered.hardwareBound ? 'a device-bound key (phrh)' : 'a synced key (phr)'
      }.</p>`,
      201,
    )
  }

  return async (req, res, path) => {
    if (path !== '/account/security' && path !== '/account/security/webauthn') return false
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
