import { checkOptions, invalidArgument } from '@stepup/internal'
import { decodeJwt } from 'jose'
import { quoted } from './claims.js'
import { AccessTokenError } from './errors.js'
import {
  createJwtAccessTokenVerifier,
  OPTIONS as JWT_OPTIONS,
  type JwtAccessTokenVerifierOptions,
} from './jwt-verifier.js'
import { type AccessTokenVerifier, COMPACT, type VerifyOptions } from './verifier.js'

/**
 * One trusted issuer of {@link createMultiIssuerVerifier}: JWTs verified with its keys, or opaque
 * tokens introspected at its endpoint.
 *
 * - JWTs: the options of `createJwtAccessTokenVerifier`, with `jwks` optional. Without `jwks`,
 *   the keys are found from the issuer's metadata (OpenID Connect Discovery, then RFC 8414):
 *   `issuer` must then be an https URL without query or fragment, and `fetch` and `jwksOptions`
 *   apply to the discovery requests too.
 * - Introspection (at most one issuer): its identifier and the verifier
 *   `createIntrospectionVerifier` made for it, which holds the endpoint, the client credentials
 *   and the audience. Any `iss` an introspection response carries must equal `issuer`.
 *
 * @example
 * ```ts
 * const introspection = createIntrospectionVerifier({
 *   endpoint: 'https://partners.example.org/introspect',
 *   clientId: 'api',
 *   clientSecret: process.env.INTROSPECTION_SECRET!,
 *   audience: 'https://api.example.com',
 * })
 * const verifier = createMultiIssuerVerifier({
 *   issuers: [
 *     { issuer: 'https://login.example.com', audience: 'https://api.example.com', algorithms: ['RS256'] },
 *     { issuer: 'https://partners.example.org', introspection },
 *   ],
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export type IssuerOptions =
  | (Omit<JwtAccessTokenVerifierOptions, 'jwks'> & {
      /** The issuer's keys, as for `createJwtAccessTokenVerifier`; omitted: found by discovery. */
      readonly jwks?: JwtAccessTokenVerifierOptions['jwks']
      readonly introspection?: never
    })
  | {
      /** Must equal any `iss` an introspection response carries. */
      readonly issuer: string
      /** The verifier `createIntrospectionVerifier` made for this issuer. */
      readonly introspection: AccessTokenVerifier
    }

/** One issuer whose access tokens are JWTs. */
export type JwtIssuerOptions = Exclude<
  IssuerOptions,
  { readonly introspection: AccessTokenVerifier }
>

/**
 * The options of {@link createMultiIssuerVerifier}: the issuers whose tokens the API accepts, each
 * with its own keys (or introspection endpoint), audience and algorithms.
 *
 * @example
 * ```ts
 * const verifier = createMultiIssuerVerifier({
 *   issuers: [
 *     { issuer: 'https://login.example.com', audience: 'https://api.example.com' },
 *     { issuer: 'https://id.example.net', audience: 'https://api.example.com' },
 *   ],
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export interface MultiIssuerVerifierOptions {
  /** At least one; each `issuer` once; at most one with `introspection`. */
  readonly issuers: readonly IssuerOptions[]
}

const OPTIONS: ReadonlySet<string> = new Set(['issuers'])
/** A JWT issuer's keys; `introspection` is listed so that a misspelling of it is named. */
const JWT_ISSUER_OPTIONS: ReadonlySet<string> = new Set([...JWT_OPTIONS, 'introspection'])
const INTROSPECTION_ISSUER_OPTIONS: ReadonlySet<string> = new Set(['issuer', 'introspection'])
const WHERE = 'createMultiIssuerVerifier'
/** `maxTokenLength`'s default in every verifier. */
const DEFAULT_MAX_TOKEN_LENGTH = 8192

