import 'bank-theme/bank.css'
import {
  createStepUpFetch,
  fetchProtectedResourceMetadata,
  type StepUpChallenge,
  type StepUpContext,
  type TypedAccessToken,
} from '@stepup/client'
import {
  completeStepUpInPopup,
  createPopupStepUp,
  type PopupStepUp,
  resumeAfterRedirect,
} from '@stepup/client/browser'
import { config } from './config.ts'
import { dpopKeyPair } from './dpop-key.ts'
import { clearForm, type FormState, type Payee, parseAmount, readForm, saveForm } from './form.ts'
import { formatMoney } from './money.ts'
import {
  accessToken,
  client,
  completeSignIn,
  currentToken,
  discover,
  forgetSession,
  isSignInCallback,
  REDIRECT_URI,
  RESOURCE,
  refreshMargin,
  refreshTokens,
  SCOPE,
  SessionEndedError,
  saveTokenResponse,
  signIn,
  signOut,
  type TokenState,
} from './oauth.ts'

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id)
  if (!element) throw new Error(`#${id} is missing`)
  return element as T
}
const api = config.api.replace(/\/$/, '')
const LAST_CHALLENGE = 'bank.challenge'
const LAST_REQUEST = 'bank.authorization-request'
const LAST_MODE = 'bank.step-up-mode'
const LAST_ERROR = 'bank.last-error'
/** A message to show once after the page comes back (sign-out, session end). */
const FLASH = 'bank.flash'
/** The last payee book read, for this tab. */
const PAYEES = 'bank.payees'

export const SESSION_ENDED = 'Your session ended — sign in again.'
const ADD_KEY_URL = `${config.issuer}/account/security`

interface Account {
  readonly account_id: string
  readonly name: string
  readonly currency: string
  readonly balance: string
}
interface Transfer {
  readonly transfer_id: string
  readonly destination_account: string
  readonly destination_name?: string
  readonly amount: string
  readonly currency: string
  readonly created_at: string
}

let accounts: Account[] = []
/** The payee book of the account the form sends from (`GET /accounts/:id/payees`). */
let payees: readonly Payee[] = []

const currencyOf = (accountId: string | undefined): string =>
  accounts.find((account) => account.account_id === accountId)?.currency ?? 'USD'
const payeeName = (accountId: string): string =>
  payees.find((payee) => payee.account_id === accountId)?.name ??
  accounts.find((account) => account.account_id === accountId)?.name ??
  accountId

/** The status line: a sentence, and optionally a link (e.g. to add a security key). */
function showResult(
  text: string,
  kind: 'ok' | 'error' | 'notice' = 'notice',
  link?: { readonly href: string; readonly text: string; readonly id: string },
): void {
  const result = $('result')
  result.replaceChildren(text)
  if (link) {
    const anchor = document.createElement('a')
    anchor.href = link.href
    anchor.id = link.id
    anchor.textContent = link.text
    result.append(' ', anchor)
  }
  result.className = kind
  result.hidden = false
}

function clearResult(): void {
  $('result').hidden = true
  $('result').replaceChildren()
}

function showToken(token: TokenState | undefined): void {
  $('token-type').textContent = token
    ? token.tokenType === 'DPoP'
      ? `DPoP, bound to this browser's key (cnf.jkt ${token.jkt ?? '?'})`
      : 'Bearer'
    : '—'
  $('token-acr').textContent = token?.acr ?? '—'
  $('token-auth-time').textContent =
    token?.auth_time === undefined
      ? '—'
      : `${token.auth_time} (${new Date(token.auth_time * 1000).toLocaleTimeString()})`
  $('token-amr').textContent = token?.amr ? JSON.stringify(token.amr) : '—'
  $('token-expires').textContent =
    token?.expiresAt === undefined
      ? '—'
      : `${new Date(token.expiresAt).toLocaleTimeString()} (renewed with the refresh token ${Math.round(refreshMargin(token) / 1000)} s before)`
  $('token-details').textContent = token?.authorization_details
    ? JSON.stringify(token.authorization_details, null, 2)
    : '(none)'
}

function showExplain(): void {
  $('challenge').textContent = sessionStorage.getItem(LAST_CHALLENGE) ?? '(none yet)'
  $('authorization-request').textContent = sessionStorage.getItem(LAST_REQUEST) ?? '(none yet)'
  $('step-up-mode').textContent = sessionStorage.getItem(LAST_MODE) ?? '(no step-up yet)'
  $('last-error').textContent = sessionStorage.getItem(LAST_ERROR) ?? '(none)'
}

