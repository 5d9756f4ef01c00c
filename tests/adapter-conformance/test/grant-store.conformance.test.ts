import { amountThreshold, createRiskPolicy, parseAccessTokenClaims } from '@stepup/assurance'
import { createRedisConsumedGrantStore } from '@stepup/assurance/redis'
import { type RedisServer, startRedisServer } from '@stepup/internal/redis-server'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from '../src/client.ts'
import { type AppConfig, RESOURCE, transferDetail } from '../src/fixtures.ts'
import { ADAPTERS, type AdapterName, type Running, start } from '../src/servers.ts'
import { expectAnswer } from './answer.ts'
import { challenge, UNAVAILABLE } from './cases.ts'

/**
 * A single-use grant (RFC 9396 §6 transaction binding) kept in a real redis-server: while it is
 * down the guard cannot tell whether the grant was used, so it answers 503 at once; once it is
 * back the same route works again.
 */
type Client = ReturnType<typeof createClient>

let redis: RedisServer
const clients = new Map<AdapterName, Client>()
const servers = new Map<AdapterName, Running>()

/** Each request gets its own grant: `once-<n>` is a fresh phrh token granting a 5,000 transfer. */
let issued = 0
const freshToken = () => `once-${++issued}`

async function verify(token: string) {
  const jti = /^once-(\d+)$/.exec(token)?.[1]
  if (!jti) throw new Error('unknown token')
  return parseAccessTokenClaims({
    iss: 'https://as.example.com',
    aud: RESOURCE,
    sub: 'alice',
    jti,
    acr: 'phrh',
    auth_time: Math.floor(Date.now() / 1000) - 5,
    authorization_details: [transferDetail('5000')],
  })
}

function app(client: Client, adapter: AdapterName): AppConfig {
  const grants = createRedisConsumedGrantStore(client, { prefix: `conformance:${adapter}:` })
  const policy = createRiskPolicy(
    [
      amountThreshold({
        type: 'payment_initiation',
        thresholds: [{ atLeast: '1000', acr_values: ['phr'], max_age: 300, singleUse: true }],
      }),
    ],
    { grants },
  )
  return {
    options: { verify },
    routes: [{ method: 'POST', path: '/transfers', auth: { requirement: policy } }],
  }
}

/** Resolves once `ready(client)` holds for every client, re-checking on each client event. */
function until(ready: (client: Client) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (![...clients.values()].every(ready)) return
      for (const c of clients.values()) {
        c.off('ready', check)
        c.off('end', check)
        c.off('error', check)
      }
      resolve()
    }
    for (const c of clients.values()) {
      c.on('ready', check)
      c.on('end', check)
      c.on('error', check)
    }
    check()
  })
}

beforeAll(async () => {
  redis = await startRedisServer()
  for (const adapter of ADAPTERS) {
    // A client as an app would create it: node-redis's defaults, offline queue included, so the
    // store itself must not wait for the reconnection.
    const client = createClient({ url: redis.url })
    client.on('error', () => undefined)
    await client.connect()
    clients.set(adapter, client)
    servers.set(adapter, await start(adapter, app(client, adapter)))
  }
}, 20_000)

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()))
  for (const client of clients.values()) client.destroy()
  await redis?.remove()
})

const transfer = (adapter: AdapterName, token: string) =>
  send(servers.get(adapter)!.base, {
    method: 'POST',
    path: '/transfers',
    headers: [
      ['authorization', `Bearer ${token}`],
      ['content-type', 'application/json'],
    ],
    body: JSON.stringify({ authorization_details: [transferDetail('5000')] }),
  })

const USED = {
  error: 'insufficient_authorization_details',
  error_description: 'The authorization for this transaction has already been used',
}

async function usedOnce(adapter: AdapterName) {
  const token = freshToken()
  const first = await transfer(adapter, token)
  await expectAnswer(
    first,
    { status: 200, challenges: null, body: { route: '/transfers', sub: 'alice' } },
    { exposes: false, who: `${adapter} first use` },
  )
  const again = await transfer(adapter, token)
  await expectAnswer(
    again,
    {
      status: 403,
      challenges: challenge('plain', USED),
      body: { ...USED, authorization_details: [transferDetail('5000')] },
    },
    { exposes: false, who: `${adapter} second use` },
  )
}

describe.each(['SIGTERM', 'SIGKILL'] as const)(
  'single-use grants in redis-server (%s)',
  (signal) => {
    describe('while redis-server is up', () => {
      it.each(ADAPTERS)('%s: a grant serves one transfer, then 403', usedOnce)
    })

    describe(`while redis-server is stopped with ${signal}`, () => {
      beforeAll(async () => {
        await redis.stop(signal)
        await until((c) => !c.isReady)
      })

      // The test timeout is the bound: the answer must not wait for redis-server to come back.
      it.each(ADAPTERS)(
        '%s: 503 temporarily_unavailable, no challenge, at once',
        async (adapter) => {
          expect(redis.running).toBe(false)
          const res = await transfer(adapter, freshToken())
          await expectAnswer(
            res,
            { status: 503, challenges: null, body: UNAVAILABLE },
            { exposes: false, who: adapter },
          )
        },
        2_000,
      )
    })

    describe('after redis-server restarts on the same port', () => {
      beforeAll(async () => {
        await redis.restart()
        await until((c) => c.isReady)
      }, 15_000)

      it.each(ADAPTERS)('%s: the route works again, a grant still serves once', usedOnce)
    })
  },
)