/**
 * The verifier {@link createMultiIssuerVerifier} returns: an `AccessTokenVerifier` for every
 * adapter's `verify` that accepts the tokens of several issuers, with their identifiers.
 *
 * `issuers` lists them in the order configured, for the `authorization_servers` of RFC 9728
 * metadata.
 *
 * @example
 * ```ts
 * const verifier = createMultiIssuerVerifier({
 *   issuers: [{ issuer: 'https://login.example.com', audience: 'https://api.example.com' }],
 * })
 * const metadata = createProtectedResourceMetadata({
 *   resource: 'https://api.example.com',
 *   authorization_servers: verifier.issuers,
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface MultiIssuerVerifier extends AccessTokenVerifier {
  readonly issuers: readonly string[]
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** An https URL, or http on a loopback host (local development and tests). */
function webUrl(value: string): URL | undefined {
  const url = URL.parse(value)
  return url &&
    (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    ? url
    : undefined
}

/** An issuer identifier metadata can be found from: a web URL without query or fragment (RFC 8414 §2). */
function discoverable(issuer: string): URL | undefined {
  const url = webUrl(issuer)
  return url && !issuer.includes('?') && !issuer.includes('#') ? url : undefined
}

/**
 * Where an issuer's metadata is published: OpenID Connect Discovery 1.0 §4 appends
 * `/.well-known/openid-configuration` to the issuer; RFC 8414 §3.1 inserts
 * `/.well-known/oauth-authorization-server` between the host and the path. Both remove a
 * terminating `/` first.
 */
function discoveryLocations(issuer: string): readonly [string, string] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ]
}

/** An error's message, with the network error code behind it when there is one. */
function describe(e: unknown): string {
  const code = (e as { cause?: { code?: unknown } } | null)?.cause?.code
  const message = e instanceof Error ? e.message : String(e)
  return typeof code === 'string' ? `${message} (${code})` : message
}

/** The `jwks_uri` of a metadata response, if it is the issuer's own usable document. */
async function readMetadata(response: Response, issuer: string): Promise<string> {
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    throw new Error(`answered HTTP ${response.status}`)
  }
  let document: unknown
  try {
    document = await response.json()
  } catch {
    throw new Error('is not JSON')
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new Error('is not a JSON object')
  }
  const { issuer: named, jwks_uri: jwksUri } = document as Record<string, unknown>
  if (named !== issuer) {
    throw new Error(
      `names the issuer ${quoted(named)}, not exactly ${quoted(issuer)}, so it must not be used (RFC 8414 §3.3)`,
    )
  }
  if (typeof jwksUri !== 'string' || !webUrl(jwksUri)) {
    throw new Error('has no "jwks_uri" that is an https URL (RFC 8414 §2)')
  }
  return jwksUri
}

/**
 * The `fetch` handed to the issuer's JWT verifier as if its JWK Set were at the issuer URL: the
 * first call finds the real `jwks_uri` from the issuer's metadata, every call then fetches that.
 * The verifier's remote key set runs it, so discovery is lazy (on the first token of this
 * issuer), shared by concurrent tokens (jose fetches one at a time), bounded by
 * `jwksOptions.timeoutDuration`, and after a failure backed off and rate limited like any key
 * set fetch, its tokens answered 503 with `Retry-After` meanwhile.
 */
function discoveringFetch(issuer: string, fetcher: typeof fetch): typeof fetch {
  const locations = discoveryLocations(issuer)
  let jwksUri: string | undefined
  let pending: Promise<string> | undefined
  const discover = async (init: RequestInit | undefined): Promise<string> => {
    const headers = new Headers(init?.headers)
    headers.set('accept', 'application/json')
    const reasons: string[] = []
    for (const location of locations) {
      let response: Response
      try {
        response = await fetcher(location, {
          method: 'GET',
          headers,
          redirect: 'manual',
          ...(init?.signal && { signal: init.signal }),
        })
      } catch (e) {
        // Unreachable or out of time: the other location is on the same host.
        reasons.push(`${location}: ${describe(e)}`)
        break
      }
      try {
        return await readMetadata(response, issuer)
      } catch (e) {
        reasons.push(`${location} ${describe(e)}`)
      }
    }
    throw new Error(`discovery of issuer ${quoted(issuer)} failed: ${reasons.join('; ')}`)
  }
  return async (_input, init) => {
    if (jwksUri === undefined) {
      pending ??= discover(init).finally(() => {
        pending = undefined
      })
      jwksUri = await pending
    }
    let response: Response
    try {
      response = await fetcher(jwksUri, init)
    } catch (e) {
      throw new Error(`${jwksUri}: ${describe(e)}`, { cause: e })
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined)
      throw new Error(`${jwksUri} answered HTTP ${response.status}`)
    }
    return response
  }
}

