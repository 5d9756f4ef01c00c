import { parseOAuthChallenge, parseWwwAuthenticate } from '@stepup/www-authenticate'
import {
  allowInsecureRequests,
  customFetch,
  processResourceDiscoveryResponse,
  protectedResourceRequest,
  resourceDiscoveryRequest,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CaseResponse, send } from '../src/client.ts'
import { APPS, RESOURCE } from '../src/fixtures.ts'
import { ADAPTERS, type AdapterName, type Running, start } from '../src/servers.ts'
import { CASES } from './cases.ts'

const servers = new Map<string, Running>()
const base = (adapter: AdapterName, app: keyof typeof APPS) =>
  servers.get(`${adapter}:${app}`)!.base

beforeAll(async () => {
  for (const adapter of ADAPTERS) {
    for (const app of ['full', 'plain'] as const) {
      servers.set(`${adapter}:${app}`, await start(adapter, APPS[app]))
    }
  }
})

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()))
})

const plain = (challenges: ReturnType<typeof parseWwwAuthenticate>) =>
  challenges.map((c) => ({ scheme: c.scheme, params: { ...c.params } }))

/** oauth4webapi's reading of the same response: it throws the challenges it parsed. */
async function readBack(res: CaseResponse) {
  const error = await protectedResourceRequest(
    't',
    'GET',
    new URL('http://127.0.0.1/'),
    undefined,
    undefined,
    {
      [customFetch]: async () => res.toResponse(),
      [allowInsecureRequests]: true,
    },
  ).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (error === undefined) return null
  expect(error).toBeInstanceOf(WWWAuthenticateChallengeError)
  return (error as WWWAuthenticateChallengeError).cause.map((c) => ({
    scheme: c.scheme,
    params: { ...c.parameters },
  }))
}

describe.each(CASES)('$title', (c) => {
  it('every adapter answers the same status, challenge and body', async () => {
    const answers = await Promise.all(ADAPTERS.map((a) => send(base(a, c.app), c.request)))
    for (const [i, res] of answers.entries()) {
      const who = ADAPTERS[i]
      expect(res.status, who).toBe(c.status)
      const www = res.lines['www-authenticate']
      if (c.challenges === null) {
        expect(www, who).toBeUndefined()
        expect(await readBack(res), who).toBeNull()
      } else {
        expect(www, who).toHaveLength(1)
        const parsed = plain(parseWwwAuthenticate(www!))
        expect(parsed, who).toEqual(c.challenges)
        for (const challenge of parseWwwAuthenticate(www!)) {
          expect(parseOAuthChallenge(challenge).invalid, who).toEqual([])
        }
        expect(await readBack(res), `${who} via oauth4webapi`).toEqual(c.challenges)
        const exposed = res.lines['access-control-expose-headers']
        expect(exposed, who).toEqual(c.app === 'full' ? ['WWW-Authenticate'] : undefined)
      }
      if (c.body === null) expect(res.text, who).toBe('')
      else {
        expect(res.lines['content-type']?.[0], who).toMatch(/^application\/json\b/)
        expect(JSON.parse(res.text), who).toEqual(c.body)
      }
    }
    // Byte-identical where it matters: the challenge line and the body.
    const first = answers[0]!
    for (const res of answers.slice(1)) {
      expect(res.lines['www-authenticate']).toEqual(first.lines['www-authenticate'])
      expect(res.text).toBe(first.text)
    }
  })
})

describe('nothing from the verifier reaches the wire', () => {
  it('a crashing verifier reason appears in no response', async () => {
    for (const adapter of ADAPTERS) {
      const res = await send(base(adapter, 'full'), {
        method: 'GET',
        path: '/accounts',
        headers: [['authorization', 'Bearer tok-crash']],
      })
      expect(JSON.stringify(res.lines) + res.text).not.toContain('10.0.0.7')
    }
  })
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