/** Keep the technical side of a failure for the protocol panel, never for the message. */
function recordError(error: unknown): void {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: unknown }
  const causeText =
    cause && typeof cause === 'object' && 'error' in cause
      ? ` (authorization server: ${String((cause as { error: unknown }).error)})`
      : ''
  sessionStorage.setItem(
    LAST_ERROR,
    `${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${
      typeof code === 'string' ? ` [${code}]` : ''
    }${causeText}`,
  )
  showExplain()
}

/** The transfer a request carries: source account, amount, currency and payee. */
interface TransferShown {
  readonly source: string
  readonly amount?: string
  readonly currency?: string
  readonly destination?: string
}

async function transferOf(request: Request): Promise<TransferShown> {
  const source = decodeURIComponent(new URL(request.url).pathname.split('/')[2] ?? '')
  try {
    const body = (await request.clone().json()) as {
      authorization_details?: { transaction?: Record<string, unknown> }[]
    }
    const transaction = body.authorization_details?.[0]?.transaction ?? {}
    const text = (name: string) =>
      typeof transaction[name] === 'string' ? (transaction[name] as string) : undefined
    const amount = text('amount')
    const currency = text('currency')
    const destination = text('destination_account')
    return {
      source,
      ...(amount !== undefined && { amount }),
      ...(currency !== undefined && { currency }),
      ...(destination !== undefined && { destination }),
    }
  } catch {
    return { source }
  }
}

const describeTransfer = (transfer: TransferShown): string =>
  transfer.amount && transfer.destination
    ? `${formatMoney(transfer.amount, transfer.currency ?? currencyOf(transfer.source))} to ${payeeName(transfer.destination)}`
    : 'transfer'

/** What the challenge asks for, in words a customer knows. */
function factorFor(challenge: StepUpChallenge): 'key' | 'passkey' | 'sign-in' {
  const acr = challenge.kind === 'step_up' ? (challenge.acr_values ?? []) : []
  if (challenge.kind === 'insufficient_authorization_details' || acr.includes('phrh')) return 'key'
  return acr.includes('phr') ? 'passkey' : 'sign-in'
}

function reasonFor(challenge: StepUpChallenge, transfer: TransferShown): string {
  const what = transfer.amount
    ? `Confirm this ${formatMoney(transfer.amount, transfer.currency ?? currencyOf(transfer.source))} transfer`
    : 'Confirm this transfer'
  switch (factorFor(challenge)) {
    case 'key':
      return `${what} with your security key.`
    case 'passkey':
      return `${what} with a passkey or security key.`
    default:
      return `${what} by signing in again.`
  }
}

function detailFor(challenge: StepUpChallenge): string {
  const where =
    'A small window from the bank’s sign-in service opens; the transfer continues here when you are done. If your browser blocks the window, this page goes there and comes back.'
  switch (factorFor(challenge)) {
    case 'key':
      return `Large transfers need a hardware security key, and the key confirms exactly this amount and payee — each such transfer is confirmed on its own. ${where}`
    case 'passkey':
      return `Transfers of this size need a passkey or security key used in the last few minutes. ${where}`
    default:
      return where
  }
}

