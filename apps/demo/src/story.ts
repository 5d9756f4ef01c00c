import { buildStepUpAuthorizationParams, createStepUpFetch } from '@stepup/client'
import { createAuthorizationServer } from 'authorization-server'
import { createSoftwareAuthenticator } from 'authorization-server/testing'
import { UserAgent } from 'authorization-server/testing/user-agent'
import { createBankApi, freePort } from 'bank-api'
import {
  type Authorization,
  authorize,
  CLIENT,
  discover,
  REDIRECT_URI,
  SCOPE,
} from './oauth-client.ts'

/** Options of {@link runStory}. */
export interface StoryOptions {
  readonly framework: 'express' | 'fastify'
  /** Where the story is told (default: standard output). */
  readonly write?: (line: string) => void
}

/** Thrown when a step did not behave as the story says. */
export class StoryError extends Error {
  override readonly name = 'StoryError'
}

const ALICE = { username: 'alice', password: 'wonderland' }
const PAYEE = 'ACC-987654'
const TRANSFER_AMOUNT = '10000.00'

const dollars = (amount: string | number) =>
  Number(amount).toLocaleString('en-US', { style: 'currency', currency: 'USD' })
const now = () => Math.floor(Date.now() / 1000)
const shorten = (token: string) => `${token.slice(0, 24)}…(${token.length} chars)`

/**
 * Play the whole step-up story against a real authorization server and the bank API in this
 * process; resolves the number of checks passed, rejects with {@link StoryError} at the first
 * step that behaved otherwise.
 */
