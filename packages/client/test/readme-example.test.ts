import { createDpopProofVerifier } from '@stepup/assurance'
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

it('README recipe: DPoP-bound tokens', async () => {
  const verifyProof = createDpopProofVerifier({ origin: 'https://api.bank.example' })
  const strong = new Set<string>()
  const seen: string[] = []
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const request = input as Request
    const [scheme, token = ''] = (request.headers.get('authorization') ?? '').split(' ')
    const view = { method: request.method, url: request.url, headers: {}, body: () => undefined }
    const check = await verifyProof(request.headers.get('dpop'), view, token)
    await check.consume()
    seen.push(`${scheme} ${token}`)
    return strong.has(token)
      ? new Response('ok')
      : new Response(null, {
          status: 401,
          headers: {
            'www-authenticate':
              'DPoP error="insufficient_user_authentication", acr_values="urn:bank:mfa", algs="ES256"',
          },
        })
  })
  let tokens = { access_token: 'password-token', token_type: 'dpop' }
  const authorizeInPopup = async (params: StepUpAuthorizationParams) => {
    asked.push(params)
    strong.add('mfa-token')
    return { access_token: 'mfa-token', token_type: 'dpop' }
  }

  // --- README recipe: DPoP-bound tokens (keep in sync) ---
  // The private key stays inside Web Crypto (extractable: false); keep the pair in IndexedDB.
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
  const api = createStepUpFetch({
    allowedOrigins: ['https://api.bank.example'],
    dpop: { keyPair },
    getAccessToken: () => ({ token: tokens.access_token, type: tokens.token_type }),
    stepUp: async (_challenge, { params }) => {
      tokens = await authorizeInPopup(params) // token request with a proof of the same key pair
      return { token: tokens.access_token, type: tokens.token_type }
    },
  })
  // --- end ---

  expect((await api('https://api.bank.example/transfers', { method: 'POST' })).status).toBe(200)
  expect(seen).toEqual(['DPoP password-token', 'DPoP mfa-token'])
})
