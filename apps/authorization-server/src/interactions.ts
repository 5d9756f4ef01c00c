import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import type { AcrRegistry } from '@stepup/acr'
import type Provider from 'oidc-provider'
import type { AuthorizationDetail, InteractionResults } from 'oidc-provider'
import { type AuthenticationMethod, acrFor, amrFor, methodFor } from './acr.ts'
import { escapeHtml, jsonScript, sendPage } from './html.ts'
import { BadFormError, readForm } from './http.ts'
import { verifyPassword } from './passwords.ts'
import type { StoredCredential, StoredUser, UserStore } from './store.ts'
import { checkTotp } from './totp.ts'
import {
  authenticationOptions,
  parseCredentialJson,
  verifyAssertion,
  type WebAuthnRelyingParty,
} from './webauthn.ts'

/** What the interaction routes need from the server. */
export interface InteractionDependencies {
  readonly provider: Provider
  readonly store: UserStore
  readonly acr: AcrRegistry
  readonly rp: WebAuthnRelyingParty
  /** Consecutive failures before an account is locked, and for how long (seconds). */
  readonly lockout: { readonly attempts: number; readonly seconds: number }
}

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>

/** Progress of one login interaction, keyed by its uid (bound to the browser by its cookie). */
interface LoginState {
  readonly requested: readonly string[] | undefined
  readonly method: AuthenticationMethod
  accountId: string | undefined
  amr: string[]
  challenge: string | undefined
  readonly expiresAt: number
}

/** The `acr` values a request requires: `acr_values`, else an essential `acr` claim request. */
export function requestedAcr(params: Record<string, unknown>): string[] | undefined {
  const acrValues = params['acr_values']
  if (typeof acrValues === 'string' && acrValues.length > 0) {
    return acrValues.split(' ').filter((v) => v.length > 0)
  }
  const claims = params['claims']
  if (typeof claims !== 'string') return undefined
  try {
    const parsed = JSON.parse(claims) as { id_token?: { acr?: unknown } } | null
    const acr = parsed?.id_token?.acr as
      | { essential?: unknown; value?: unknown; values?: unknown }
      | null
      | undefined
    if (acr?.essential !== true) return undefined
    if (Array.isArray(acr.values))
      return acr.values.filter((v): v is string => typeof v === 'string')
    if (typeof acr.value === 'string') return [acr.value]
  } catch {
    return undefined
  }
  return undefined
}

const BANK_TRANSACTION = 'urn:bank:params:oauth:request:transaction'

function describeDetail(detail: AuthorizationDetail): string {
  const transaction = (detail as { transaction?: Record<string, unknown> }).transaction
  if (detail.type === BANK_TRANSACTION && transaction) {
    return `<p id="transaction-summary">Transfer <strong>${escapeHtml(transaction['amount'])} ${escapeHtml(
      transaction['currency'],
    )}</strong> to account <strong>${escapeHtml(transaction['destination_account'])}</strong></p>`
  }
  return `<pre>${escapeHtml(JSON.stringify(detail, null, 2))}</pre>`
}

const METHOD_LABEL: Record<AuthenticationMethod, string> = {
  password: 'your password',
  totp: 'your password and a code from your authenticator app',
  webauthn: 'a passkey or security key (phishing-resistant)',
  'webauthn-hardware': 'a device-bound security key (phishing-resistant, hardware-protected)',
}

function cancelForm(uid: string): string {
  return `<form id="cancel-form" method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit" id="cancel" name="cancel" value="cancel">Cancel</button>
</form>`
}

/**
 * The login and consent interactions of the OpenID Provider: password, then TOTP or WebAuthn as
 * the requested `acr` demands; `unmet_authentication_requirements` when the user has no means to
 * reach it; a consent page that shows the requested `authorization_details`.
 *
 * Returns a handler that serves `/interaction/:uid[/step]` and answers false for other paths.
 */
