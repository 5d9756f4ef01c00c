import { afterEach, expect, it, vi } from 'vitest'
import {
  buildStepUpAuthorizationParams,
  createStepUpFetch,
  type StepUpAuthorizationParams,
} from '../src/index.js'

/** What the README example talks to: a bank API that wants `urn:bank:mfa` for transfers. */
const sent: { authorization: string | null; body: string }[] = []
async function bankApi(request: Request): Promise<Response> {
  sent.push({ authorization: request.headers.get('authorization'), body: await request.text() })
  if (request.headers.get('authorization') === 'Bearer mfa-token')
    return new Response('created', { status: 201 })
  return new Response(null, {
    status: 401,
    headers: {
      'www-authenticate':
        'Bearer error="insufficient_user_authentication", acr_values="urn:bank:mfa"',
    },
  })
}
const signIn = async () => 'password-token'
const authorizeInPopup = async (params: StepUpAuthorizationParams) =>
  params.acr_values === 'urn:bank:mfa' && params.scope === 'openid accounts' ? 'mfa-token' : 'wrong'

afterEach(() => {
  vi.restoreAllMocks()
})

it('README example', async () => {
  vi.spyOn(globalThis, 'fetch').mockImplementation((input) => bankApi(input as Request))

  // --- README example (keep in sync) ---
  let accessToken = await signIn()
  const api = createStepUpFetch({
    allowedOrigins: ['https://api.bank.example'],
    getAccessToken: () => accessToken,
    stepUp: async (challenge) => {
      const params = buildStepUpAuthorizationParams(challenge, { currentScope: 'openid accounts' })
      accessToken = await authorizeInPopup(params) // your authorization request + code exchange
      return accessToken
    },
  })

  const body = JSON.stringify({ to: 'alice', amount: 5000 })
  const response = await api('https://api.bank.example/transfers', { method: 'POST', body })
  // --- end ---

  expect(response.status).toBe(201)
  expect(sent).toEqual([
    { authorization: 'Bearer password-token', body },
    { authorization: 'Bearer mfa-token', body },
  ])
})
