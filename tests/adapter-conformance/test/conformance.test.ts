import {
  customFetch,
  processResourceDiscoveryResponse,
  resourceDiscoveryRequest,
} from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send, sendUnfinished } from '../src/client.ts'
import { APPS, type AppName, RESOURCE, TOKENS } from '../src/fixtures.ts'
import { ADAPTERS, type AdapterName, type Running, start } from '../src/servers.ts'
import { expectAnswer } from './answer.ts'
import { type Answer, CASES, type Case, challenge, exposes } from './cases.ts'

const servers = new Map<string, Running>()
const base = (adapter: AdapterName, app: AppName) => servers.get(`${adapter}:${app}`)!.base

beforeAll(async () => {
  for (const adapter of ADAPTERS) {
    for (const app of Object.keys(APPS) as AppName[]) {
      servers.set(`${adapter}:${app}`, await start(adapter, APPS[app]))
    }
  }
})

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()))
})

/** The case's answer, or, where the framework answers first, its challenge and body. */
function expectedOf(c: Case, adapter: AdapterName): Answer {
  const own = c.frameworkAnswers?.[adapter]
  return own ? { status: own.status ?? c.status, challenges: own.challenges, body: own.body } : c
}

describe.each(CASES)('$title', (c) => {
  it.each(ADAPTERS)('%s answers the status, challenge and body', async (adapter) => {
    const res = await send(base(adapter, c.app), c.request)
    await expectAnswer(res, expectedOf(c, adapter), { exposes: exposes(c.app), who: adapter })
  })

  it('the guarded adapters answer byte for byte the same', async () => {
    const guarded = ADAPTERS.filter((a) => !c.frameworkAnswers?.[a])
    const answers = await Promise.all(guarded.map((a) => send(base(a, c.app), c.request)))
    const [first, ...rest] = answers
    for (const [i, res] of rest.entries()) {
      const who = `${guarded[i + 1]} vs ${guarded[0]}`
      expect(res.status, who).toBe(first!.status)
      expect(res.lines['www-authenticate'], who).toEqual(first!.lines['www-authenticate'])
      expect(res.text, who).toBe(first!.text)
    }
  })
})

describe('a path no route serves is still answered, never with a 500', () => {
  // The guard passes (no rule fires for GET); what follows is the framework's own 404 or 200.
  it.each(ADAPTERS)('%s: GET //?x with a password token', async (adapter) => {
    const res = await send(base(adapter, 'paths'), {
      method: 'GET',
      path: '//?x',
      headers: [['authorization', `Bearer ${TOKENS.weak}`]],
    })
    expect(res.status).toBeLessThan(500)
    expect(res.lines['www-authenticate']).toBeUndefined()
    expect(res.text).not.toMatch(/\n\s+at /)
  })
})

describe('no credentials and a huge body on a policy route', () => {
  // 8 MiB announced, 64 KiB sent: the answer must come while the client is still sending. A server
  // that waited for (or read) the whole body would leave this request pending until the timeout.
  // The guard speaks first where it sees the request before any body parser: fetch and Effect.
  // Fastify's own bodyLimit (1 MiB) refuses the announced length before any hook: a 413, just as
  // early. Express is left out: these apps mount express.json() app-wide, which reads the body
  // before any route middleware; an Express app that wants the credentials checked first mounts
  // stepUp before its body parser (the adapter then reads the body itself, within bodyLimit).
  const early: Partial<Record<AdapterName, { status: number }>> = {
    fetch: { status: 401 },
    hono: { status: 401 },
    effect: { status: 401 },
    fastify5: { status: 413 },
    fastify4: { status: 413 },
  }
  it.each(Object.keys(early) as AdapterName[])(
    '%s answers before the body is sent',
    async (adapter) => {
      const res = await sendUnfinished(
        base(adapter, 'plain'),
        { method: 'POST', path: '/transfers', headers: [['content-type', 'application/json']] },
        8 * 1024 * 1024,
        `{"authorization_details":[],"memo":"${'x'.repeat(64 * 1024)}`,
      )
      if (early[adapter]?.status === 401)
        await expectAnswer(
          res,
          { status: 401, challenges: challenge('plain'), body: null },
          { exposes: false, who: adapter },
        )
      else expect(res.status, adapter).toBe(413)
    },
    10_000,
  )
})

describe('nothing from a failure reaches the wire', () => {
  it.each(ADAPTERS)('%s: a crashing verifier reason appears in no response', async (adapter) => {
    const res = await send(base(adapter, 'full'), {
      method: 'GET',
      path: '/accounts',
      headers: [['authorization', 'Bearer tok-crash']],
    })
    expect(JSON.stringify(res.lines) + res.text).not.toContain('10.0.0.7')
  })

  it.each(ADAPTERS)(
    '%s: a throwing rule, signals or requirement stays off the wire',
    async (adapter) => {
      for (const path of ['/rule-throws', '/signals-throw', '/requirement-throws']) {
        const res = await send(base(adapter, 'faults'), {
          method: 'GET',
          path,
          headers: [['authorization', `Bearer ${TOKENS.strong}`]],
        })
        expect(JSON.stringify(res.lines) + res.text, path).not.toContain('10.0.0.8')
      }
    },
  )
})

describe('RFC 9728 protected resource metadata', () => {
  const expected = {
    resource: RESOURCE,
    authorization_servers: ['https://as.example.com'],
    scopes_supported: ['accounts:read', 'transfers:write'],
    bearer_methods_supported: ['header', 'body'],
    acr_values_supported: ['phr', 'phrh'],
  }

  it.each(ADAPTERS)(
    '%s serves it at the well-known path and oauth4webapi accepts it',
    async (adapter) => {
      const origin = base(adapter, 'full')
      const response = await resourceDiscoveryRequest(new URL(RESOURCE), {
        [customFetch]: (url, init) =>
          fetch(url.replace('https://api.example.com', origin), init as unknown as RequestInit),
      })
      expect(response.headers.get('content-type')).toMatch(/^application\/json\b/)
      const metadata = await processResourceDiscoveryResponse(new URL(RESOURCE), response)
      expect(metadata).toEqual(expected)
    },
  )

  it.each(ADAPTERS)('%s does not serve it when not configured', async (adapter) => {
    const res = await send(base(adapter, 'plain'), {
      method: 'GET',
      path: '/.well-known/oauth-protected-resource/accounts',
    })
    expect(res.status).toBe(404)
  })
})