export function createInteractionHandler(
  deps: InteractionDependencies,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const { provider, store, acr, rp, lockout } = deps
  const states = new Map<string, LoginState>()

  const prune = (): void => {
    const now = Date.now()
    for (const [uid, state] of states) if (state.expiresAt < now) states.delete(uid)
  }

  const finish = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    result: InteractionResults,
    merge = false,
  ): Promise<void> => {
    states.delete(uid)
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: merge })
  }

  const unmet = (req: IncomingMessage, res: ServerResponse, uid: string, description: string) =>
    finish(req, res, uid, {
      error: 'unmet_authentication_requirements',
      error_description: description,
    })

  const stateFor = (interaction: Interaction): LoginState | undefined => {
    const existing = states.get(interaction.uid)
    if (existing) return existing
    const requested = requestedAcr(interaction.params)
    const method = requested ? methodFor(acr, requested) : 'password'
    if (!method) return undefined
    const sessionAccount = interaction.session?.accountId
    const state: LoginState = {
      requested,
      method,
      // A signed-in user stepping up to WebAuthn proves possession of their key (with user
      // verification) without typing the password again; every other method starts from it.
      accountId: method.startsWith('webauthn') && sessionAccount ? sessionAccount : undefined,
      amr: [],
      challenge: undefined,
      expiresAt: (interaction.exp ?? Math.floor(Date.now() / 1000) + 600) * 1000,
    }
    prune()
    states.set(interaction.uid, state)
    return state
  }

  const usableCredentials = (user: StoredUser, method: AuthenticationMethod): StoredCredential[] =>
    user.credentials.filter((c) => method !== 'webauthn-hardware' || c.hardwareBound)

  const locked = (user: StoredUser | undefined): boolean =>
    user?.lockedUntil !== undefined && user.lockedUntil > Date.now() / 1000

  const recordFailure = async (user: StoredUser | undefined): Promise<void> => {
    if (!user) return
    await store.update(user.id, (u) => {
      u.failedAttempts += 1
      if (u.failedAttempts >= lockout.attempts) {
        u.lockedUntil = Math.floor(Date.now() / 1000) + lockout.seconds
        u.failedAttempts = 0
      }
    })
  }

  const recordSuccess = async (user: StoredUser): Promise<void> => {
    if (user.failedAttempts !== 0 || user.lockedUntil !== undefined) {
      await store.update(user.id, (u) => {
        u.failedAttempts = 0
        delete u.lockedUntil
      })
    }
  }

  const completeLogin = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    state: LoginState,
  ): Promise<void> => {
    const amr = [...new Set(state.amr)]
    const claimed = acrFor(acr, amr, state.requested)
    if (!claimed || !state.accountId) {
      await unmet(req, res, uid, 'the authentication performed does not meet the requested acr')
      return
    }
    await finish(req, res, uid, {
      login: { accountId: state.accountId, acr: claimed, amr, ts: Math.floor(Date.now() / 1000) },
    })
  }

  const header = async (interaction: Interaction, state: LoginState): Promise<string> => {
    const client = await provider.Client.find(String(interaction.params['client_id']))
    const name = client?.clientName ?? String(interaction.params['client_id'])
    const why = state.requested
      ? `<p class="note" id="acr-requirement" data-acr-values="${escapeHtml(state.requested.join(' '))}">This request asks for ${escapeHtml(METHOD_LABEL[state.method])}.</p>`
      : ''
    return `<p><strong id="client-name">${escapeHtml(name)}</strong> asks you to sign in.</p>${why}`
  }

  const passwordPage = async (
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    error?: string,
    status = 200,
  ): Promise<void> => {
    const hint = interaction.params['login_hint']
    sendPage(res, {
      title: 'Sign in',
      status,
      body: `${await header(interaction, state)}
${error ? `<p class="error" id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${escapeHtml(interaction.uid)}/password">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username webauthn" required value="${escapeHtml(typeof hint === 'string' ? hint : '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="submit">Continue</button>
</form>
${cancelForm(interaction.uid)}`,
    })
  }

  const totpPage = async (
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    error?: string,
    status = 200,
  ): Promise<void> => {
    sendPage(res, {
      title: 'Enter your one-time code',
      status,
      body: `${await header(interaction, state)}
${error ? `<p class="error" id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form id="totp-form" method="post" action="/interaction/${escapeHtml(interaction.uid)}/totp">
<label for="code">6-digit code from your authenticator app</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required>
<button type="submit" id="submit">Verify</button>
</form>
${cancelForm(interaction.uid)}`,
    })
  }

  const webauthnPage = async (
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    credentials: readonly StoredCredential[],
    error?: string,
    status = 200,
  ): Promise<void> => {
    const options = await authenticationOptions(rp, credentials)
    state.challenge = options.challenge
    sendPage(res, {
      title: 'Confirm with your security key',
      status,
      webauthn: true,
      body: `${await header(interaction, state)}
${error ? `<p class="error" id="error" role="alert">${escapeHtml(error)}</p>` : ''}
${jsonScript('webauthn-request-options', options)}
<p id="webauthn-status" role="status"></p>
<button type="button" id="webauthn-start" data-ceremony="get">Use security key</button>
<form id="webauthn-form" method="post" action="/interaction/${escapeHtml(interaction.uid)}/webauthn">
<input type="hidden" id="webauthn-credential" name="credential">
</form>
${cancelForm(interaction.uid)}`,
    })
  }

  /** Render the next step of a login interaction, or end it when it cannot succeed. */
  const nextLoginStep = async (
    req: IncomingMessage,
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    error?: string,
    status?: number,
  ): Promise<void> => {
    if (!state.accountId) return passwordPage(res, interaction, state, error, status)
    const user = store.findById(state.accountId)
    if (!user) return unmet(req, res, interaction.uid, 'the account is not available')
    if (state.method === 'totp') {
      if (!user.totpSecret) {
        return unmet(req, res, interaction.uid, 'no one-time password authenticator is enrolled')
      }
      return totpPage(res, interaction, state, error, status)
    }
    if (state.method === 'webauthn' || state.method === 'webauthn-hardware') {
      const credentials = usableCredentials(user, state.method)
      if (credentials.length === 0) {
        return unmet(
          req,
          res,
          interaction.uid,
          state.method === 'webauthn'
            ? 'no WebAuthn credential is registered'
            : 'no device-bound WebAuthn credential is registered',
        )
      }
      return webauthnPage(res, interaction, state, credentials, error, status)
    }
    return completeLogin(req, res, interaction.uid, state)
  }

  const consentPage = async (res: ServerResponse, interaction: Interaction): Promise<void> => {
    const client = await provider.Client.find(String(interaction.params['client_id']))
    const name = client?.clientName ?? String(interaction.params['client_id'])
    const scope = String(interaction.params['scope'] ?? '')
    const text = interaction.params['authorization_details']
    const details = typeof text === 'string' ? (JSON.parse(text) as AuthorizationDetail[]) : []
    sendPage(res, {
      title: 'Approve access',
      body: `<p><strong id="client-name">${escapeHtml(name)}</strong> asks for:</p>
${scope ? `<p>Scopes: <code id="scopes">${escapeHtml(scope)}</code></p>` : ''}
${details.length ? `<section id="authorization-details">${details.map(describeDetail).join('\n')}</section>` : ''}
<form id="consent-form" method="post" action="/interaction/${escapeHtml(interaction.uid)}/consent">
<button type="submit" id="approve" name="decision" value="approve">Approve</button>
</form>
${cancelForm(interaction.uid)}`,
    })
  }

  const approve = async (
    req: IncomingMessage,
    res: ServerResponse,
    interaction: Interaction,
  ): Promise<void> => {
    const accountId = interaction.session?.accountId
    const clientId = String(interaction.params['client_id'])
    if (!accountId) throw new BadFormError('no signed-in End-User')
    const text = interaction.params['authorization_details']
    // Details are approved into a grant of their own, so one transaction's approval never
    // lingers in the long-lived grant other authorizations of this client reuse.
    const grant =
      typeof text !== 'string' && interaction.grantId
        ? await provider.Grant.find(interaction.grantId)
        : undefined
    const target = grant ?? new provider.Grant({ accountId, clientId })
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[]
      missingOIDCClaims?: string[]
      missingResourceScopes?: Record<string, string[]>
    }
    if (details.missingOIDCScope) target.addOIDCScope(details.missingOIDCScope.join(' '))
    if (details.missingOIDCClaims) target.addOIDCClaims(details.missingOIDCClaims)
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      target.addResourceScope(indicator, scopes.join(' '))
    }
    if (typeof text === 'string') {
      for (const detail of JSON.parse(text) as AuthorizationDetail[]) target.addRar(detail)
    }
    const grantId = await target.save()
    await finish(req, res, interaction.uid, { consent: { grantId } }, true)
  }

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    step: string | undefined,
  ): Promise<void> => {
    const interaction = await provider.interactionDetails(req, res)
    if (interaction.uid !== uid) throw new BadFormError('interaction mismatch')
    const method = req.method ?? 'GET'

    if (step === undefined) {
      if (method !== 'GET') throw new BadFormError('method not allowed', 405)
      if (interaction.prompt.name === 'consent') return consentPage(res, interaction)
      if (interaction.prompt.name !== 'login') throw new BadFormError('unsupported prompt')
      const state = stateFor(interaction)
      if (!state) {
        return unmet(req, res, uid, 'none of the requested acr values can be met by this server')
      }
      return nextLoginStep(req, res, interaction, state)
    }

    if (method !== 'POST') throw new BadFormError('method not allowed', 405)
    const form = await readForm(req)

    if (step === 'abort') {
      return finish(req, res, uid, {
        error: 'access_denied',
        error_description: 'End-User cancelled the request',
      })
    }
    if (step === 'consent') {
      if (interaction.prompt.name !== 'consent') throw new BadFormError('no consent is pending')
      return approve(req, res, interaction)
    }

    if (interaction.prompt.name !== 'login') throw new BadFormError('no login is pending')
    const state = stateFor(interaction)
    if (!state) return unmet(req, res, uid, 'none of the requested acr values can be met')

    if (step === 'password') {
      if (state.accountId) return nextLoginStep(req, res, interaction, state)
      const username = form.get('username') ?? ''
      const password = form.get('password') ?? ''
      const user = store.findByUsername(username)
      if (locked(user)) {
        return passwordPage(res, interaction, state, 'Too many attempts; try again later.', 429)
      }
      const ok = await verifyPassword(user?.passwordHash, password)
      if (!ok || !user) {
        await recordFailure(user)
        return passwordPage(res, interaction, state, 'Invalid username or password.', 401)
      }
      await recordSuccess(user)
      state.accountId = user.id
      state.amr.push(...amrFor('password'))
      return nextLoginStep(req, res, interaction, state)
    }

    const user = state.accountId ? store.findById(state.accountId) : undefined
    if (!user) return nextLoginStep(req, res, interaction, state)

    if (step === 'totp') {
      if (state.method !== 'totp' || !user.totpSecret) throw new BadFormError('no TOTP step here')
      if (locked(user)) {
        return totpPage(res, interaction, state, 'Too many attempts; try again later.', 429)
      }
      const check = await checkTotp(user.totpSecret, form.get('code') ?? '', user.totpLastTimeStep)
      if (!check.valid) {
        await recordFailure(user)
        return totpPage(res, interaction, state, 'That code is not valid.', 401)
      }
      await store.update(user.id, (u) => {
        u.totpLastTimeStep = check.timeStep
        u.failedAttempts = 0
      })
      state.amr.push(...amrFor('totp'))
      return completeLogin(req, res, uid, state)
    }

    if (step === 'webauthn') {
      if (state.method !== 'webauthn' && state.method !== 'webauthn-hardware') {
        throw new BadFormError('no WebAuthn step here')
      }
      const challenge = state.challenge
      state.challenge = undefined
      const response = parseCredentialJson<AuthenticationResponseJSON>(form.get('credential'))
      const credentials = usableCredentials(user, state.method)
      let verified: Awaited<ReturnType<typeof verifyAssertion>>
      try {
        verified =
          challenge && response
            ? await verifyAssertion(rp, challenge, response, credentials)
            : undefined
      } catch {
        verified = undefined
      }
      if (!verified) {
        await recordFailure(user)
        return nextLoginStep(
          req,
          res,
          interaction,
          state,
          'The security key response could not be verified.',
          401,
        )
      }
      await store.update(user.id, (u) => {
        const stored = u.credentials.find((c) => c.id === verified.credential.id)
        if (stored) {
          stored.counter = verified.newCounter
          stored.backedUp = verified.backedUp
          stored.lastUsedAt = Math.floor(Date.now() / 1000)
        }
        u.failedAttempts = 0
      })
      state.amr.push(
        ...amrFor(verified.credential.hardwareBound ? 'webauthn-hardware' : 'webauthn'),
      )
      return completeLogin(req, res, uid, state)
    }
    throw new BadFormError('unknown step', 404)
  }

  return async (req, res, path) => {
    const match =
      /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(password|totp|webauthn|consent|abort))?$/.exec(
        path,
      )
    if (!match) return false
    try {
      await handle(req, res, match[1]!, match[2])
    } catch (error) {
      const status =
        error instanceof BadFormError
          ? error.status
          : (error as { name?: string }).name === 'SessionNotFound'
            ? 400
            : 500
      if (status === 500) console.error(error)
      if (!res.headersSent) {
        sendPage(res, {
          title: 'Something went wrong',
          status,
          body: `<p class="error" id="error" role="alert">${escapeHtml(
            status === 500
              ? 'The server could not complete this step.'
              : 'This sign-in request is no longer valid. Start again from the application.',
          )}</p>`,
        })
      }
    }
    return true
  }
}