/** A caller mistake reported by a verifier factory, renamed after the issuer entry it came from. */
function within(e: unknown, where: string): unknown {
  if (!(e instanceof TypeError)) return e
  const { code } = e as { code?: unknown }
  const message = e.message.replace(/^createJwtAccessTokenVerifier: /, '')
  return invalidArgument(`${where}: ${message}`, {
    code: typeof code === 'string' ? code : 'ERR_INVALID_ARG_VALUE',
    cause: e,
  })
}

/** The verifier of one JWT issuer: its keys as given, or found by discovery. */
function jwtIssuer(entry: JwtIssuerOptions, where: string): AccessTokenVerifier {
  const { introspection: _, ...options } = entry
  try {
    if (options.jwks !== undefined) {
      return createJwtAccessTokenVerifier(options as JwtAccessTokenVerifierOptions)
    }
    const url = discoverable(options.issuer)
    if (!url) {
      throw invalidArgument(
        `"issuer" must be an https URL without query or fragment for its keys to be found by discovery (RFC 8414 §2); or give "jwks"`,
      )
    }
    const { fetch: fetcher = (input, init) => fetch(input, init) } = options
    if (typeof fetcher !== 'function') throw invalidArgument('invalid option "fetch"')
    return createJwtAccessTokenVerifier({
      ...options,
      jwks: url,
      fetch: discoveringFetch(options.issuer, fetcher),
    })
  } catch (e) {
    throw within(e, where)
  }
}

/** An introspection verifier whose results must not name another issuer. */
function introspectionIssuer(verifier: AccessTokenVerifier, issuer: string): AccessTokenVerifier {
  return {
    verify: (token, o) =>
      verifier.verify(token, o).then((claims) => {
        if (claims.iss !== undefined && claims.iss !== issuer) {
          throw new AccessTokenError(
            'ERR_TOKEN_CLAIM_INVALID',
            `introspected "iss" is ${quoted(claims.iss)}, expected exactly ${quoted(issuer)} (RFC 7662 §2.2)`,
          )
        }
        return claims
      }),
  }
}