const formatParams = (params: Readonly<Record<string, string | undefined>>) =>
  Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name} = ${value}`)
    .join('\n')

/** Raised instead of asking again when a transfer resumed after a confirmation is challenged. */
class ConfirmationExpiredError extends Error {
  override readonly name = 'ConfirmationExpiredError'
}

/** Whether the request being sent is one resumed after a full-page confirmation. */
let resuming = false

/**
 * The step-up fetch's `stepUp`: explain why, then on "Continue" run the popup step-up — opened
 * right in the click, so the browser lets it open; if it blocks it anyway, the page leaves for
 * the sign-in service and the transfer resumes after the redirect. "Cancel" rejects with an
 * `AbortError`.
 */
async function confirmStepUp(
  challenge: StepUpChallenge,
  context: StepUpContext,
  popup: PopupStepUp,
): Promise<TypedAccessToken> {
  if (resuming) throw new ConfirmationExpiredError('challenged again after the confirmation')
  const transfer = await transferOf(context.request)
  $('step-up-amount').textContent = transfer.amount
    ? formatMoney(transfer.amount, transfer.currency ?? currencyOf(transfer.source))
    : '—'
  $('step-up-payee').textContent = transfer.destination
    ? `${payeeName(transfer.destination)} (${transfer.destination})`
    : '—'
  $('step-up-source').textContent = `${payeeName(transfer.source)} (${transfer.source})`
  $('step-up-reason').textContent = reasonFor(challenge, transfer)
  $('step-up-detail').textContent = detailFor(challenge)
  $('step-up').hidden = false
  $('step-up-continue').removeAttribute('disabled')
  clearResult()
  return new Promise((resolve, reject) => {
    $('step-up-continue').onclick = () => {
      $('step-up-continue').setAttribute('disabled', '')
      sessionStorage.setItem(LAST_REQUEST, formatParams(context.params))
      showExplain()
      showResult('Confirm in the bank’s sign-in window…')
      // Synchronously in the click: window.open keeps the user activation.
      popup(challenge, context).then((token) => {
        sessionStorage.setItem(LAST_MODE, 'popup (this page stayed loaded)')
        showExplain()
        resolve(token)
      }, reject)
    }
    $('step-up-cancel').onclick = () => {
      $('step-up').hidden = true
      reject(new DOMException('The user cancelled the step-up', 'AbortError'))
    }
  })
}

const NOTHING = 'Nothing was transferred.'

/** A message for the status line: a sentence and, optionally, a link. */
interface Message {
  readonly text: string
  readonly link?: { readonly href: string; readonly text: string; readonly id: string }
}
const message = (text: string, link?: Message['link']): Message =>
  link ? { text, link } : { text }

/** Show why a transfer failed; a refused session ends it instead. */
function describeFailure(error: unknown, afterConfirmation: boolean): void {
  recordError(error)
  if (error instanceof SessionEndedError) {
    endSession()
    return
  }
  const { text, link } = failureMessage(error, afterConfirmation)
  showResult(text, 'error', link)
}

/**
 * The OAuth error response (RFC 6749 §4.1.2.1) behind a failed confirmation, if any: the error
 * itself or one of its causes with a string `error`.
 */
function authorizationError(
  error: unknown,
): { error: string; error_description?: string } | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { error?: unknown; error_description?: unknown; cause?: unknown }
    if (typeof candidate.error === 'string') {
      return {
        error: candidate.error,
        ...(typeof candidate.error_description === 'string' && {
          error_description: candidate.error_description,
        }),
      }
    }
    current = candidate.cause
  }
  return undefined
}

/** What the sign-in service says when the customer leaves its page for a missing key. */
const NO_USABLE_KEY = 'End-User has no security key that meets this request'

/** Why a transfer ended without money moving, in words (never a protocol word or code). */
function failureMessage(error: unknown, afterConfirmation: boolean): Message {
  const { code } = (error ?? {}) as { code?: unknown }
  const answered = authorizationError(error)
  const noKey =
    code === 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS' ||
    (answered?.error === 'access_denied' && answered.error_description === NO_USABLE_KEY)
  if (noKey) {
    const { challenge } = error as { challenge?: StepUpChallenge }
    const needsKey = challenge === undefined || factorFor(challenge) === 'key'
    return message(
      needsKey
        ? `This transfer needs a hardware security key, and your account has none that can confirm it. ${NOTHING} Add a security key, then send the transfer again.`
        : `This transfer needs a passkey or security key, and your account has none yet. ${NOTHING} Add one, then send the transfer again.`,
      { href: ADD_KEY_URL, text: 'Add a security key', id: 'add-key' },
    )
  }
  const cancelled =
    code === 'ERR_STEP_UP_CANCELLED' ||
    answered?.error === 'access_denied' ||
    (error instanceof DOMException && error.name === 'AbortError')
  if (cancelled) return message(`You cancelled the confirmation. ${NOTHING}`)
  // Challenged again right after a confirmation: it was no longer recent enough (max_age).
  const challengedAgain =
    (code === 'ERR_STEP_UP_LOOP' || code === 'ERR_STEP_UP_LIMIT') &&
    (error as { challenge?: StepUpChallenge }).challenge?.kind === 'step_up'
  if (error instanceof ConfirmationExpiredError || challengedAgain) {
    return message(
      `Your confirmation expired before the transfer was sent. ${NOTHING} Send it again and confirm it straight away.`,
    )
  }
  if (code === 'ERR_POPUP_BLOCKED') {
    return message(
      `Your browser blocked the confirmation window. ${NOTHING} Allow pop-ups for this site and try again.`,
    )
  }
  if (error instanceof TypeError || code === 'ERR_RESOURCE_METADATA_UNAVAILABLE') {
    return message(
      afterConfirmation
        ? 'We could not reach the bank to finish the transfer you confirmed, so we cannot tell whether it went through. Check your history before retrying.'
        : 'We could not reach the bank, so we cannot tell whether your transfer went through. Check your history before retrying.',
    )
  }
  return message(`The confirmation could not be completed. ${NOTHING} Please try again.`)
}

/** The API's refusal of a transfer, in words. */
function describeRefusal(status: number, body: Record<string, unknown>): string {
  switch (body['error']) {
    case 'insufficient_funds':
      return `Your balance is too low for this transfer. ${NOTHING}`
    case 'unknown_account':
      return `We could not find that payee’s account. ${NOTHING}`
    case 'invalid_request':
      return `The bank could not read this transfer; check the amount (for example 250.00). ${NOTHING}`
    default:
      return status >= 500
        ? `The bank cannot take transfers right now. ${NOTHING} Please try again in a moment.`
        : `The bank refused this transfer. ${NOTHING}`
  }
}

type BankFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
let bankFetch: BankFetch | undefined
/** Set by `onInvalidToken`: the API refused the access token of the last call. */
let tokenRefused = false

/**
 * One API call: the step-up fetch, and when the API refuses the access token itself (expired,
 * revoked), one renewal with the refresh token and one retry; when that fails the session ends.
 */
async function bank(request: Request): Promise<Response> {
  tokenRefused = false
  const retry = request.clone()
  const response = await bankFetch!(request)
  if (response.status !== 401 || !tokenRefused) return response
  await refreshTokens()
  tokenRefused = false
  const second = await bankFetch!(retry)
  if (second.status === 401 && tokenRefused) throw new SessionEndedError('token refused')
  return second
}

function renderAccounts(): void {
  const rows = $('accounts').querySelector('tbody')!
  rows.replaceChildren(
    ...accounts.map((account, index) => {
      const row = document.createElement('tr')
      const cells = [
        account.name,
        account.account_id,
        formatMoney(account.balance, account.currency),
      ]
      cells.forEach((text, column) => {
        const cell = document.createElement('td')
        cell.textContent = text
        if (column === 2) {
          cell.className = 'amount'
          if (index === 0) cell.id = 'balance'
        }
        row.append(cell)
      })
      return row
    }),
  )
  const source = $<HTMLSelectElement>('source')
  const selected = source.value || readForm()?.source
  source.replaceChildren(
    ...accounts.map(
      (account) =>
        new Option(
          `${account.name} (${account.account_id}) — ${formatMoney(account.balance, account.currency)}`,
          account.account_id,
        ),
    ),
  )
  if (selected && accounts.some((account) => account.account_id === selected)) {
    source.value = selected
  }
  $('amount-currency').textContent = `(${currencyOf(source.value)})`
}

async function loadHistory(): Promise<void> {
  const source = $<HTMLSelectElement>('source').value
  if (!source) return
  const response = await bank(
    new Request(`${api}/accounts/${encodeURIComponent(source)}/transfers`),
  )
  if (!response.ok) throw new Error(`transfers: HTTP ${response.status}`)
  const { transfers } = (await response.json()) as { transfers: Transfer[] }
  $('history-unavailable').hidden = true
  $('history-table').hidden = transfers.length === 0
  $('history-empty').hidden = transfers.length > 0
  $('history-table')
    .querySelector('tbody')!
    .replaceChildren(
      ...transfers.map((transfer) => {
        const row = document.createElement('tr')
        const when = new Date(transfer.created_at)
        const cells = [
          when.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
          transfer.destination_name ?? payeeName(transfer.destination_account),
          formatMoney(transfer.amount, transfer.currency),
        ]
        cells.forEach((text, column) => {
          const cell = document.createElement('td')
          cell.textContent = text
          if (column === 2) cell.className = 'amount'
          row.append(cell)
        })
        return row
      }),
    )
}

/**
 * The payee book of the account the form sends from: the bank's payees, then the customer's own
 * other accounts. The payee chosen (or kept across a reload) stays chosen.
 */
async function loadPayees(): Promise<void> {
  const source = $<HTMLSelectElement>('source').value
  if (!source) return
  const response = await bank(new Request(`${api}/accounts/${encodeURIComponent(source)}/payees`))
  if (!response.ok) throw new Error(`payees: HTTP ${response.status}`)
  ;({ payees } = (await response.json()) as { payees: Payee[] })
  // Kept for this tab, so names still show while the bank cannot be reached.
  sessionStorage.setItem(PAYEES, JSON.stringify(payees))
  renderPayees()
}

function renderPayees(): void {
  const select = $<HTMLSelectElement>('payee')
  const selected = select.value || readForm()?.payee || ''
  const group = (label: string, entries: readonly Payee[]) => {
    const element = document.createElement('optgroup')
    element.label = label
    element.append(
      ...entries.map(
        (entry) => new Option(`${entry.name} (${entry.account_id})`, entry.account_id),
      ),
    )
    return element
  }
  const others = payees.filter((entry) => !entry.own)
  const own = payees.filter((entry) => entry.own)
  select.replaceChildren(
    new Option('Choose a payee', ''),
    ...(others.length > 0 ? [group('Payees', others)] : []),
    ...(own.length > 0 ? [group('Your accounts', own)] : []),
  )
  select.value = payees.some((entry) => entry.account_id === selected) ? selected : ''
}

/** Never "no transfers" when the bank could not say: the customer checks this list. */
function historyUnavailable(): void {
  $('history-unavailable').hidden = false
  $('history-empty').hidden = true
  $('history-table').hidden = true
}

/** Accounts, payees and history; a failure to load them is shown quietly and never thrown. */
async function loadAccounts(): Promise<void> {
  const failed = (error: unknown, show: () => void) =>
    error instanceof SessionEndedError ? endSession() : show()
  try {
    const response = await bank(new Request(`${api}/accounts`))
    if (!response.ok) throw new Error(`accounts: HTTP ${response.status}`)
    ;({ accounts } = (await response.json()) as { accounts: Account[] })
  } catch (error) {
    return failed(error, () => {
      $('accounts-unavailable').hidden = false
      $('accounts').hidden = accounts.length === 0
      historyUnavailable()
    })
  }
  $('accounts-unavailable').hidden = true
  $('accounts').hidden = false
  renderAccounts()
  await Promise.all([
    loadPayees().catch((error: unknown) => failed(error, () => undefined)),
    loadHistory().catch((error: unknown) => failed(error, historyUnavailable)),
  ])
}

/** Send a transfer through the step-up fetch; explains every outcome. */
async function sendTransfer(request: Request, afterConfirmation = false): Promise<void> {
  const shown = await transferOf(request)
  showResult(afterConfirmation ? `Confirmed. Sending the ${describeTransfer(shown)}…` : 'Sending…')
  $('send').setAttribute('disabled', '')
  resuming = afterConfirmation
  try {
    const response = await bank(request)
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
    if (response.status === 201) {
      clearForm()
      fillForm(undefined)
      const currency = String(body['currency'] ?? shown.currency ?? currencyOf(shown.source))
      const payee = payeeName(String(body['destination_account']))
      showResult(
        `Sent ${formatMoney(String(body['amount']), currency)} to ${payee}${payee.endsWith('.') ? '' : '.'} Your new balance is ${formatMoney(String(body['balance_after']), currency)}.`,
        'ok',
      )
    } else {
      recordError(new Error(`HTTP ${response.status} ${String(body['error'] ?? '')}`))
      showResult(describeRefusal(response.status, body), 'error')
    }
  } catch (error) {
    describeFailure(error, afterConfirmation)
  } finally {
    resuming = false
    $('step-up').hidden = true
    $('send').removeAttribute('disabled')
    showToken(currentToken())
    if (currentToken()) await loadAccounts()
  }
}

function fillForm(state: FormState | undefined): void {
  const source = $<HTMLSelectElement>('source')
  if (state?.source) {
    // Before the accounts are known (the bank unreachable), the kept account is still shown.
    if (![...source.options].some((option) => option.value === state.source)) {
      source.append(new Option(state.source, state.source))
    }
    source.value = state.source
  }
  const payee = $<HTMLSelectElement>('payee')
  if (state?.payee && ![...payee.options].some((option) => option.value === state.payee)) {
    payee.append(new Option(payeeName(state.payee), state.payee))
  }
  payee.value = state?.payee ?? ''
  $<HTMLInputElement>('amount').value = state?.amount ?? ''
  $('amount-currency').textContent = `(${currencyOf(source.value)})`
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined

/** Renew the access token a little before it expires; a refused renewal ends the session. */
function scheduleRefresh(): void {
  clearTimeout(refreshTimer)
  const token = currentToken()
  if (token?.expiresAt === undefined || !token.refreshToken) return
  const delay = Math.max(0, token.expiresAt - refreshMargin(token) - Date.now())
  refreshTimer = setTimeout(() => {
    refreshTokens().then(
      (renewed) => {
        showToken(renewed)
        scheduleRefresh()
      },
      (error: unknown) => {
        if (error instanceof SessionEndedError) return endSession()
        // The sign-in service could not be reached: try again shortly.
        refreshTimer = setTimeout(scheduleRefresh, 5000)
      },
    )
  }, delay)
}

/** The session is over (refresh refused): forget it here and say so. */
function endSession(): void {
  clearTimeout(refreshTimer)
  sessionStorage.removeItem(PAYEES)
  void forgetSession().then(() => {
    render()
    showResult(SESSION_ENDED, 'error')
  })
}

function render(): void {
  const token = currentToken()
  $('signed-out').hidden = token !== undefined
  $('signed-in').hidden = token === undefined
  $('sign-out').hidden = token === undefined
  $('explain').hidden = token === undefined
  showToken(token)
  showExplain()
  scheduleRefresh()
}

/** The API's RFC 9728 metadata, read cross-origin like any browser client would (CORS). */
async function showResourceMetadata(): Promise<void> {
  try {
    const metadata = await fetchProtectedResourceMetadata(
      `${api}/.well-known/oauth-protected-resource`,
      { resource: RESOURCE },
    )
    $('api-metadata').textContent = [
      `resource = ${metadata.resource}`,
      `authorization_servers = ${metadata.authorization_servers?.join(' ') ?? '(none)'}`,
      `dpop_bound_access_tokens_required = ${metadata.dpop_bound_access_tokens_required ?? false}`,
      `dpop_signing_alg_values_supported = ${metadata.dpop_signing_alg_values_supported?.join(' ') ?? '(none)'}`,
    ].join('\n')
  } catch (error) {
    $('api-metadata').textContent =
      `(unavailable: ${String((error as { code?: unknown }).code ?? error)})`
  }
}

function wireForm(): void {
  const payee = $<HTMLSelectElement>('payee')
  const form = $<HTMLFormElement>('transfer-form')
  const current = (): FormState => ({
    source: $<HTMLSelectElement>('source').value,
    payee: payee.value,
    amount: $<HTMLInputElement>('amount').value,
  })
  form.oninput = () => saveForm(current())
  $('source').onchange = () => {
    saveForm(current())
    $('amount-currency').textContent = `(${currencyOf($<HTMLSelectElement>('source').value)})`
    void Promise.all([loadPayees(), loadHistory()]).catch(historyUnavailable)
  }
  form.onsubmit = (event) => {
    event.preventDefault()
    const state = current()
    if (!state.payee) return showResult('Choose who to send the money to.', 'error')
    const amount = parseAmount(state.amount)
    if (amount === undefined) {
      return showResult('Enter an amount greater than zero, for example 250.00.', 'error')
    }
    saveForm(state)
    const body = JSON.stringify({
      authorization_details: [
        {
          type: 'urn:bank:params:oauth:request:transaction',
          // RFC 9396 §2.2: the account the money leaves, so the confirmation names it.
          identifier: state.source,
          transaction: {
            amount,
            currency: currencyOf(state.source),
            destination_account: state.payee,
          },
        },
      ],
    })
    void sendTransfer(
      new Request(`${api}/accounts/${encodeURIComponent(state.source)}/transfers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    )
  }
}

