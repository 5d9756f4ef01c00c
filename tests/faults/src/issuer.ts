/**
 * A controllable issuer on 127.0.0.1, in the test process: an OpenID Connect discovery document
 * and a JWK Set whose responses can be held (a key server that is slow or stuck), answered with
 * an empty set, a 500 or nothing at all, and RFC 9068 access tokens signed with its current key,
 * which it can rotate.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'

/**
 * How JWK Set requests are answered: `keys` (the published keys), `empty` (`{"keys":[]}`),
 * `fail` (`500`) or `hang` (never; the connection is closed by {@link Issuer.close}).
 */
export type JwksAnswer = 'keys' | 'empty' | 'fail' | 'hang'

/** One JWK Set request: when it arrived (`performance.now()` of the test process), how it was answered. */
export interface JwksRequest {
  readonly at: number
  readonly answer: JwksAnswer | 'held'
}

export interface Issuer {
  /** The issuer identifier, `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The `kid` of the key tokens are signed with now. */
  readonly kid: string
  /** JWK Set requests seen so far. */
  readonly jwksRequests: number
  /** Every JWK Set request so far, in order of arrival. */
  readonly jwksLog: readonly JwksRequest[]
  /** Resolves when the next (or a past) JWK Set request has arrived. */
  jwksRequested(): Promise<void>
  /** Resolve once `count` JWK Set requests have arrived; reject after `ms`. */
  untilJwksRequests(count: number, ms?: number): Promise<void>
  /** Hold JWK Set responses until {@link Issuer.release}. */
  hold(): void
  /** Answer the held JWK Set requests and stop holding. */
  release(): void
  /** How JWK Set requests are answered from now on (`keys` at start). */
  answer(answer: JwksAnswer): void
  /**
   * Rotate: a new ES256 key with a new `kid` is published first in the set (the older keys stay,
   * for the tokens they signed) and signs every token from now on. Resolves with the new `kid`.
   */
  rotate(): Promise<string>
  /**
   * An RFC 9068 access token for `audience`, scope `accounts:read transfers:write`, signed in
   * now (`auth_time`) with the current key, with `claims` added (`acr`, `authorization_details`…).
   */
  token(audience: string, sub?: string, claims?: Record<string, unknown>): Promise<string>
  /**
   * A token like {@link Issuer.token} whose header names `kid` (default: a random one) but signed
   * with a key this issuer never publishes: what an attacker, or another deployment, sends.
   */
  forgedToken(audience: string, kid?: string): Promise<string>
  close(): Promise<void>
}

interface SigningKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly jwk: JWK
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const kid = randomUUID()
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } }
}

export async function startIssuer(): Promise<Issuer> {
  const [first, stray] = await Promise.all([newKey(), newKey()])
  let current = first
  let published: SigningKey[] = [first]
  let answer: JwksAnswer = 'keys'
  let holding = false
  let held: ServerResponse[] = []
  const hung: ServerResponse[] = []
  const log: JwksRequest[] = []
  let arrived: (() => void) | undefined
  let firstRequest = new Promise<void>((resolve) => {
    arrived = resolve
  })
  const sendJwks = (res: ServerResponse) =>
    res
      .writeHead(200, { 'content-type': 'application/jwk-set+json' })
      .end(JSON.stringify({ keys: published.map((key) => key.jwk) }))

  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }))
      return
    }
    if (req.url === '/jwks') {
      log.push({ at: performance.now(), answer: holding ? 'held' : answer })
      arrived?.()
      if (holding) held.push(res)
      else if (answer === 'keys') sendJwks(res)
      else if (answer === 'empty') {
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end('{"keys":[]}')
      } else if (answer === 'fail') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('key server down')
      } else hung.push(res)
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const sign = (key: SigningKey, kid: string, audience: string, sub: string, claims = {}) =>
    new SignJWT({
      scope: 'accounts:read transfers:write',
      client_id: 'faults',
      jti: randomUUID(),
      auth_time: Math.floor(Date.now() / 1000),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .setIssuer(url)
      .setAudience(audience)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.privateKey)

  return {
    url,
    get kid() {
      return current.kid
    },
    get jwksRequests() {
      return log.length
    },
    jwksLog: log,
    jwksRequested: () => firstRequest,
    async untilJwksRequests(count, ms = 10_000) {
      const deadline = performance.now() + ms
      while (log.length < count) {
        if (performance.now() > deadline) {
          throw new Error(`${log.length} JWK Set requests after ${ms} ms, not ${count}`)
        }
        await new Promise((r) => setTimeout(r, 10))
      }
    },
    hold() {
      holding = true
      firstRequest = new Promise<void>((resolve) => {
        arrived = resolve
      })
    },
    release() {
      holding = false
      for (const res of held) sendJwks(res)
      held = []
    },
    answer(next) {
      answer = next
    },
    async rotate() {
      const key = await newKey()
      published = [key, ...published]
      current = key
      return key.kid
    },
    token: (audience, sub = `customer-${randomUUID()}`, claims = {}) =>
      sign(current, current.kid, audience, sub, claims),
    forgedToken: (audience, kid = randomUUID()) =>
      sign(stray, kid, audience, `customer-${randomUUID()}`),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of [...held, ...hung]) res.destroy()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
