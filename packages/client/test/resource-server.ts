import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createDpopProofVerifier,
  type DpopProofCheck,
  type DpopProofError,
} from '@stepup/assurance'
import { decodeJwt } from 'jose'

/** One request as the server received it. */
export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

export type Handler = (request: SeenRequest, response: ServerResponse) => unknown

/** A real HTTP server on 127.0.0.1 that records every request it receives. */
export interface TestServer {
  readonly origin: string
  readonly seen: SeenRequest[]
  handle(handler: Handler): void
  close(): Promise<void>
}

/** Starts the server on `host` (default 127.0.0.1; `127.0.0.2` is loopback but not a loopback origin). */
export async function startServer(initial?: Handler, host = '127.0.0.1'): Promise<TestServer> {
  let handler: Handler = initial ?? ((_, res) => res.writeHead(404).end())
  const seen: SeenRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      }
      seen.push(request)
      Promise.resolve(handler(request, res)).catch((error: unknown) => {
        res.writeHead(500).end(String(error))
      })
    })
  })
  server.keepAliveTimeout = 100
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://${host}:${port}`,
    seen,
    handle(next) {
      handler = next
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** The token a request carried, or undefined. */
export function bearer(request: SeenRequest): string | undefined {
  const value = request.headers.authorization
  return value?.startsWith('Bearer ') ? value.slice(7) : undefined
}

/**
 * What a resource server answers when the token falls short: the status, each
 * `WWW-Authenticate` field line (several lines are sent as several header fields), and an
 * optional JSON error body (`{ error, error_description, authorization_details }`).
 */
export interface Challenge {
  readonly status?: number
  readonly lines: readonly string[]
  readonly body?: unknown
}

/** Writes `challenge` as the response. */
export function answer(res: ServerResponse, challenge: Challenge): void {
  res.statusCode = challenge.status ?? 401
  res.setHeader('www-authenticate', [...challenge.lines])
  if (challenge.body === undefined) return void res.end()
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(challenge.body))
}

/**
 * A resource that wants `token` and otherwise answers with `challenge`: one header value (sent
 * with `status`, 401 by default) or a full {@link Challenge}.
 */
export function protectedResource(
  token: string,
  challenge: string | Challenge,
  status = 401,
): Handler {
  const full = typeof challenge === 'string' ? { status, lines: [challenge] } : challenge
  return (request, res) => {
    if (bearer(request) === token) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true, method: request.method, path: request.path }))
    } else {
      answer(res, full)
    }
  }
}

/**
 * Post/redirect/get: a `POST` is applied (recorded in `applied`) and answered with `303` to
 * `<path>/result`; that `GET` is a resource wanting `token`.
 */
export function postRedirectGet(
  token: string,
  challenge: string | Challenge,
  applied: string[],
): Handler {
  const result = protectedResource(token, challenge)
  return (request, res) => {
    if (request.method !== 'POST') return result(request, res)
    applied.push(request.body.toString())
    return res.writeHead(303, { location: `${request.path}/result` }).end()
  }
}

export const STEP_UP_ACR =
  'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"'

/** RFC 9396 §2 Figure 1-style details a resource names as missing. */
export const PAYMENT = {
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount: '123.50' },
  creditorName: 'Merchant A',
}

/**
 * The challenge forms of the resource server: one 401 for everything the user authentication
 * misses (with `scope` and the details to request), or a 403 for scope or details alone.
 */
export const CHALLENGES = {
  /** 401: stronger and fresher sign-in, plus a missing scope and missing details. */
  stepUpWithScopeAndDetails: {
    status: 401,
    lines: [
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh", max_age=300, scope="accounts payments"',
    ],
    body: {
      error: 'insufficient_user_authentication',
      error_description: 'A different authentication level is required',
      authorization_details: [PAYMENT],
    },
  },
  /** 403: the sign-in is fine; the token's authorization details do not cover the request. */
  insufficientAuthorizationDetails: {
    status: 403,
    lines: [
      'Bearer error="insufficient_authorization_details", error_description="The authorization details of the access token do not cover this request"',
    ],
    body: {
      error: 'insufficient_authorization_details',
      error_description: 'The authorization details of the access token do not cover this request',
      authorization_details: [PAYMENT],
    },
  },
  /** 403: the sign-in is fine; a scope is missing. */
  insufficientScope: {
    status: 403,
    lines: ['Bearer error="insufficient_scope", scope="accounts payments"'],
  },
  /** A DPoP challenge and a Bearer step-up on two field lines, the step-up split across a third. */
  severalLines: {
    status: 401,
    lines: [
      'DPoP algs="ES256 PS256"',
      'Bearer error="insufficient_user_authentication"',
      'acr_values="myACR", max_age=0',
    ],
  },
  /** `insufficient_scope` listed before the step-up, in one field line. */
  scopeBeforeStepUp: {
    status: 401,
    lines: [
      'Bearer error="insufficient_scope", scope="payments", Bearer error="insufficient_user_authentication", acr_values="myACR"',
    ],
  },
} satisfies Record<string, Challenge>

