import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { AuthorizationDetail } from 'oidc-provider'
import type { AuthenticationMethod } from '../acr.ts'
import { escapeHtml, jsonScript, type PageOptions } from '../html.ts'
import { type BankTransfer, bankTransfersOf } from '../transaction.ts'

/** Where the End-User manages their security keys (the account pages). */
export const SECURITY_KEYS_PATH = '/account/security'

/** What each method asks of the customer, in their words. */
const METHOD_NEEDS: Record<AuthenticationMethod, string> = {
  password: 'your password',
  totp: 'your password and a code from your authenticator app',
  webauthn: 'your passkey or security key',
  'webauthn-hardware': 'your hardware security key',
}

/** What the top of every sign-in page says: who asks, and what this request needs. */
export interface SignInHeader {
  readonly clientName: string
  /** Whether the client asked for a particular strength of sign-in. */
  readonly requested: boolean
  readonly method: AuthenticationMethod
  /** Whether the request asks to confirm a transfer. */
  readonly transfer: boolean
}

function headerView(header: SignInHeader): string {
  const why = header.requested
    ? `<p class="note" id="acr-requirement">This needs ${escapeHtml(METHOD_NEEDS[header.method])}.</p>`
    : ''
  const asks = header.transfer ? 'asks you to confirm a transfer' : 'asks you to sign in'
  return `<p><strong id="client-name">${escapeHtml(header.clientName)}</strong> ${asks}.</p>${why}`
}

function errorView(error: string | undefined): string {
  return error ? `<p class="error" id="error" role="alert">${escapeHtml(error)}</p>` : ''
}

/** Why the customer left: `no-key` from the page saying they have no usable key. */
export type CancelReason = 'cancel' | 'no-key'

function cancelForm(uid: string, label = 'Cancel', reason: CancelReason = 'cancel'): string {
  return `<form id="cancel-form" method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit" class="secondary" id="cancel" name="cancel" value="${reason}">${escapeHtml(label)}</button>
</form>`
}

/** The most fraction digits `Intl.NumberFormat` takes on every supported Node version (20: 20). */
const INTL_MAX_FRACTION_DIGITS = 20

/**
 * An amount in its currency, every digit the request gave kept (a transfer of `1000.5` JPY shows
 * as ¥1,000.5, never rounded to what was not asked). An amount `Intl.NumberFormat` cannot show
 * exactly — more fraction digits than it takes, or too large to be finite (`$∞`) — is shown as
 * it was sent, with its currency code.
 */
export function formatAmount(amount: string, currency: string): string {
  const exact = `${amount} ${currency}`
  const decimals = amount.split('.')[1]?.length ?? 0
  const standard = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
  const maximum = Math.max(standard.maximumFractionDigits ?? 2, decimals)
  if (maximum > INTL_MAX_FRACTION_DIGITS || !Number.isFinite(Number(amount))) return exact
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: standard.minimumFractionDigits ?? 2,
    maximumFractionDigits: maximum,
  }).format(amount as `${number}`)
}

/** Who sends, who receives and how much: what the customer confirms. */
export interface TransferParties {
  /** The signed-in customer's name. */
  readonly payerName: string
  /** The payee's name for an account, when the bank knows it. */
  readonly payeeName: (account: string) => string | undefined
}

function transferView(transfer: BankTransfer, parties: TransferParties, index: number): string {
  const suffix = index === 0 ? '' : `-${index + 1}`
  const payee = parties.payeeName(transfer.destinationAccount)
  const payer = transfer.sourceAccount
    ? `${escapeHtml(parties.payerName)}, account ${escapeHtml(transfer.sourceAccount)}`
    : escapeHtml(parties.payerName)
  const to = payee
    ? `${escapeHtml(payee)}, account ${escapeHtml(transfer.destinationAccount)}`
    : `Account ${escapeHtml(transfer.destinationAccount)} <span class="note">(we have no name for this account: check the number)</span>`
  return `<dl>
<dt>From</dt><dd id="payer${suffix}">${payer}</dd>
<dt>To</dt><dd id="payee${suffix}">${to}</dd>
<dt>Amount</dt><dd id="amount${suffix}">${escapeHtml(formatAmount(transfer.amount, transfer.currency))}</dd>
</dl>`
}

