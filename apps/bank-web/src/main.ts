import {
  createStepUpFetch,
  fetchProtectedResourceMetadata,
  type StepUpChallenge,
  type StepUpContext,
  StepUpError,
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
import {
  accessToken,
  client,
  completeSignIn,
  currentToken,
  discover,
  isSignInCallback,
  REDIRECT_URI,
  RESOURCE,
  SCOPE,
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

const dollars = (amount: string | number) =>
  Number(amount).toLocaleString('en-US', { style: 'currency', currency: 'USD' })

function showResult(text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  const result = $('result')
  result.textContent = text
  result.className = kind === 'info' ? '' : kind
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
  $('token-details').textContent = token?.authorization_details
    ? JSON.stringify(token.authorization_details, null, 2)
    : '(none)'
}

function showExplain(): void {
  $('challenge').textContent = sessionStorage.getItem(LAST_CHALLENGE) ?? '(none yet)'
  $('authorization-request').textContent = sessionStorage.getItem(LAST_REQUEST) ?? '(none yet)'
  $('step-up-mode').textContent = sessionStorage.getItem(LAST_MODE) ?? '(no step-up yet)'
}

/** The transfer's amount, read from the request body the API challenged. */
async function amountOf(request: Request): Promise<string | undefined> {
  try {
    const body = (await request.clone().json()) as {
      authorization_details?: { transaction?: { amount?: unknown } }[]
    }
    const amount = body.authorization_details?.[0]?.transaction?.amount
    return typeof amount === 'string' ? amount : undefined
  } catch {
    return undefined
  }
}

/** Why the bank asks, in words: "Confirm this $10,000.00 transfer with your security key". */
function reasonFor(challenge: StepUpChallenge, amount: string | undefined): string {
  if (challenge.kind === 'insufficient_authorization_details') {
    return amount ? `Confirm this ${dollars(amount)} transfer.` : 'Confirm this transfer.'
  }
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

/** What the API answered, for the panel under the reason. */
function detailFor(challenge: StepUpChallenge): string {
  if (challenge.kind === 'insufficient_authorization_details') {
    return 'The bank’s API answered insufficient_authorization_details: your last confirmation does not cover this transfer (each large transfer is confirmed once).'
  }
  const asked =
    challenge.kind === 'step_up'
      ? [
          challenge.acr_values && `acr_values=${challenge.acr_values.join(' ')}`,
          challenge.max_age !== undefined && `max_age=${challenge.max_age}`,
        ].filter(Boolean)
      : []
  const error = challenge.kind === 'step_up' ? 'insufficient_user_authentication' : challenge.kind
  return `The bank’s API answered ${error} (${asked.join(', ')}). You will confirm at the bank’s sign-in service in a small window; the transfer then resumes here.`
}

const formatParams = (params: Readonly<Record<string, string | undefined>>) =>
  Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name} = ${value}`)
    .join('\n')

/**
 * The step-up fetch's `stepUp`: explain why, then on "Continue" run the popup step-up — opened
 * right in the click, so the browser lets it open; if it blocks it anyway, the page leaves for
 * the authorization server and the transfer resumes after the redirect. "Cancel" rejects with
 * an `AbortError`.
 */
async function confirmStepUp(
  challenge: StepUpChallenge,
  context: StepUpContext,
  popup: PopupStepUp,
): Promise<TypedAccessToken> {
  const amount = await amountOf(context.request)
  $('step-up-reason').textContent = reasonFor(challenge, amount)
  $('step-up-detail').textContent = detailFor(challenge)
  $('step-up').hidden = false
  $('step-up-continue').removeAttribute('disabled')
  showResult('Waiting for your confirmation…')
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

/** Why a step-up ended without a transfer, in words. */
function describeFailure(error: unknown): string {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { error?: unknown } }
  const cancelled =
    code === 'ERR_STEP_UP_CANCELLED' ||
    cause?.error === 'access_denied' ||
    (error instanceof DOMException && error.name === 'AbortError')
  if (cancelled) return 'You cancelled the confirmation. Nothing was transferred.'
  if (code === 'ERR_STEP_UP_UNMET_AUTHENTICATION_REQUIREMENTS') {
    return 'The sign-in service could not confirm with a security key (register one first). Nothing was transferred.'
  }
  return `Nothing was transferred: ${error instanceof Error ? error.message : String(error)}${
    error instanceof StepUpError ? ` (${error.code})` : ''
  }.`
}

type BankFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
let bank: BankFetch | undefined

async function loadAccounts(): Promise<void> {
  const response = await bank!(`${api}/accounts`)
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
async function sendTransfer(request: Request): Promise<void> {
  showResult('Sending…')
  try {
    const response = await bank!(request)
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
    showResult(describeFailure(error), 'error')
  } finally {
    $('step-up').hidden = true
    showToken(currentToken())
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
      `(unavailable: ${error instanceof StepUpError ? error.code : String(error)})`
  }
}

async function start(): Promise<void> {
  $<HTMLAnchorElement>('register-key').href = `${config.issuer}/account/security`
  $('sign-in').onclick = () => {
    signIn().then(
      (sent) => sessionStorage.setItem(LAST_REQUEST, formatParams(Object.fromEntries(sent))),
      (error: unknown) =>
        showResult(`Could not reach the sign-in service: ${String(error)}`, 'error'),
    )
  }
  $('sign-out').onclick = () => {
    void signOut().then(render)
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
    const source = $<HTMLSelectElement>('source').value
    void sendTransfer(
      new Request(`${api}/accounts/${source}/transfers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    )
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
    onTokenResponse: (response) => showToken(saveTokenResponse(response)),
  })
  bank = createStepUpFetch({
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
      void signOut()
    },
  })

  if (location.pathname === '/callback') {
    const url = new URL(location.href)
    if (isSignInCallback(url)) {
      const outcome = await completeSignIn(url)
      history.replaceState(null, '', '/')
      render()
      if (!outcome.ok) showResult(`Sign-in failed (${outcome.error}).`, 'error')
    } else {
      // Not a popup and not the sign-in: a step-up that left by full-page redirect because the
      // popup was blocked. Redeem the code and send the saved transfer again.
      try {
        const resumed = await resumeAfterRedirect({
          authorizationServer: as,
          client,
          dpop: { keyPair },
        })
        history.replaceState(null, '', resumed?.returnTo ?? '/')
        if (resumed) {
          saveTokenResponse(resumed.tokenResponse)
          sessionStorage.setItem(LAST_MODE, 'full-page redirect (the popup was blocked)')
          render()
          const amount = await amountOf(resumed.request)
          showResult(
            `Confirmed. Resuming the ${amount ? `${dollars(amount)} ` : ''}transfer you started before the redirect…`,
          )
          await sendTransfer(resumed.request)
          return
        }
      } catch (error) {
        history.replaceState(null, '', '/')
        render()
        showResult(describeFailure(error), 'error')
        if (currentToken()) await loadAccounts()
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