/**
 * Creates one verifier for the access tokens of several issuers (a workforce and a customer
 * authorization server, or the old and new one during a migration), each with its own keys (or
 * introspection endpoint), audience and algorithms.
 *
 * A JWT's issuer is chosen by its `iss`, read from the unverified payload only to pick which
 * issuer's verifier runs, before any key is fetched; that verifier then checks everything
 * (signature with that issuer's keys only, exact `iss`, `aud`, `exp`, …). A JWT whose `iss` is none
 * of the issuers is `invalid_token` (`ERR_TOKEN_CLAIM_INVALID`) without any network call.
 *
 * Opaque tokens carry no issuer, so at most one issuer may use introspection: every token that
 * is not a JWT with an `iss` goes to it, and to no other server (trying several endpoints in turn
 * would hand each token to servers that did not issue it, and add a round trip per server). With
 * no introspection issuer such tokens are refused without a network call.
 *
 * An issuer given without `jwks` has its key set found by discovery, on its first token: its
 * `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4), else, when that
 * location answers but gives no usable document, `/.well-known/oauth-authorization-server`
 * inserted before the issuer's path (RFC 8414 §3.1). The document's `issuer` must be exactly the
 * configured one (RFC 8414 §3.3) and its `jwks_uri` an https URL. Until it succeeds, that issuer's
 * tokens are `ERR_VERIFIER_UNAVAILABLE` (503, with `retryAfter`), retried with the backoff and
 * rate limit of `jwksOptions`; the other issuers' tokens are not affected.
 *
 * Unknown option keys, at the top and in each issuer, are refused when it is built, as are an
 * empty list, an issuer listed twice and a second introspection issuer. A JWT longer than the
 * largest `maxTokenLength` of the JWT issuers (default 8192) is refused before it is decoded.
 *
 * @example
 * ```ts
 * const verifier = createMultiIssuerVerifier({
 *   issuers: [
 *     { issuer: 'https://login.example.com', audience: 'https://api.example.com' },
 *     {
 *       issuer: 'https://id.example.net',
 *       audience: 'https://api.example.com',
 *       jwks: new URL('https://id.example.net/jwks'),
 *       algorithms: ['ES256'],
 *     },
 *   ],
 * })
 * const claims = await verifier.verify(token)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function createMultiIssuerVerifier(
  options: MultiIssuerVerifierOptions,
): MultiIssuerVerifier {
  checkOptions(options, OPTIONS, WHERE)
  const list = options?.issuers
  if (!Array.isArray(list) || list.length === 0) {
    throw invalidArgument(`${WHERE}: "issuers" must list at least one issuer`)
  }
  const routes = new Map<string, AccessTokenVerifier>()
  let opaque: AccessTokenVerifier | undefined
  let limit = DEFAULT_MAX_TOKEN_LENGTH
  list.forEach((entry: IssuerOptions | undefined, i) => {
    const where = `${WHERE}: issuers[${i}]`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw invalidArgument(`${where}: must be an object`, { code: 'ERR_INVALID_ARG_TYPE' })
    }
    checkOptions(entry, JWT_ISSUER_OPTIONS, where)
    const { issuer } = entry
    if (typeof issuer !== 'string' || issuer === '') {
      throw invalidArgument(`${where}: "issuer" must be a non-empty string`)
    }
    if (routes.has(issuer))
      throw invalidArgument(`${where}: the issuer ${quoted(issuer)} is listed twice`)
    if (entry.introspection === undefined) {
      routes.set(issuer, jwtIssuer(entry as JwtIssuerOptions, where))
      limit = Math.max(limit, entry.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH)
      return
    }
    for (const key of Object.keys(entry)) {
      if (!INTROSPECTION_ISSUER_OPTIONS.has(key)) {
        throw invalidArgument(
          `${where}: unknown option "${key}" for an introspection issuer, which takes only "issuer" and "introspection" (give "${key}" to createIntrospectionVerifier)`,
          { code: 'ERR_UNKNOWN_OPTION' },
        )
      }
    }
    if (typeof (entry.introspection as Partial<AccessTokenVerifier>).verify !== 'function') {
      throw invalidArgument(
        `${where}: "introspection" must be a verifier made by createIntrospectionVerifier`,
        { code: 'ERR_INVALID_ARG_TYPE' },
      )
    }
    if (opaque) {
      throw invalidArgument(
        `${where}: only one issuer may use introspection: an opaque token names no issuer, and it must not be sent to servers that did not issue it`,
      )
    }
    opaque = introspectionIssuer(entry.introspection, issuer)
    routes.set(issuer, opaque)
  })
  const tooLarge = (length: number) =>
    new AccessTokenError(
      'ERR_TOKEN_TOO_LARGE',
      `access token is ${length} characters, over the largest maxTokenLength ${limit}`,
    )

  /** The verifier of the token's issuer, chosen before anything is fetched. */
  const route = (token: string): AccessTokenVerifier => {
    if (COMPACT.test(token)) {
      if (token.length > limit) throw tooLarge(token.length)
      let payload: Record<string, unknown> | undefined
      try {
        payload = decodeJwt(token)
      } catch {}
      if (payload && Object.hasOwn(payload, 'iss')) {
        const { iss } = payload
        const verifier = typeof iss === 'string' ? routes.get(iss) : undefined
        if (verifier) return verifier
        throw new AccessTokenError(
          'ERR_TOKEN_CLAIM_INVALID',
          `token "iss" is ${quoted(iss)}, not one of the configured issuers (RFC 9068 §4)`,
        )
      }
    }
    if (opaque) return opaque
    throw new AccessTokenError(
      'ERR_TOKEN_MALFORMED',
      'token is not a JWT with an "iss" claim (RFC 9068 §2.2), and no issuer is configured with introspection',
    )
  }
  return Object.freeze({
    issuers: Object.freeze(list.map(({ issuer }) => issuer)),
    verify(token: string, o?: VerifyOptions) {
      try {
        if (typeof token !== 'string' || token === '') {
          throw new AccessTokenError('ERR_TOKEN_MALFORMED', 'access token is empty')
        }
        return route(token).verify(token, o)
      } catch (e) {
        return Promise.reject(e)
      }
    },
  })
}