function otherDetailView(detail: AuthorizationDetail): string {
  return `<pre>${escapeHtml(JSON.stringify(detail, null, 2))}</pre>`
}

/** The summary of the requested details: each transfer in words, anything else as it was sent. */
function detailsView(details: readonly AuthorizationDetail[], parties: TransferParties): string {
  const transfers = bankTransfersOf(details)
  const others = details.filter((d) => !bankTransfersOf([d]).length)
  return [
    ...transfers.map((t, i) => transferView(t, parties, i)),
    ...others.map(otherDetailView),
  ].join('\n')
}

/** The username and password form. */
export function passwordView(
  uid: string,
  header: SignInHeader,
  loginHint: string,
  error?: string,
): PageOptions {
  return {
    title: 'Sign in',
    body: `${headerView(header)}
${errorView(error)}
<form id="login-form" method="post" action="/interaction/${escapeHtml(uid)}/password">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username webauthn" required value="${escapeHtml(loginHint)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="submit">Continue</button>
</form>
${cancelForm(uid)}`,
  }
}

/** The one-time code form. */
export function totpView(uid: string, header: SignInHeader, error?: string): PageOptions {
  return {
    title: 'Enter your one-time code',
    body: `${headerView(header)}
${errorView(error)}
<form id="totp-form" method="post" action="/interaction/${escapeHtml(uid)}/totp">
<label for="code">6-digit code from your authenticator app</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required>
<button type="submit" id="submit">Verify</button>
</form>
${cancelForm(uid)}`,
  }
}

/** What the security key page shows besides the ceremony. */
export interface WebAuthnPage {
  /** Whether only a hardware (device-bound) security key will do. */
  readonly hardware: boolean
  /** The transaction the assertion confirms, when the request carries one. */
  readonly details?: readonly AuthorizationDetail[] | undefined
  readonly parties: TransferParties
  readonly error?: string | undefined
}

const WHY_HARDWARE =
  'Large transfers like this one need a hardware security key, because its secret never leaves the key, while a synced passkey is copied to every device signed in to your account.'

/**
 * The security key page: for a transaction, who pays whom and how much (the assertion signs over
 * exactly this, PSD2 RTS Art. 5), then the ceremony's options and the form it posts.
 */
export function webauthnView(
  uid: string,
  header: SignInHeader,
  options: PublicKeyCredentialRequestOptionsJSON,
  page: WebAuthnPage,
): PageOptions {
  const transaction = page.details?.length
    ? `<section id="transaction-summary" aria-label="The transfer you confirm">
<p>Check the details. Your key confirms this transfer and nothing else.</p>
${detailsView(page.details, page.parties)}
</section>`
    : ''
  const which = page.hardware
    ? `<p class="note" id="key-kind">${page.details?.length ? WHY_HARDWARE : 'This needs a hardware security key: a passkey synced between devices will not do.'}</p>`
    : '<p class="note" id="key-kind">You can use a passkey saved on your phone or computer, or a security key.</p>'
  return {
    title: page.details?.length ? 'Confirm this transfer' : 'Confirm it is you',
    webauthn: true,
    body: `${headerView(header)}
${errorView(page.error)}
${transaction}
${which}
${jsonScript('webauthn-request-options', options)}
<p id="webauthn-status" role="status"></p>
<button type="button" id="webauthn-start" data-ceremony="get">${page.hardware ? 'Use security key' : 'Use passkey or security key'}</button>
<form id="webauthn-form" method="post" action="/interaction/${escapeHtml(uid)}/webauthn">
<input type="hidden" id="webauthn-credential" name="credential">
</form>
${cancelForm(uid)}`,
  }
}

/** Why no key of the account can do what the request needs. */
export interface NoUsableKey {
  /** Whether only a hardware (device-bound) security key would do. */
  readonly hardware: boolean
  /** Whether the account has keys, none of them good enough (synced passkeys for a hardware need). */
  readonly hasOtherKeys: boolean
  readonly transfer: boolean
}