async function start(): Promise<void> {
  $<HTMLAnchorElement>('security-keys').href = ADD_KEY_URL
  try {
    payees = JSON.parse(sessionStorage.getItem(PAYEES) ?? '[]') as Payee[]
  } catch {
    payees = []
  }
  renderPayees()
  wireForm()
  fillForm(readForm())
  const flash = sessionStorage.getItem(FLASH)
  sessionStorage.removeItem(FLASH)
  if (flash) showResult(flash)
  $('sign-in').onclick = () => {
    signIn().then(
      (sent) => sessionStorage.setItem(LAST_REQUEST, formatParams(Object.fromEntries(sent))),
      (error: unknown) => {
        recordError(error)
        showResult('We could not reach the bank’s sign-in service. Please try again.', 'error')
      },
    )
  }
  $('sign-out').onclick = () => {
    clearTimeout(refreshTimer)
    clearForm()
    for (const key of [LAST_CHALLENGE, LAST_REQUEST, LAST_MODE, LAST_ERROR, PAYEES]) {
      sessionStorage.removeItem(key)
    }
    sessionStorage.setItem(FLASH, 'You have signed out.')
    void signOut(`${location.origin}/`).then((left) => {
      if (!left) location.assign('/')
    })
  }
  void showResourceMetadata()

  const [keyPair, as] = await Promise.all([dpopKeyPair(), discover()])
  const popup = createPopupStepUp({
    authorizationServer: as,
    client,
    redirectUri: REDIRECT_URI,
    dpop: { keyPair },
    authorizationParams: { resource: RESOURCE },
    pushedAuthorizationRequests: true,
    onTokenResponse: (response) => {
      showToken(saveTokenResponse(response))
      scheduleRefresh()
    },
  })
  bankFetch = createStepUpFetch({
    allowedOrigins: [new URL(api).origin],
    currentScope: SCOPE,
    dpop: { keyPair },
    getAccessToken: accessToken,
    async fetch(request) {
      const response = await fetch(request)
      // RFC 9449 §9: the API's nonces, which the fetch puts in the next proofs by itself.
      const nonce = response.headers.get('dpop-nonce')
      if (nonce) $('dpop-nonce').textContent = nonce
      const challenge = response.headers.get('www-authenticate')
      if (challenge && !challenge.includes('error="use_dpop_nonce"')) {
        sessionStorage.setItem(
          LAST_CHALLENGE,
          `HTTP ${response.status}\nWWW-Authenticate: ${challenge}`,
        )
        showExplain()
      }
      return response
    },
    stepUp: (challenge, context) => confirmStepUp(challenge, context, popup),
    onInvalidToken() {
      tokenRefused = true
    },
  })

  if (location.pathname === '/callback') {
    const url = new URL(location.href)
    if (isSignInCallback(url)) {
      history.replaceState(null, '', '/')
      const outcome = await completeSignIn(url)
      render()
      if (!outcome.ok) {
        recordError(new Error(outcome.error))
        showResult(
          outcome.error === 'access_denied'
            ? 'You cancelled the sign-in.'
            : 'The sign-in did not complete. Please try again.',
          'error',
        )
      }
    } else {
      // Not a popup and not the sign-in: a step-up that left by full-page redirect because the
      // popup was blocked. Redeem the code and send the saved transfer again. A callback
      // already used (Back, reload, an old bookmark) has nothing saved: it is ignored.
      let resumed: Awaited<ReturnType<typeof resumeAfterRedirect>>
      try {
        resumed = await resumeAfterRedirect({ authorizationServer: as, client, dpop: { keyPair } })
      } catch (error) {
        history.replaceState(null, '', '/')
        render()
        if ((error as { code?: unknown }).code !== 'ERR_STEP_UP_NOT_PENDING') {
          describeFailure(error, false)
        }
        if (currentToken()) await loadAccounts()
        return
      }
      history.replaceState(null, '', resumed?.returnTo ?? '/')
      if (resumed) {
        saveTokenResponse(resumed.tokenResponse)
        sessionStorage.setItem(LAST_MODE, 'full-page redirect (the popup was blocked)')
        render()
        await loadAccounts()
        fillForm(readForm())
        await sendTransfer(resumed.request, true)
        return
      }
    }
  }
  render()
  if (currentToken()) await loadAccounts()
}

// In the step-up popup, the callback page only hands the authorization response to the app
// that opened it (its own origin as targetOrigin) and closes; nothing else runs there.
if (!(location.pathname === '/callback' && completeStepUpInPopup())) void start()
