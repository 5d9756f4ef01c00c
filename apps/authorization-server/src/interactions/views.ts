import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { AuthorizationDetail } from 'oidc-provider'
import type { AuthenticationMethod } from '../acr.ts'
import { escapeHtml, jsonScript, type PageOptions } from '../html.ts'

const BANK_TRANSACTION = 'urn:bank:params:oauth:request:transaction'

const METHOD_LABEL: Record<AuthenticationMethod, string> = {
  password: 'your password',
  totp: 'your password and a code from your authenticator app',
  webauthn: 'a passkey or security key (phishing-resistant)',
  'webauthn-hardware': 'a device-bound security key (phishing-resistant, hardware-protected)',
}

/** What the top of every sign-in page says: who asks, and what this request needs. */
export interface SignInHeader {
  readonly clientName: string
  readonly requested: readonly string[] | undefined
  readonly method: AuthenticationMethod
}

function headerView(header: SignInHeader): string {
  const why = header.requested
    ? `<p class="note" id="acr-requirement" data-acr-values="${escapeHtml(header.requested.join(' '))}">This request asks for ${escapeHtml(METHOD_LABEL[header.method])}.</p>`
    : ''
  return `<p><strong id="client-name">${escapeHtml(header.clientName)}</strong> asks you to sign in.</p>${why}`
}

function errorView(error: string | undefined): string {
  return error ? `<p class="error" id="error" role="alert">${escapeHtml(error)}</p>` : ''
}

function cancelForm(uid: string): string {
  return `<form id="cancel-form" method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit" id="cancel" name="cancel" value="cancel">Cancel</button>
</form>`
}

function describeDetail(detail: AuthorizationDetail): string {
  const transaction = (detail as { transaction?: Record<string, unknown> }).transaction
  if (detail.type === BANK_TRANSACTION && transaction) {
    return `<p id="transaction-summary">Transfer <strong>${escapeHtml(transaction['amount'])} ${escapeHtml(
      transaction['currency'],
    )}</strong> to account <strong>${escapeHtml(transaction['destination_account'])}</strong></p>`
  }
  return `<pre>${escapeHtml(JSON.stringify(detail, null, 2))}</pre>`
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

/** The security key page: request options for the browser and the form it posts. */
export function webauthnView(
  uid: string,
  header: SignInHeader,
  options: PublicKeyCredentialRequestOptionsJSON,
  error?: string,
): PageOptions {
  return {
    title: 'Confirm with your security key',
    webauthn: true,
    body: `${headerView(header)}
${errorView(error)}
${jsonScript('webauthn-request-options', options)}
<p id="webauthn-status" role="status"></p>
<button type="button" id="webauthn-start" data-ceremony="get">Use security key</button>
<form id="webauthn-form" method="post" action="/interaction/${escapeHtml(uid)}/webauthn">
<input type="hidden" id="webauthn-credential" name="credential">
</form>
${cancelForm(uid)}`,
  }
}

/** The consent page: the client, its scopes and the `authorization_details` to approve. */
export function consentView(
  uid: string,
  clientName: string,
  scope: string,
  details: readonly AuthorizationDetail[],
): PageOptions {
  return {
    title: 'Approve access',
    body: `<p><strong id="client-name">${escapeHtml(clientName)}</strong> asks for:</p>
${scope ? `<p>Scopes: <code id="scopes">${escapeHtml(scope)}</code></p>` : ''}
${details.length ? `<section id="authorization-details">${details.map(describeDetail).join('\n')}</section>` : ''}
<form id="consent-form" method="post" action="/interaction/${escapeHtml(uid)}/consent">
<button type="submit" id="approve" name="decision" value="approve">Approve</button>
</form>
${cancelForm(uid)}`,
  }
}

/** The page for a request that failed: no longer valid (4xx) or a server fault (5xx). */
export function failureView(status: number): PageOptions {
  return {
    title: 'Something went wrong',
    status,
    body: errorView(
      status === 500
        ? 'The server could not complete this step.'
        : 'This sign-in request is no longer valid. Start again from the application.',
    ),
  }
}
