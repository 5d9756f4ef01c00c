import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createJwtAccessTokenVerifier } from '../src/index.ts'
import { AUDIENCE, ISSUER, makeKey, NOW, sign, type TestKey } from './keys.ts'

let rsa: TestKey
let ec: TestKey

beforeAll(async () => {
  ;[rsa, ec] = await Promise.all([makeKey('RS256', 'RjEwOwOA'), makeKey('ES256', 'LTacESbw')])
})

describe('remote JWK Set', () => {
  let server: Server
  let url: URL
  let served: object = {}
  let hits = 0

  beforeAll(async () => {
    server = createServer((_, res) => {
      hits++
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`)
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it('fetches the set from a local server; a new kid during the cooldown is 503, not refetched', async () => {
    served = { keys: [ec.jwk] }
    hits = 0
    const verifier = createJwtAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: url,
      jwksOptions: { cooldownDuration: 60_000 },
      now: () => NOW,
    })
    await verifier.verify(await sign(ec))
    expect(hits).toBe(1)
    // The key may be new: not invalid_token, but retry once the cooldown allows a fetch.
    const error = await verifier.verify(await sign(rsa)).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_VERIFIER_UNAVAILABLE', status: 503, retryAfter: 60 })
    expect(hits).toBe(1)
  })
})