export async function runStory(options: StoryOptions): Promise<number> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  let checks = 0
  const check = (condition: boolean, description: string): void => {
    write(`   ${condition ? '✓' : '✗'} ${description}`)
    if (!condition) throw new StoryError(description)
    checks++
  }
  const heading = (text: string) => write(`\n${text}`)
  const indent = (text: string, by = '     ') =>
    text
      .split('\n')
      .map((line) => `${by}${line}`)
      .join('\n')
  const printParams = (params: URLSearchParams | Record<string, string>) => {
    const entries = [...(params instanceof URLSearchParams ? params : Object.entries(params))]
    const width = Math.max(...entries.map(([name]) => name.length))
    for (const [name, value] of entries) write(`       ${name.padEnd(width)}  ${value}`)
  }
  const printToken = ({ claims, steps }: Authorization) => {
    write(`     pages the user completed: ${steps.join(' → ') || '(none: the session sufficed)'}`)
    write(
      '     new access token (RFC 9068 JWT; decoded here for display, clients treat it as opaque):',
    )
    write(`       acr                    ${claims.acr}`)
    write(
      `       auth_time              ${claims.auth_time} (${now() - (claims.auth_time ?? 0)} s ago)`,
    )
    write(`       amr                    ${JSON.stringify(claims.amr)}`)
    write(
      `       authorization_details  ${claims.authorization_details ? JSON.stringify(claims.authorization_details) : '(none)'}`,
    )
  }

  const apiPort = await freePort()
  const resource = `http://localhost:${apiPort}/`
  const as = await createAuthorizationServer({
    resource,
    clients: [
      {
        client_id: CLIENT.client_id,
        client_name: 'Step-up demo',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
      },
    ],
  })
  const api = await createBankApi({
    framework: options.framework,
    issuer: as.issuer,
    resource,
    port: apiPort,
  })
  try {
    const label =
      options.framework === 'fastify' ? 'Fastify + @stepup/fastify' : 'Express + @stepup/express'
    write('Step-up authentication, end to end (RFC 9470 + RFC 9396 + WebAuthn)')
    write(`  authorization server  ${as.issuer}  (node-oidc-provider)`)
    write(`  bank API              ${api.url}  (${label})`)
    write(
      `  client                ${CLIENT.client_id}: authorization code + PKCE (oauth4webapi), @stepup/client`,
    )

    const metadata = await discover(as.issuer)
    const agent = new UserAgent()
    const authenticator = createSoftwareAuthenticator({ hardwareBound: true })

    heading('1. Alice signs in with her password')
    const signIn = await authorize(metadata, agent, ALICE, resource)
    write(`   → GET ${metadata.authorization_endpoint}?…`)
    printParams(signIn.params)
    printToken(signIn)
    check(signIn.claims.acr === 'urn:stepup:acr:pwd', 'password-level acr (urn:stepup:acr:pwd)')
    check(JSON.stringify(signIn.claims.amr) === '["pwd"]', 'amr is ["pwd"]')

    heading('2. Alice registers a hardware-bound security key (WebAuthn registration ceremony)')
    write(
      `   → GET ${as.issuer}/account/security  (creation options: rp, user, challenge, UV required)`,
    )
    write('     software authenticator: new ES256 key, "none" attestation, flags UP UV AT, BE=0')
    write(
      `   → POST ${as.issuer}/account/security/enrolment-code  (a password sign-in alone never adds a key: Alice's one-time enrolment code allows her first one)`,
    )
    write(`   → POST ${as.issuer}/account/security/webauthn  (attestationObject + clientDataJSON)`)
    const page = await agent.registerSecurityKey(as.issuer, authenticator, {
      enrolmentCode: as.enrolmentCodes.get('alice')?.code ?? '',
    })
    check(
      page.includes('data-hardware-bound="true"'),
      'key registered and marked hardware-bound (phrh-capable)',
    )

    let token = signIn.accessToken
    let stepUp: Authorization | undefined
    let last: Response | undefined
    const fetchAndShow = async (request: Request): Promise<Response> => {
      write(`   → ${request.method} ${request.url}`)
      write(
        `     Authorization: Bearer ${shorten(request.headers.get('authorization')?.slice(7) ?? '')}`,
      )
      if (request.method !== 'GET') write(indent(await request.clone().text()))
      const response = await fetch(request)
      last = response
      write(`   ← ${response.status} ${response.statusText}`)
      const challenge = response.headers.get('www-authenticate')
      if (challenge) write(`     WWW-Authenticate: ${challenge}`)
      const text = await response.clone().text()
      if (text) write(indent(text))
      return response
    }
    const bank = createStepUpFetch({
      fetch: fetchAndShow,
      allowedOrigins: [api.url],
      getAccessToken: () => token,
      async stepUp(challenge, { request }) {
        check(last?.status === 401, 'the API answers 401')
        check(
          challenge.kind === 'step_up' &&
            challenge.acr_values?.join(' ') === 'phrh' &&
            challenge.max_age === 60,
          'insufficient_user_authentication with acr_values="phrh" and max_age=60',
        )
        heading('5. The client answers the challenge with a new authorization request')
        const body = (await request.json()) as { authorization_details: { type: string }[] }
        const params = buildStepUpAuthorizationParams(challenge, {
          currentScope: SCOPE,
          authorizationDetails: body.authorization_details,
        })
        write('     step-up parameters (from the challenge, plus the transfer as RAR):')
        printParams(params as Record<string, string>)
        stepUp = await authorize(metadata, agent, { ...ALICE, authenticator }, resource, {
          ...(params as Record<string, string>),
        })
        write(`   → GET ${metadata.authorization_endpoint}?…  (full request)`)
        printParams(stepUp.params)
        printToken(stepUp)
        check(stepUp.steps.includes('webauthn'), 'the user passed a WebAuthn assertion ceremony')
        check(
          !stepUp.steps.includes('password'),
          'no second password prompt (the session is reused)',
        )
        check(stepUp.claims.acr === 'phrh', 'acr is phrh')
        check(
          typeof stepUp.claims.auth_time === 'number' && now() - stepUp.claims.auth_time <= 60,
          'auth_time is fresh (within max_age 60)',
        )
        check(stepUp.claims.amr?.includes('hwk') === true, 'amr includes hwk (hardware-bound key)')
        check(
          JSON.stringify(stepUp.claims.authorization_details) ===
            JSON.stringify(body.authorization_details),
          'authorization_details granted exactly as the transfer',
        )
        heading('6. The client replays the transfer with the new token')
        token = stepUp.accessToken
        return token
      },
    })

    heading('3. Alice reads her balance: nothing more is asked')
    const accounts = await bank(`${api.url}/accounts`)
    check(accounts.status === 200, 'GET /accounts → 200')
    const { accounts: list } = (await accounts.json()) as { accounts: { account_id: string }[] }
    const checking = list[0]!.account_id
    const before = await bank(`${api.url}/accounts/${checking}/balance`)
    check(before.status === 200, 'GET balance → 200 with a password-level token')
    const balanceBefore = Number(((await before.json()) as { balance: string }).balance)

    heading(`4. Alice starts a ${dollars(TRANSFER_AMOUNT)} transfer (RAR details in the body)`)
    const transfer = {
      authorization_details: [
        {
          type: 'urn:bank:params:oauth:request:transaction',
          transaction: { amount: TRANSFER_AMOUNT, currency: 'USD', destination_account: PAYEE },
        },
      ],
    }
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(transfer),
    }
    const done = await bank(`${api.url}/accounts/${checking}/transfers`, init)
    check(stepUp !== undefined, 'the step-up ran once')
    check(done.status === 201, 'the transfer is created: 201')

    heading('7. The same request again with the same token: the grant was single-use')
    // Sent as is (not through the step-up-aware fetch, which would ask Alice to confirm again).
    const replay = await fetchAndShow(
      new Request(`${api.url}/accounts/${checking}/transfers`, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${token}` },
      }),
    )
    const refused = (await replay.json()) as { error?: string }
    check(replay.status === 403, 'the replay is refused: 403')
    check(
      refused.error === 'insufficient_authorization_details',
      'error insufficient_authorization_details (already used)',
    )
    const after = await bank(`${api.url}/accounts/${checking}/balance`)
    const balanceAfter = Number(((await after.json()) as { balance: string }).balance)
    check(
      balanceBefore - balanceAfter === Number(TRANSFER_AMOUNT),
      `exactly ${dollars(TRANSFER_AMOUNT)} left the account (${dollars(balanceBefore)} → ${dollars(balanceAfter)})`,
    )
    write(`\nAll ${checks} checks passed: every step behaved as the story says.`)
    return checks
  } finally {
    await api.close()
    await as.close()
  }
}
