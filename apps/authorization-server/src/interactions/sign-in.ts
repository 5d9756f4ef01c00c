import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthenticationResponseJSON, PublicKeyCredentialHint } from '@simplewebauthn/server'
import type { AcrRegistry } from '@stepup/acr'
import { authorizationDetailsDigest } from '@stepup/rar'
import type Provider from 'oidc-provider'
import type { AuthorizationDetail } from 'oidc-provider'
import { type AuthenticationMethod, acrFor, amrFor, methodFor } from '../acr.ts'
import { BANK_PAYEES } from '../bank-details.ts'
import { sendPage } from '../html.ts'
import { BadFormError } from '../http.ts'
import { verifyPassword } from '../passwords.ts'
import type { StoredCredential, StoredUser, UserStore } from '../store.ts'
import { checkTotp } from '../totp.ts'
import {
  createTransactionNonce,
  encodedTransactionChallenge,
  TRANSACTION_CONFIRMATION,
  transactionChallenge,
  transactionDetailsOf,
} from '../transaction.ts'
import {
  authenticationOptions,
  parseCredentialJson,
  verifyAssertion,
  type WebAuthnRelyingParty,
} from '../webauthn.ts'
import {
  clientNameOf,
  type FinishInteraction,
  type Interaction,
  requestedDetails,
} from './context.ts'
import type { SignInThrottle } from './throttle.ts'
import {
  noUsableKeyView,
  passwordView,
  type SignInHeader,
  totpView,
  webauthnView,
} from './views.ts'

/** What the sign-in steps need. */
export interface SignInDependencies {
  readonly provider: Provider
  readonly store: UserStore
  readonly acr: AcrRegistry
  readonly rp: WebAuthnRelyingParty
  readonly throttle: SignInThrottle
  /** Payee names by account, shown next to the account on a transfer (default {@link BANK_PAYEES}). */
  readonly payees?: ReadonlyMap<string, string>
}

/** Progress of one login interaction, keyed by its uid (bound to the browser by its cookie). */
interface LoginState {
  readonly requested: readonly string[] | undefined
  readonly method: AuthenticationMethod
  accountId: string | undefined
  amr: string[]
  /** The random challenge of the security key page shown last (requests without a transfer). */
  challenge: string | undefined
  /**
   * The `authorization_details` when the request asks for a transfer: then the security key must
   * sign over them, whatever the session already holds.
   */
  readonly transaction: readonly AuthorizationDetail[] | undefined
  /** The server nonce of the transfer challenge shown last; used once. */
  nonce: Uint8Array | undefined
  /** The digest of the details a verified assertion signed over, in this interaction. */
  confirmedDigest: string | undefined
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

/** The network address a request came from, for the throttle. */
function clientAddressOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown'
}

const TOO_MANY_ATTEMPTS = 'Too many attempts; try again later.'
/** The one answer to a refused password step: wrong password, unknown username or a block. */
const SIGN_IN_REFUSED =
  'That username and password did not work. Check them and try again; after several tries, wait a few minutes first.'