/** What the DPoP resource knows of a token: the key it is bound to, and whether it is strong. */
export interface DpopBinding {
  readonly jkt: string
  readonly strong: boolean
}

/** The DPoP-protected resource's state, for assertions. */
export interface DpopResource {
  readonly handler: Handler
  /** token → binding; add the tokens the authorization server issues. */
  readonly tokens: Map<string, DpopBinding>
  /** Why each refused request was refused: a `DpopProofErrorCode`, `nonce`, `binding`, `scheme`. */
  readonly refusals: string[]
  /** The nonce the next proof must carry, when nonces are required. */
  nonce: string | undefined
}

/** The DPoP step-up challenge (RFC 9470 §3 with the DPoP scheme of RFC 9449 §7.1). */
export const DPOP_STEP_UP =
  'DPoP error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR", algs="ES256 Ed25519"'

let nonces = 0
const freshNonce = () => `n-${++nonces}-${Math.random().toString(36).slice(2)}`

/**
 * A DPoP-protected resource (RFC 9449 §7.1) that checks every proof with `@stepup/assurance`'s
 * `createDpopProofVerifier` (signature, `typ`, `alg`, `htm`, `htu`, `iat`, `ath`, `jti` once),
 * then the token's binding to the proof's key; with `requireNonce`, a proof without the current
 * nonce gets `401 use_dpop_nonce` and a `DPoP-Nonce` (§9); with `rotateNonce`, every success
 * hands out the next nonce. A token that is bound but not strong gets {@link DPOP_STEP_UP}.
 */
export function dpopResource(
  origin: string,
  options: { requireNonce?: boolean; rotateNonce?: boolean } = {},
): DpopResource {
  const verifyProof = createDpopProofVerifier({ origin, algorithms: ['ES256', 'Ed25519'] })
  const state: DpopResource = {
    tokens: new Map(),
    refusals: [],
    nonce: options.requireNonce ? freshNonce() : undefined,
    handler: async (request, res) => {
      const refuse = (reason: string, line: string, headers: Record<string, string> = {}) => {
        state.refusals.push(reason)
        res.writeHead(401, { 'www-authenticate': line, ...headers }).end()
      }
      const authorization = request.headers.authorization ?? ''
      if (!authorization.startsWith('DPoP ')) return refuse('scheme', 'DPoP algs="ES256 Ed25519"')
      const token = authorization.slice(5)
      const proof = typeof request.headers.dpop === 'string' ? request.headers.dpop : null
      let check: DpopProofCheck
      try {
        check = await verifyProof(
          proof,
          { method: request.method, url: request.path, headers: {}, body: () => undefined },
          token,
        )
      } catch (error) {
        return refuse((error as DpopProofError).code, 'DPoP error="invalid_dpop_proof"')
      }
      if (state.nonce !== undefined && decodeJwt(proof!).nonce !== state.nonce) {
        return refuse(
          'nonce',
          'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
          { 'dpop-nonce': state.nonce },
        )
      }
      const binding = state.tokens.get(token)
      if (binding?.jkt !== check.jkt) return refuse('binding', 'DPoP error="invalid_token"')
      try {
        await check.consume()
      } catch (error) {
        return refuse((error as DpopProofError).code, 'DPoP error="invalid_dpop_proof"')
      }
      if (!binding.strong) {
        state.refusals.push('step-up')
        return res.writeHead(401, { 'www-authenticate': DPOP_STEP_UP }).end()
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (options.rotateNonce) {
        state.nonce = freshNonce()
        headers['dpop-nonce'] = state.nonce
      }
      res.writeHead(200, headers)
      res.end(JSON.stringify({ ok: true, method: request.method, path: request.path }))
    },
  }
  return state
}
