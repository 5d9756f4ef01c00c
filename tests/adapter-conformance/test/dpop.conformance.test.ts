import {
  AccessTokenError,
  createDpopProofVerifier,
  parseAccessTokenClaims,
} from '@stepup/assurance'
import {
  base64url,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { send } from '../src/client.ts'
import { type AppConfig, RESOURCE, ROUTES } from '../src/fixtures.ts'
import { ADAPTERS, type AdapterName, type Running, start } from '../src/servers.ts'
import { expectAnswer } from './answer.ts'
import type { Answer, ExpectedChallenge } from './cases.ts'

/**
 * RFC 9449 with the real `createDpopProofVerifier` and real ES256 keys: a proof's `jti` is
 * recorded only once the access token is verified and bound to the proof's key (§4.3, §11.1), so
 * a refused token does not burn the proof, and a proof is accepted once.
 */
const ORIGIN = 'https://api.example.com'
const TOKEN = 'tok-dpop-real'
const UNKNOWN = 'tok-dpop-unknown'

let clientKey: CryptoKeyPair
let clientJwk: JWK
let clientJkt: string
let otherJkt: string

/** Each adapter's app: its own proof verifier (and replay store), and a switch for the binding. */
interface DpopApp {
  running: Running
  bindTo(jkt: string): void
}
const apps = new Map<AdapterName, DpopApp>()

function dpopApp(): { config: AppConfig; bindTo(jkt: string): void } {
  let boundTo = clientJkt
  const verify = async (token: string) => {
    if (token !== TOKEN) throw new AccessTokenError('ERR_TOKEN_SIGNATURE_INVALID', 'unknown token')
    return parseAccessTokenClaims({
      iss: 'https://as.example.com',
      aud: RESOURCE,
      sub: 'alice',
      scope: 'accounts:read',
      acr: 'phrh',
      auth_time: Math.floor(Date.now() / 1000) - 5,
      cnf: { jkt: boundTo },
    })
  }
  const verifyProof = createDpopProofVerifier({ origin: ORIGIN, algorithms: ['ES256'] })
  return {
    config: {
      options: { verify, realm: 'bank', dpop: { algs: ['ES256'], verifyProof } },
      routes: ROUTES,
    },
    bindTo: (jkt) => {
      boundTo = jkt
    },
  }
}

beforeAll(async () => {
  clientKey = await generateKeyPair('ES256', { extractable: true })
  clientJwk = await exportJWK(clientKey.publicKey)
  clientJkt = await calculateJwkThumbprint(clientJwk, 'sha256')
  const other = await generateKeyPair('ES256', { extractable: true })
  otherJkt = await calculateJwkThumbprint(await exportJWK(other.publicKey), 'sha256')
  for (const adapter of ADAPTERS) {
    const { config, bindTo } = dpopApp()
    apps.set(adapter, { running: await start(adapter, config), bindTo })
  }
})

afterAll(async () => {
  await Promise.all([...apps.values()].map((a) => a.running.close()))
})

/** An RFC 9449 §4.2 proof for `GET /statements` with `token`, signed with the client's key. */
async function proofFor(token: string): Promise<string> {
  const ath = base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))),
  )
  return new SignJWT({ htm: 'GET', htu: `${ORIGIN}/statements`, jti: crypto.randomUUID(), ath })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: clientJwk })
    .setIssuedAt()
    .sign(clientKey.privateKey)
}

const statements = (adapter: AdapterName, token: string, proof: string) =>
  send(apps.get(adapter)!.running.base, {
    method: 'GET',
    path: '/statements',
    headers: [
      ['authorization', `DPoP ${token}`],
      ['dpop', proof],
    ],
  })

/** Bearer and DPoP challenges, the error on DPoP (the scheme the request used). */
const challenges = (error: Record<string, string>): ExpectedChallenge[] => [
  { scheme: 'bearer', params: { realm: 'bank' } },
  { scheme: 'dpop', params: { realm: 'bank', ...error, algs: 'ES256' } },
]
const denied = (error: string, error_description: string): Answer => ({
  status: 401,
  challenges: challenges({ error, error_description }),
  body: { error, error_description },
})
const OK: Answer = { status: 200, challenges: null, body: { route: '/statements', sub: 'alice' } }
const INVALID_TOKEN = denied('invalid_token', 'The access token is invalid')
const INVALID_PROOF = denied('invalid_dpop_proof', 'The DPoP proof is invalid')

async function expectSteps(
  adapter: AdapterName,
  steps: { what: string; token: string; proof: string; before?: () => void; answer: Answer }[],
) {
  for (const step of steps) {
    step.before?.()
    const res = await statements(adapter, step.token, step.proof)
    await expectAnswer(res, step.answer, { exposes: false, who: `${adapter}: ${step.what}` })
  }
}

describe('RFC 9449 §4.3 / §11.1 the proof is recorded only for a verified, bound token', () => {
  it.each(ADAPTERS)(
    '%s: unknown token → 401 invalid_token; a proof for another token → invalid_dpop_proof; its token → 200; again → 401 invalid_dpop_proof',
    async (adapter) => {
      const proof = await proofFor(TOKEN)
      await expectSteps(adapter, [
        // A proof made for the unknown token passes its own checks; the token does not.
        {
          what: 'unknown token',
          token: UNKNOWN,
          proof: await proofFor(UNKNOWN),
          answer: INVALID_TOKEN,
        },
        // RFC 9449 §4.3 (11): `ath` is the hash of the token it accompanies.
        { what: 'proof for another token', token: UNKNOWN, proof, answer: INVALID_PROOF },
        { what: 'its token', token: TOKEN, proof, answer: OK },
        { what: 'replayed', token: TOKEN, proof, answer: INVALID_PROOF },
      ])
    },
  )

  it.each(ADAPTERS)(
    '%s: token bound to another key → 401 invalid_token, the proof not consumed',
    async (adapter) => {
      const proof = await proofFor(TOKEN)
      const app = apps.get(adapter)!
      await expectSteps(adapter, [
        {
          what: 'token bound to another key',
          token: TOKEN,
          proof,
          before: () => app.bindTo(otherJkt),
          answer: INVALID_TOKEN,
        },
        {
          what: 'token bound to the proof key',
          token: TOKEN,
          proof,
          before: () => app.bindTo(clientJkt),
          answer: OK,
        },
        { what: 'replayed', token: TOKEN, proof, answer: INVALID_PROOF },
      ])
    },
  )
})