/** The login steps of an interaction. */
export interface SignInSteps {
  /** Show the next page of the login prompt, or end the interaction when it cannot succeed. */
  show(req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<void>
  /** Handle a posted step (`password`, `totp`, `webauthn`). */
  submit(
    req: IncomingMessage,
    res: ServerResponse,
    interaction: Interaction,
    step: string,
    form: URLSearchParams,
  ): Promise<void>
  /** Drop what is kept for an interaction that ended. */
  forget(uid: string): void
}

/**
 * Password, then TOTP or WebAuthn as the requested `acr` demands;
 * `unmet_authentication_requirements` when the user has no means to reach it.
 */
export function createSignInSteps(
  deps: SignInDependencies,
  finishInteraction: FinishInteraction,
): SignInSteps {
  const { provider, store, acr, rp, throttle } = deps
  const payees = deps.payees ?? BANK_PAYEES
  const payeeName = (account: string): string | undefined => payees.get(account)
  const states = new Map<string, LoginState>()

  const prune = (): void => {
    const now = Date.now()
    for (const [uid, state] of states) if (state.expiresAt < now) states.delete(uid)
  }

  const unmet = (req: IncomingMessage, res: ServerResponse, uid: string, description: string) =>
    finishInteraction(req, res, uid, {
      error: 'unmet_authentication_requirements',
      error_description: description,
    })

  const stateFor = (interaction: Interaction): LoginState | undefined => {
    const existing = states.get(interaction.uid)
    if (existing) return existing
    const requested = requestedAcr(interaction.params)
    const requestedMethod = requested ? methodFor(acr, requested) : 'password'
    if (!requestedMethod) return undefined
    const transaction = transactionDetailsOf(interaction.params['authorization_details'])
    // A transfer is confirmed with a security key over its details (PSD2 RTS Art. 5), even when
    // the class asked for would be met by less.
    const method =
      transaction && !requestedMethod.startsWith('webauthn') ? 'webauthn' : requestedMethod
    const sessionAccount = interaction.session?.accountId
    const state: LoginState = {
      requested,
      method,
      transaction,
      nonce: undefined,
      confirmedDigest: undefined,
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
    // Every factor the sign-in needed has passed: only now is the account's failure count cleared.
    const user = store.findById(state.accountId)
    if (user) await throttle.succeeded(user.username, clientAddressOf(req))
    await finishInteraction(req, res, uid, {
      login: { accountId: state.accountId, acr: claimed, amr, ts: Math.floor(Date.now() / 1000) },
      ...(state.confirmedDigest !== undefined && {
        [TRANSACTION_CONFIRMATION]: { accountId: state.accountId, digest: state.confirmedDigest },
      }),
    })
  }

  const header = async (interaction: Interaction, state: LoginState): Promise<SignInHeader> => ({
    clientName: await clientNameOf(provider, interaction),
    requested: state.requested !== undefined,
    method: state.method,
    transfer: state.transaction !== undefined,
  })

  const passwordPage = async (
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    error?: string,
    status = 200,
  ): Promise<void> => {
    const hint = interaction.params['login_hint']
    const page = passwordView(
      interaction.uid,
      await header(interaction, state),
      typeof hint === 'string' ? hint : '',
      error,
    )
    sendPage(res, { ...page, status })
  }

  const totpPage = async (
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    error?: string,
    status = 200,
  ): Promise<void> => {
    sendPage(res, { ...totpView(interaction.uid, await header(interaction, state), error), status })
  }

  const webauthnPage = async (
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    user: StoredUser,
    credentials: readonly StoredCredential[],
    error?: string,
    status = 200,
  ): Promise<void> => {
    let options: Awaited<ReturnType<typeof authenticationOptions>>
    if (state.transaction) {
      // The challenge commits to the transfer: SHA-256(nonce || digest of the details).
      const nonce = createTransactionNonce()
      const digest = await authorizationDetailsDigest(state.transaction)
      options = await authenticationOptions(rp, credentials, transactionChallenge(nonce, digest))
      state.nonce = nonce
      state.challenge = undefined
    } else {
      options = await authenticationOptions(rp, credentials)
      state.challenge = options.challenge
      state.nonce = undefined
    }
    // WebAuthn Level 3 hints: a hardware need asks the browser for a security key first; where a
    // passkey will do, the browser may offer the one on this device or on the user's phone.
    const hints: PublicKeyCredentialHint[] =
      state.method === 'webauthn-hardware'
        ? ['security-key']
        : ['client-device', 'hybrid', 'security-key']
    const page = webauthnView(
      interaction.uid,
      await header(interaction, state),
      { ...options, hints },
      {
        hardware: state.method === 'webauthn-hardware',
        details: state.transaction,
        parties: { payerName: user.name, payeeName },
        error,
      },
    )
    sendPage(res, { ...page, status })
  }

  const noUsableKeyPage = async (
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    user: StoredUser,
  ): Promise<void> => {
    const page = noUsableKeyView(interaction.uid, await header(interaction, state), {
      hardware: state.method === 'webauthn-hardware',
      hasOtherKeys: user.credentials.length > 0,
      transfer: state.transaction !== undefined,
    })
    sendPage(res, page)
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
      if (credentials.length === 0) return noUsableKeyPage(res, interaction, state, user)
      return webauthnPage(res, interaction, state, user, credentials, error, status)
    }
    return completeLogin(req, res, interaction.uid, state)
  }

  const passwordStep = async (
    req: IncomingMessage,
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    form: URLSearchParams,
  ): Promise<void> => {
    if (state.accountId) return nextLoginStep(req, res, interaction, state)
    const username = form.get('username') ?? ''
    const password = form.get('password') ?? ''
    const address = clientAddressOf(req)
    // Counted before the password is checked: concurrent guesses cannot all pass the throttle.
    const decision = await throttle.attempt(username, address)
    // The hash runs for unknown usernames and blocked ones too, and a block answers exactly as a
    // wrong password does: neither the text, the status nor the time tells them apart.
    const user = store.findByUsername(username)
    const ok = await verifyPassword(user?.passwordHash, password)
    if (!decision.allowed) return passwordPage(res, interaction, state, SIGN_IN_REFUSED, 401)
    if (!ok || !user) {
      await decision.failed()
      return passwordPage(res, interaction, state, SIGN_IN_REFUSED, 401)
    }
    // A right password gives its point back but clears nothing: the account's count of failures
    // is cleared only when the whole sign-in completes (completeLogin), so a known password
    // does not reset the lockout of the second factor.
    await decision.passed()
    state.accountId = user.id
    state.amr.push(...amrFor('password'))
    return nextLoginStep(req, res, interaction, state)
  }

  const totpStep = async (
    req: IncomingMessage,
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    user: StoredUser,
    form: URLSearchParams,
  ): Promise<void> => {
    if (state.method !== 'totp' || !user.totpSecret) throw new BadFormError('no TOTP step here')
    const address = clientAddressOf(req)
    const decision = await throttle.attempt(user.username, address)
    if (!decision.allowed) return totpPage(res, interaction, state, TOO_MANY_ATTEMPTS, 429)
    const check = await checkTotp(user.totpSecret, form.get('code') ?? '', user.totpLastTimeStep)
    // RFC 6238 §5.2: a code is accepted once. The last time step is compared and set in one
    // synchronous section (store.update runs its change at once), so of two concurrent
    // submissions of the same code only the first takes it.
    let fresh = false as boolean
    if (check.valid) {
      await store.update(user.id, (u) => {
        if (u.totpLastTimeStep !== undefined && check.timeStep <= u.totpLastTimeStep) return
        u.totpLastTimeStep = check.timeStep
        fresh = true
      })
    }
    if (!fresh) {
      await decision.failed()
      return totpPage(res, interaction, state, 'That code is not valid.', 401)
    }
    await decision.passed()
    state.amr.push(...amrFor('totp'))
    return completeLogin(req, res, interaction.uid, state)
  }

  const webauthnStep = async (
    req: IncomingMessage,
    res: ServerResponse,
    interaction: Interaction,
    state: LoginState,
    user: StoredUser,
    form: URLSearchParams,
  ): Promise<void> => {
    if (state.method !== 'webauthn' && state.method !== 'webauthn-hardware') {
      throw new BadFormError('no WebAuthn step here')
    }
    const address = clientAddressOf(req)
    const decision = await throttle.attempt(user.username, address)
    if (!decision.allowed) {
      return nextLoginStep(req, res, interaction, state, TOO_MANY_ATTEMPTS, 429)
    }
    // Each challenge is good for one response. A transfer's is recomputed from the nonce kept
    // here and the details of this interaction, so an assertion over other details fails.
    const nonce = state.nonce
    state.nonce = undefined
    const digest = state.transaction
      ? await authorizationDetailsDigest(requestedDetails(interaction))
      : undefined
    const challenge =
      digest === undefined ? state.challenge : nonce && encodedTransactionChallenge(nonce, digest)
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
      await decision.failed()
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
    })
    await decision.passed()
    state.confirmedDigest = digest
    state.amr.push(...amrFor(verified.credential.hardwareBound ? 'webauthn-hardware' : 'webauthn'))
    return completeLogin(req, res, interaction.uid, state)
  }

  return {
    forget: (uid) => {
      states.delete(uid)
    },
    async show(req, res, interaction) {
      const state = stateFor(interaction)
      if (!state) {
        return unmet(
          req,
          res,
          interaction.uid,
          'none of the requested acr values can be met by this server',
        )
      }
      return nextLoginStep(req, res, interaction, state)
    },
    async submit(req, res, interaction, step, form) {
      const state = stateFor(interaction)
      if (!state) {
        return unmet(req, res, interaction.uid, 'none of the requested acr values can be met')
      }
      if (step === 'password') return passwordStep(req, res, interaction, state, form)
      const user = state.accountId ? store.findById(state.accountId) : undefined
      if (!user) return nextLoginStep(req, res, interaction, state)
      if (step === 'totp') return totpStep(req, res, interaction, state, user, form)
      if (step === 'webauthn') return webauthnStep(req, res, interaction, state, user, form)
      throw new BadFormError('unknown step', 404)
    },
  }
}
