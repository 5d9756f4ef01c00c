import { afterEach, expect, it, vi } from 'vitest'
import { createStepUpFetch, type StepUpAuthorizationParams } from '../src/index.js'

/** What the README example talks to: a bank API that wants `urn:bank:mfa` for transfers. */
const sent: { authorization: string | null; contentType: string | null; body: string }[] = []
async function bankApi(request: Request): Promise<Response> {
  sent.push({
    authorization: request.headers.get('authorization'),
    contentType: request.headers.get('content-type'),
    body: await request.text(),
  })
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
const asked: StepUpAuthorizationParams[] = []
const authorizeInPopup = async (params: StepUpAuthorizationParams) => {
  asked.push(params)
  return 'mfa-token'
}

afterEach(() => {
  vi.restoreAllMocks()
})

it('README example', async () => {
  vi.spyOn(globalThis, 'fetch').mockImplementation((input) => bankApi(input as Request))

  // --- README example (keep in sync) ---
  let accessToken = await signIn()
  const api = createStepUpFetch({
    allowedOrigins: ['https://api.bank.example'],
    currentScope: 'openid accounts', // what signIn() asked for: a step-up never drops it
    getAccessToken: () => accessToken,
    stepUp: async (_challenge, { params }) => {
      accessToken = await authorizeInPopup(params) // your authorization request + code exchange
      return accessToken
    },
  })

  const response = await api('https://api.bank.example/transfers', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'alice', amount: 5000 }),
  })
  // --- end ---

  expect(response.status).toBe(201)
  expect(asked).toEqual([{ acr_values: 'urn:bank:mfa', scope: 'openid accounts' }])
  const body = '{"to":"alice","amount":5000}'
  const contentType = 'application/json'
  expect(sent).toEqual([
    { authorization: 'Bearer password-token', contentType, body },
    { authorization: 'Bearer mfa-token', contentType, body },
  ])
})
