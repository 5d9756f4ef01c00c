/**
 * Real step-up tokens for the fault tests: the authorization server as a child process
 * (`apps/authorization-server/src/main.ts`), a customer signed in through the scripted user agent
 * with a registered software security key (hardware-bound: `phrh`), and transfers whose
 * RFC 9396 `authorization_details` the tokens are bound to.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSoftwareAuthenticator } from 'authorization-server/testing'
import { authorize, discover } from 'authorization-server/testing/oauth-client'
import { UserAgent } from 'authorization-server/testing/user-agent'
import { type Child, startApp } from './processes.ts'

const REDIRECT_URI = 'http://localhost:8080/cb'
const CLIENT = { client_id: 'bank-web' }

/** The body of `POST /accounts/:id/transfers`: one transfer of the bank's RAR type. */
export const transferTo = (destination: string, amount: string) => ({
  authorization_details: [
    {
      type: 'urn:bank:params:oauth:request:transaction',
      transaction: { amount, currency: 'USD', destination_account: destination },
    },
  ],
})
export type TransferBody = ReturnType<typeof transferTo>

export interface AuthorizationServerChild {
  readonly child: Child
  /** `http://localhost:<port>` */
  readonly issuer: string
  /** Alice's one-time enrolment code, as `main.ts` printed it (adds her first security key). */
  readonly enrolmentCode: string
  /** Stop it and remove its data file. */
  remove(): Promise<void>
}

/** Start the authorization server on `port` for the API at `resource`; its users live in a temp file. */
export async function startAuthorizationServer(
  port: number,
  resource: string,
): Promise<AuthorizationServerChild> {
  const directory = await mkdtemp(join(tmpdir(), 'faults-as-'))
  const child = startApp('authorization-server', {
    PORT: String(port),
    RESOURCE: resource,
    DATA_FILE: join(directory, 'users.json'),
    REDIRECT_URIS: REDIRECT_URI,
  })
  const remove = async () => {
    await child.stop()
    await rm(directory, { recursive: true, force: true })
  }
  let enrolmentCode: string
  try {
    await child.waitFor(/^Authorization server: /m)
    enrolmentCode = (await child.waitFor(/enrolment code for alice: (\S+)/))[1]!
  } catch (error) {
    await remove()
    throw error
  }
  return { child, issuer: `http://localhost:${port}`, enrolmentCode, remove }
}

/** A customer signed in at the authorization server, with a security key registered. */
export interface Customer {
  /** A token with `accounts:read transfers:write` and no step-up (transfers under 1,000). */
  readonly plain: string
  /**
   * A new `phrh` token (security key, signed in within the last 60 s) whose
   * `authorization_details` are this transfer's: from 10,000 it serves one transfer.
   */
  stepUp(transfer: TransferBody): Promise<string>
}

/** Alice's security key at each authorization server: the code adds only her first one. */
const keys = new Map<string, ReturnType<typeof createSoftwareAuthenticator>>()

/**
 * Sign `alice` in for tokens with `resource` as their audience, adding her first security key
 * with her one-time `enrolmentCode` (a password sign-in alone cannot add one) the first time.
 */
export async function signIn(
  issuer: string,
  resource: string,
  enrolmentCode: string,
): Promise<Customer> {
  const as = await discover(issuer)
  const agent = new UserAgent()
  const credentials = { username: 'alice', password: 'wonderland' }
  const token = async (params: Record<string, string>, authenticator?: typeof key) => {
    const { accessToken } = await authorize({
      as,
      client: CLIENT,
      redirectUri: REDIRECT_URI,
      scope: 'openid accounts:read transfers:write',
      resource,
      agent,
      credentials: authenticator ? { ...credentials, authenticator } : credentials,
      params,
    })
    return accessToken
  }
  const enrolled = keys.get(issuer)
  const key = enrolled ?? createSoftwareAuthenticator({ hardwareBound: true })
  const plain = await token({})
  if (!enrolled) {
    await agent.registerSecurityKey(issuer, key, { enrolmentCode })
    keys.set(issuer, key)
  }
  return {
    plain,
    stepUp: (transfer) =>
      token(
        {
          acr_values: 'phrh',
          max_age: '60',
          authorization_details: JSON.stringify(transfer.authorization_details),
        },
        key,
      ),
  }
}
