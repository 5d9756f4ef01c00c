import {
  buildStepUpAuthorizationParams,
  createStepUpFetch,
  type StepUpChallenge,
  StepUpError,
} from '@stepup/client'
import { config } from './config.ts'
import {
  completeAuthorization,
  currentToken,
  type PendingTransfer,
  redirectToAuthorization,
  SCOPE,
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

const dollars = (amount: string | number) =>
  Number(amount).toLocaleString('en-US', { style: 'currency', currency: 'USD' })

function showResult(text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  const result = $('result')
  result.textContent = text
  result.className = kind === 'info' ? '' : kind
}

function showToken(token: TokenState | undefined): void {
  $('token-acr').textContent = token?.acr ?? '—'
  $('token-auth-time').textContent =
    token?.auth_time === undefined
      ? '—'
      : `${token.auth_time} (${new Date(token.auth_time * 1000).toLocaleTimeString()})`
  $('token-amr').textContent = token?.amr ? JSON.stringify(token.amr) : '—'
  $('token-details').textContent = token?.authorization_details
    ? JSON.stringify(token.authorization_details, null, 2)
    : '(none)'
}

function showExplain(): void {
  $('challenge').textContent = sessionStorage.getItem(LAST_CHALLENGE) ?? '(none yet)'
  $('authorization-request').textContent = sessionStorage.getItem(LAST_REQUEST) ?? '(none yet)'
}

/** Why the bank asks, in words: "Confirm this $10,000.00 transfer with your security key". */
function reasonFor(challenge: StepUpChallenge, amount: string | undefined): string {
  const acr = challenge.kind === 'step_up' ? (challenge.acr_values ?? []) : []
  const factor = acr.includes('phrh')
    ? 'your security key'
    : acr.includes('phr')
      ? 'a passkey or security key'
      : 'a fresh sign-in'
  return amount
    ? `Confirm this ${dollars(amount)} transfer with ${factor}.`
    : `Confirm this action with ${factor}.`
}

type Detail = { type: string; transaction?: { amount?: string } }
const detailsOf = (transfer: PendingTransfer | undefined): Detail[] | undefined =>
  transfer
    ? (JSON.parse(transfer.body) as { authorization_details: Detail[] }).authorization_details
    : undefined

/**
 * Explain why, then on "Continue" leave for the authorization server with `params` (never
 * resolves); on "Cancel" reject with an `AbortError`.
 */
function confirm(
  reason: string,
  detail: string,
  params: Record<string, string>,
  transfer: PendingTransfer | undefined,
): Promise<string> {
  $('step-up-reason').textContent = reason
  $('step-up-detail').textContent = detail
  $('step-up').hidden = false
  $('step-up-continue').removeAttribute('disabled')
  showResult('Waiting for your confirmation…')
  return new Promise((_resolve, reject) => {
    $('step-up-continue').onclick = () => {
      $('step-up-continue').setAttribute('disabled', '')
      redirectToAuthorization('step-up', params, transfer).then(
        (sent) => sessionStorage.setItem(LAST_REQUEST, formatParams(sent)),
        reject,
      )
    }
    $('step-up-cancel').onclick = () => {
      $('step-up').hidden = true
      reject(new DOMException('The user cancelled the step-up', 'AbortError'))
    }
  })
}

/**
 * The step-up fetch's `stepUp`: a 401 asking for a stronger or fresher sign-in, or a 403 saying
 * the token does not cover this transfer (or its single-use grant is spent).
 */
function stepUp(
  challenge: StepUpChallenge,
  transfer: PendingTransfer | undefined,
): Promise<string> {
  if (challenge.kind === 'insufficient_authorization_details' && transfer)
    return authorizeDetails(transfer)
  const details = detailsOf(transfer)
  const asked =
    challenge.kind === 'step_up'
      ? [
          challenge.acr_values && `acr_values=${challenge.acr_values.join(' ')}`,
          challenge.max_age !== undefined && `max_age=${challenge.max_age}`,
        ].filter(Boolean)
      : []
  const params = buildStepUpAuthorizationParams(challenge, {
    currentScope: SCOPE,
    ...(details && { authorizationDetails: details }),
  })
  return confirm(
    reasonFor(challenge, details?.[0]?.transaction?.amount),
    `The bank’s API answered ${challenge.kind === 'step_up' ? 'insufficient_user_authentication' : challenge.kind} (${asked.join(', ')}). You will confirm at the bank’s sign-in service, then the transfer resumes here.`,
    { ...params },
    transfer,
  )
}

/**
 * A 403 `insufficient_authorization_details`: the token is strong enough but does not cover this
 * transfer (or its single-use grant is spent). Ask the authorization server for this transfer's
 * details; a session still fresh enough passes straight to the consent page.
 */
function authorizeDetails(transfer: PendingTransfer): Promise<string> {
  const details = detailsOf(transfer)
  const amount = details?.[0]?.transaction?.amount
  return confirm(
    amount ? `Confirm this ${dollars(amount)} transfer.` : 'Confirm this transfer.',
    'The bank’s API answered insufficient_authorization_details: your last confirmation does not cover this transfer (each large transfer is confirmed once).',
    { scope: SCOPE, authorization_details: JSON.stringify(details) },
    transfer,
  )
}

const formatParams = (params: URLSearchParams) =>
  [...params].map(([name, value]) => `${name} = ${value}`).join('\n')

let pendingTransfer: PendingTransfer | undefined
const bankFetch = createStepUpFetch({
  allowedOrigins: [new URL(api).origin],
  getAccessToken: () => currentToken()?.accessToken ?? '',
  async fetch(request) {
    const response = await fetch(request)
    const challenge = response.headers.get('www-authenticate')
    if (challenge) {
      sessionStorage.setItem(
        LAST_CHALLENGE,
        `HTTP ${response.status}\nWWW-Authenticate: ${challenge}`,
      )
      showExplain()
    }
    return response
  },
  stepUp: (challenge) => stepUp(challenge, pendingTransfer),
  onInvalidToken() {
    signOut()
  },
})

async function loadAccounts(): Promise<void> {
  const response = await bankFetch(`${api}/accounts`)
  if (response.status === 401) return render()
  const { accounts } = (await response.json()) as {
    accounts: { account_id: string; name: string; balance: string }[]
  }
  const rows = $('accounts').querySelector('tbody')!
  rows.replaceChildren(
    ...accounts.map((account) => {
      const row = document.createElement('tr')
      for (const text of [account.account_id, account.name, dollars(account.balance)]) {
        const cell = document.createElement('td')
        cell.textContent = text
        row.append(cell)
      }
      return row
    }),
  )
  const source = $<HTMLSelectElement>('source')
  const selected = source.value
  source.replaceChildren(
    ...accounts.map(
      (account) => new Option(`${account.name} (${account.account_id})`, account.account_id),
    ),
  )
  if (selected) source.value = selected
  const checking = accounts[0]
  $('balance').textContent = checking ? dollars(checking.balance) : '—'
}

/** Send a transfer through the step-up fetch; explains every outcome. */
async function sendTransfer(transfer: PendingTransfer): Promise<void> {
  pendingTransfer = transfer
  showResult('Sending…')
  try {
    const response = await bankFetch(`${api}/accounts/${transfer.source}/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: transfer.body,
    })
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>
    if (response.status === 201) {
      showResult(
        `Transferred ${dollars(String(body['amount']))} to ${body['destination_account']}. New balance ${dollars(String(body['balance_after']))}.`,
        'ok',
      )
    } else {
      const issues = Array.isArray(body['issues'])
        ? ` (${(body['issues'] as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`).join('; ')})`
        : ''
      showResult(
        `Nothing was transferred: ${body['error_description'] ?? `HTTP ${response.status}`}${issues}.`,
        'error',
      )
    }
  } catch (error) {
    const code =
      error instanceof StepUpError
        ? error.code
        : error instanceof DOMException && error.name === 'AbortError'
          ? 'ERR_STEP_UP_CANCELLED'
          : undefined
    showResult(
      code === 'ERR_STEP_UP_CANCELLED'
        ? 'You cancelled the confirmation. Nothing was transferred.'
        : code === 'ERR_UNMET_AUTHENTICATION_REQUIREMENTS'
          ? 'The sign-in service could not confirm with a security key (register one first). Nothing was transferred.'
          : `Nothing was transferred: ${error instanceof Error ? error.message : String(error)}.`,
      'error',
    )
  } finally {
    pendingTransfer = undefined
    $('step-up').hidden = true
    await loadAccounts()
  }
}

function render(): void {
  const token = currentToken()
  $('signed-out').hidden = token !== undefined
  $('signed-in').hidden = token === undefined
  showToken(token)
  showExplain()
}

async function start(): Promise<void> {
  $<HTMLAnchorElement>('register-key').href = `${config.issuer}/account/security`
  $('sign-in').onclick = () => {
    redirectToAuthorization('sign-in').then(
      (sent) => sessionStorage.setItem(LAST_REQUEST, formatParams(sent)),
      (error: unknown) =>
        showResult(`Could not reach the sign-in service: ${String(error)}`, 'error'),
    )
  }
  $('sign-out').onclick = () => {
    signOut()
    render()
  }
  $('refresh').onclick = () => void loadAccounts()
  $<HTMLFormElement>('transfer-form').onsubmit = (event) => {
    event.preventDefault()
    const body = JSON.stringify({
      authorization_details: [
        {
          type: 'urn:bank:params:oauth:request:transaction',
          transaction: {
            amount: $<HTMLInputElement>('amount').value.trim(),
            currency: 'USD',
            destination_account: $<HTMLInputElement>('destination').value.trim(),
          },
        },
      ],
    })
    void sendTransfer({ source: $<HTMLSelectElement>('source').value, body })
  }

  if (location.pathname === '/callback') {
    const outcome = await completeAuthorization(new URL(location.href))
    history.replaceState(null, '', '/')
    render()
    if (!outcome.ok) {
      const cancelled = outcome.error === 'access_denied'
      showResult(
        outcome.pending?.purpose === 'step-up'
          ? cancelled
            ? 'You cancelled the confirmation. Nothing was transferred.'
            : `The confirmation failed (${outcome.error}). Nothing was transferred.`
          : `Sign-in failed (${outcome.error}).`,
        'error',
      )
      if (currentToken()) await loadAccounts()
      return
    }
    if (outcome.pending.purpose === 'step-up' && outcome.pending.transfer) {
      showResult('Confirmed. Resuming the transfer…')
      await sendTransfer(outcome.pending.transfer)
      return
    }
  }
  render()
  if (currentToken()) await loadAccounts()
}

void start()