/**
 * The page for an account without a key that can do what is asked: says so, links to the page
 * where a key is added, and offers to go back to the application (`access_denied`).
 */
export function noUsableKeyView(uid: string, header: SignInHeader, why: NoUsableKey): PageOptions {
  const need = why.hardware ? 'a hardware security key' : 'a passkey or security key'
  const what = why.transfer ? 'This transfer needs' : 'This needs'
  const have = why.hasOtherKeys
    ? 'Your account only has passkeys that sync between devices, which are not enough here.'
    : 'Your account has none yet.'
  return {
    title: 'You need a security key',
    body: `${headerView(header)}
<p class="warning" id="no-usable-key">${escapeHtml(`${what} ${need}. ${have}`)}</p>
${why.hardware && why.transfer ? `<p class="note" id="why-hardware-key">${escapeHtml(WHY_HARDWARE)}</p>` : ''}
<p><a class="button" id="add-security-key" href="${SECURITY_KEYS_PATH}" target="_blank" rel="noopener">Add a security key</a></p>
<p class="note">Once it is added, <a id="try-again" href="/interaction/${escapeHtml(uid)}">try again</a>.</p>
${cancelForm(uid, 'Cancel and go back', 'no-key')}`,
  }
}

/** Scopes in the customer's words; anything unknown as it was asked for. */
const SCOPE_WORDS: Readonly<Record<string, string>> = {
  openid: 'Know who you are',
  profile: 'See your name',
  offline_access: 'Keep you signed in',
  'accounts:read': 'See your accounts and balances',
  'transfers:write': 'Make transfers from your accounts',
  'password:write': 'Change your password',
}

/** The consent page: the client, what it may do and the `authorization_details` to approve. */
export function consentView(
  uid: string,
  clientName: string,
  scope: string,
  details: readonly AuthorizationDetail[],
  parties: TransferParties,
): PageOptions {
  const scopes = scope.split(' ').filter((s) => s.length > 0)
  const transfer = bankTransfersOf(details).length > 0
  return {
    title: transfer ? 'Approve this transfer' : 'Approve access',
    body: `<p><strong id="client-name">${escapeHtml(clientName)}</strong> asks for your approval.</p>
${scopes.length ? `<ul id="scopes">${scopes.map((s) => `<li>${escapeHtml(SCOPE_WORDS[s] ?? s)}</li>`).join('')}</ul>` : ''}
${details.length ? `<section id="authorization-details">${detailsView(details, parties)}</section>` : ''}
<form id="consent-form" method="post" action="/interaction/${escapeHtml(uid)}/consent">
<button type="submit" id="approve" name="decision" value="approve">Approve</button>
</form>
${cancelForm(uid)}`,
  }
}

/**
 * The page for a request that failed: a server fault (5xx), or a step that no longer exists (4xx:
 * the sign-in or confirmation it belonged to has ended — what Back after a finished confirmation
 * shows), said without alarm since nothing went wrong for the customer.
 */
export function failureView(status: number): PageOptions {
  if (status >= 500) {
    return {
      title: 'Something went wrong',
      status,
      body: errorView('The server could not complete this step. Nothing was approved.'),
    }
  }
  return {
    title: 'This step is finished',
    status,
    body: `<p id="finished">This page belonged to a sign-in or a confirmation that has already ended, so there is nothing more to do here.</p>
<p>Go back to the application you came from to see the result, or to start again.</p>`,
  }
}

/**
 * The page for an error node-oidc-provider cannot send back to the application (an unknown
 * client, a redirect URI it does not know, an expired sign-in): what happened in plain words,
 * with the OAuth error code kept out of sight in `data-error` for support.
 */
export function providerErrorView(error: string): PageOptions {
  const expired = error === 'invalid_request' || error === 'session_not_found'
  return {
    title: 'We could not sign you in',
    body: `<p class="error" id="error" role="alert" data-error="${escapeHtml(error)}">${
      expired
        ? 'This sign-in link is no longer valid, or it was opened twice.'
        : 'The application sent a sign-in request this bank cannot accept.'
    }</p>
<p>Go back to the application and start again. If this keeps happening, contact the bank.</p>`,
  }
}
