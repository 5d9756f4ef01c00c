/**
 * A controllable issuer on 127.0.0.1, in the test process: an OpenID Connect discovery document
 * and a JWK Set whose responses can be held (a key server that is slow or stuck), and RFC 9068
 * access tokens signed with its key.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'

export interface Issuer {
  /** The issuer identifier, `http://127.0.0.1:<port>`. */
  readonly url: string
  /** JWK Set requests seen so far. */
  readonly jwksRequests: number
  /** Resolves when the next (or a past) JWK Set request has arrived. */
  jwksRequested(): Promise<void>
  /** Hold JWK Set responses until {@link Issuer.release}. */
  hold(): void
  /** Answer the held JWK Set requests and stop holding. */
  release(): void
  /**
   * An RFC 9068 access token for `audience`, scope `accounts:read transfers:write`, signed in
   * now (`auth_time`), with `claims` added (`acr`, `authorization_details`…).
   */
  token(audience: string, sub?: string, claims?: Record<string, unknown>): Promise<string>
  close(): Promise<void>
}

export async function startIssuer(): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const kid = randomUUID()
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] })
  let holding = false
  let held: ServerResponse[] = []
  let requests = 0
  let arrived: (() => void) | undefined
  let firstRequest = new Promise<void>((resolve) => {
    arrived = resolve
  })
  const sendJwks = (res: ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(jwks)

  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }))
      return
    }
    if (req.url === '/jwks') {
      requests += 1
      arrived?.()
      if (holding) held.push(res)
      else sendJwks(res)
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    get jwksRequests() {
      return requests
    },
    jwksRequested: () => firstRequest,
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
    token: (audience, sub = `customer-${randomUUID()}`, claims = {}) =>
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
        .sign(privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
