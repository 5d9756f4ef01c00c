import { parseWwwAuthenticate } from '@stepup/www-authenticate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEffect } from '../../../packages/effect/test/support/conformance-app.ts'
import type { Running } from '../../../packages/effect/test/support/node-server.ts'
import { send } from '../src/client.ts'
import { APPS } from '../src/fixtures.ts'
import { start } from '../src/servers.ts'
import { CASES } from './cases.ts'

/**
 * @stepup/effect through the same case table: Effect's own Node HTTP server, each route behind
 * `stepUpMiddleware`, compared case by case with the expected answer and, byte for byte, with the
 * fetch adapter.
 */
const servers = new Map<string, Running>()

beforeAll(async () => {
  for (const app of ['full', 'plain'] as const) {
    servers.set(`effect:${app}`, await startEffect(APPS[app]))
    servers.set(`fetch:${app}`, await start('fetch', APPS[app]))
  }
})

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()))
})

const base = (who: 'effect' | 'fetch', app: keyof typeof APPS) => servers.get(`${who}:${app}`)!.base

describe.each(CASES)('@stepup/effect: $title', (c) => {
  it('answers the same status, challenge and body as the other adapters', async () => {
    const [res, reference] = await Promise.all([
      send(base('effect', c.app), c.request),
      send(base('fetch', c.app), c.request),
    ])
    expect(res.status).toBe(c.status)
    const www = res.lines['www-authenticate']
    if (c.challenges === null) expect(www).toBeUndefined()
    else {
      expect(www).toHaveLength(1)
      const parsed = parseWwwAuthenticate(www!).map((x) => ({
        scheme: x.scheme,
        params: { ...x.params },
      }))
      expect(parsed).toEqual(c.challenges)
      expect(res.lines['access-control-expose-headers']).toEqual(
        c.app === 'full' ? ['WWW-Authenticate'] : undefined,
      )
    }
    if (c.body === null) expect(res.text).toBe('')
    else {
      expect(res.lines['content-type']?.[0]).toMatch(/^application\/json\b/)
      expect(JSON.parse(res.text)).toEqual(c.body)
    }
    expect(www).toEqual(reference.lines['www-authenticate'])
    expect(res.text).toBe(reference.text)
  })
})

describe('@stepup/effect: RFC 9728 protected resource metadata', () => {
  it('serves the same document as the fetch adapter', async () => {
    const path = '/.well-known/oauth-protected-resource/accounts'
    const [res, reference] = await Promise.all([
      send(base('effect', 'full'), { method: 'GET', path }),
      send(base('fetch', 'full'), { method: 'GET', path }),
    ])
    expect(res.status).toBe(200)
    expect(res.lines['content-type']?.[0]).toMatch(/^application\/json\b/)
    expect(JSON.parse(res.text)).toEqual(JSON.parse(reference.text))
  })

  it('is not served when not configured', async () => {
    const res = await send(base('effect', 'plain'), {
      method: 'GET',
      path: '/.well-known/oauth-protected-resource/accounts',
    })
    expect(res.status).toBe(404)
  })
})
