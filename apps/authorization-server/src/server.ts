import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { type AddressInfo, Server as NetServer } from 'node:net'
import type { AcrRegistry } from '@stepup/acr'
import { invalidArgument } from '@stepup/internal'
import { authorizationDetailsDigest } from '@stepup/rar'
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider'
import Provider, { errors, interactionPolicy } from 'oidc-provider'
import { createAccountHandler } from './account.ts'
import { createStepUpAcrRegistry, SUPPORTED_ACR_VALUES } from './acr.ts'
import { serveAsset } from './assets/serve.ts'
import { createBankAuthorizationDetailsRegistry } from './bank-details.ts'
import { createEnrolmentCodes, type EnrolmentCode } from './enrolment.ts'
import { escapeHtml, renderPage, sendPage } from './html.ts'
import { createInteractionHandler } from './interactions/index.ts'
import { providerErrorView } from './interactions/views.ts'
import { createServerKeys } from './keys.ts'
import { createSignInLockout, type SignInLockoutOptions } from './lockout.ts'
import { logoutSource, postLogoutSuccessSource } from './logout.ts'
import { createSignInNotices, recordSecurityEvent } from './notices.ts'
import { type AuthorizationDetailsValidator, richAuthorizationRequests } from './rar.ts'
import { connectThrottleRedis } from './redis.ts'
import { createSecurityHeaders, providerApiPaths, refuseForeignForm } from './security.ts'
import { DEMO_USERS, openUserStore, type SeedUser, type UserStore } from './store.ts'
import {
  confirmationOf,
  createTransactionConfirmations,
  transactionDetailsOf,
} from './transaction.ts'

/** Options for {@link createAuthorizationServer}. */
export interface AuthorizationServerOptions {
  /**
   * The issuer identifier (an `http(s)` origin, optionally with a path). Defaults to
   * `http://localhost:<port>` once the port is bound. Its host is the WebAuthn RP ID, so use a
   * host name (`localhost`), never an IP address, when browsers will run the ceremonies.
   */
  readonly issuer?: string
  /** TCP port; defaults to the issuer's port, else 0 (a free port). */
  readonly port?: number
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string
  /** The resource indicator (RFC 8707) of the protected API: the `aud` of access tokens. */
  readonly resource: string
  /** Scopes the API accepts (default `accounts:read transfers:write password:write`). */
  readonly resourceScopes?: readonly string[]
  /** Registered clients (default: the public client `bank-web`, see README). */
  readonly clients?: readonly ClientMetadata[]
  /** JSON file for users, credentials and signing keys; memory only when absent. */
  readonly dataFile?: string
  /** Users created when missing from the store (default {@link DEMO_USERS}). */
  readonly users?: readonly SeedUser[]
  /** Validator for `authorization_details` (default: the bank transfer type from @stepup/rar). */
  readonly authorizationDetails?: AuthorizationDetailsValidator
  /** Access token lifetime in seconds (default 300). */
  readonly accessTokenTtl?: number
  /** Refresh token lifetime in seconds (default 86,400). */
  readonly refreshTokenTtl?: number
  /** Sign-in session lifetime in seconds (default 86,400). */
  readonly sessionTtl?: number
  /** How long one sign-in interaction may take, in seconds (default 600). */
  readonly interactionTtl?: number
  /**
   * How long the one-time enrolment codes issued at start stay valid, in seconds (default 900).
   * See {@link AuthorizationServer.enrolmentCodes}.
   */
  readonly enrolmentCodeTtl?: number
  /**
   * Sign-in throttle limits (per username and per client address, with backoff); see
   * {@link SignInLockoutOptions}. Defaults: 5 failures per account, 20 per address, in 15 minutes.
   */
  readonly lockout?: Omit<SignInLockoutOptions, 'redis' | 'onAccountBlocked' | 'keyPrefix'>
  /**
   * A Redis URL (`redis://…`): the sign-in throttle keeps its counters there, shared by every
   * server on it. While Redis cannot answer, sign-in steps answer 503. Memory when absent.
   */
  readonly redisUrl?: string
  /** How recent a sign-in must be to register a security key, in seconds (default 900). */
  readonly registrationMaxAge?: number
  /**
   * Milliseconds {@link AuthorizationServer.close} waits for requests in flight before it
   * closes their connections (default 10,000).
   */
  readonly shutdownTimeout?: number
}

/** A running authorization server. */
export interface AuthorizationServer {
  /** The issuer identifier, also the base URL of every endpoint. */
  readonly issuer: string
  /** The bound TCP port. */
  readonly port: number
  /** The node-oidc-provider instance. */
  readonly provider: Provider
  /** The user and credential store. */
  readonly store: UserStore
  /** The acr registry the provider is configured with. */
  readonly acr: AcrRegistry
  /**
   * The one-time enrolment codes issued at start, by username: one for each seeded user who has
   * no security key yet. A code lets that user, signed in with the password, add a first key on
   * `/account/security` (form `#enrolment-code-form`, field `code`); single use, valid
   * `enrolmentCodeTtl` seconds.
   */
  readonly enrolmentCodes: ReadonlyMap<string, EnrolmentCode>
  /** Issue a fresh enrolment code for a user (replacing theirs); throws for an unknown username. */
  issueEnrolmentCode(username: string): EnrolmentCode
  /**
   * The OpenID RP-Initiated Logout 1.0 end-session endpoint (`<issuer>/session/end`), also in
   * discovery as `end_session_endpoint`.
   */
  readonly endSessionEndpoint: string
  /**
   * Shut down gracefully: stop accepting connections, close idle keep-alive connections, let
   * requests in flight finish (their responses carry `Connection: close`), and close whatever is
   * still open when `shutdownTimeout` runs out. Resolves once every connection is closed.
   */
  close(): Promise<void>
}

/** The default scopes of the bank API resource. */
export const DEFAULT_RESOURCE_SCOPES: readonly string[] = Object.freeze([
  'accounts:read',
  'transfers:write',
  'password:write',
])

/**
 * The default client: a public browser client using PKCE (the bank web app in development),
 * whose tokens are always DPoP-bound (RFC 9449 §5: its token requests must carry a proof).
 */
export const DEFAULT_CLIENTS: readonly ClientMetadata[] = Object.freeze([
  {
    client_id: 'bank-web',
    client_name: 'Bank',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://localhost:5173/callback'],
    post_logout_redirect_uris: ['http://localhost:5173/'],
    dpop_bound_access_tokens: true,
  },
])

/** Milliseconds connections idle at shutdown may still send one request. */
const IDLE_GRACE = 500

function checkUrl(value: unknown, name: string): URL {
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    throw invalidArgument(`${name} must be an absolute URL`)
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash || url.search) {
    throw invalidArgument(`${name} must be an http(s) URL without query or fragment`)
  }
  return url
}

function checkSeconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw invalidArgument(`options.${name} must be a positive integer (seconds)`)
  }
  return value
}

function checkRedisUrl(value: unknown): void {
  let url: URL | undefined
  try {
    url = new URL(String(value))
  } catch {
    url = undefined
  }
  if (url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') {
    throw invalidArgument('options.redisUrl must be a redis:// or rediss:// URL')
  }
}

/** Whether `origin` is the origin of one of `uris` (a browser client's own pages). */
function isOriginOf(origin: string, uris: readonly string[] | undefined): boolean {
  return (uris ?? []).some((uri) => {
    try {
      return new URL(uri).origin === origin
    } catch {
      return false
    }
  })
}

function acrValuesOf(ctx: KoaContextWithOIDC): string[] | undefined {
  const value = ctx.oidc.params?.['acr_values']
  return typeof value === 'string' && value ? value.split(' ').filter(Boolean) : undefined
}

/**
 * The interaction policy: node-oidc-provider's default, plus a login check that honours
 * `acr_values` through the acr registry (a session whose class satisfies one requested value
 * passes; otherwise the End-User must authenticate again, RFC 9470 §4), and one that asks for a
 * login whenever the request carries a transfer that this interaction has not confirmed with a
 * security key over exactly its details (PSD2 RTS Art. 5): no session, `max_age` or earlier
 * `phrh` sign-in stands in for that confirmation.
 */
function createPolicy(acr: AcrRegistry): interactionPolicy.DefaultPolicy {
  const { Check, base } = interactionPolicy
  const policy = base()
  const login = policy.get('login')!
  login.checks.add(
    new Check(
      'acr_values',
      'requested ACR could not be obtained',
      'login_required',
      (ctx) => {
        const requested = acrValuesOf(ctx)
        if (!requested || acr.satisfies(ctx.oidc.acr, requested)) {
          return Check.NO_NEED_TO_PROMPT
        }
        if (ctx.oidc.result?.['login']) {
          throw new errors.UnmetAuthenticationRequirements(
            'the authentication performed does not meet the requested acr',
          )
        }
        return Check.REQUEST_PROMPT
      },
      (ctx) => ({ acr_values: acrValuesOf(ctx) }),
    ),
  )
  login.checks.add(
    new Check(
      'transaction_confirmation',
      'the transaction must be confirmed with a security key',
      'login_required',
      async (ctx) => {
        const details = transactionDetailsOf(ctx.oidc.params?.['authorization_details'])
        if (!details) return Check.NO_NEED_TO_PROMPT
        const confirmation = confirmationOf(ctx.oidc.result)
        if (
          confirmation &&
          confirmation.accountId === ctx.oidc.session?.accountId &&
          confirmation.digest === (await authorizationDetailsDigest(details))
        ) {
          return Check.NO_NEED_TO_PROMPT
        }
        if (ctx.oidc.result?.['login']) {
          throw new errors.UnmetAuthenticationRequirements(
            'the transaction was not confirmed with a security key',
          )
        }
        return Check.REQUEST_PROMPT
      },
    ),
  )
  return policy
}

/**
 * Start a real OpenID Provider (node-oidc-provider) for the step-up scenario: acr classes from
 * an @stepup/acr registry, `acr_values`/`max_age`/`prompt=login`/`claims` honoured,
 * `unmet_authentication_requirements` when they cannot be met, RFC 9068 JWT access tokens for
 * one resource carrying `acr`, `auth_time`, `amr` and `authorization_details`, RAR validated by
 * @stepup/rar, PKCE (S256) required, PAR, refresh tokens; password, TOTP and WebAuthn logins.
 * DPoP (RFC 9449): a token request with a proof gets a token bound to its key (always required
 * of clients registered with `dpop_bound_access_tokens: true`), and a proof must carry a nonce
 * this server gave (§8). Browser clients may call the token and PAR endpoints from the origins
 * of their redirect URIs (CORS, with the `DPoP` request header and `DPoP-Nonce` exposed), and
 * no page cuts the link between a popup and the app that opened it (no
 * `Cross-Origin-Opener-Policy: same-origin`), so a sign-in can run in a popup.
 *
 * @example
 * ```ts
 * const as = await createAuthorizationServer({ resource: 'http://localhost:4000/' })
 * console.log(`${as.issuer}/.well-known/openid-configuration`)
 * await as.close()
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-4
 */
export async function createAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<AuthorizationServer> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options must be an object')
  }
  const resource = checkUrl(options.resource, 'options.resource').href
  const configuredIssuer =
    options.issuer === undefined ? undefined : checkUrl(options.issuer, 'options.issuer')
  const port =
    options.port ??
    (configuredIssuer?.port ? Number(configuredIssuer.port) : configuredIssuer ? undefined : 0)
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidArgument('options.port must be an integer from 0 to 65535')
  }
  const shutdownTimeout = options.shutdownTimeout ?? 10_000
  if (!Number.isSafeInteger(shutdownTimeout) || shutdownTimeout <= 0) {
    throw invalidArgument('options.shutdownTimeout must be a positive integer (milliseconds)')
  }
  const resourceScopes = options.resourceScopes ?? DEFAULT_RESOURCE_SCOPES
  const accessTokenTtl = checkSeconds(options.accessTokenTtl, 300, 'accessTokenTtl')
  const refreshTokenTtl = checkSeconds(options.refreshTokenTtl, 24 * 3600, 'refreshTokenTtl')
  const sessionTtl = checkSeconds(options.sessionTtl, 24 * 3600, 'sessionTtl')
  const interactionTtl = checkSeconds(options.interactionTtl, 600, 'interactionTtl')
  const enrolmentCodeTtl = checkSeconds(options.enrolmentCodeTtl, 900, 'enrolmentCodeTtl')
  const registrationMaxAge = checkSeconds(options.registrationMaxAge, 900, 'registrationMaxAge')
  const acr = createStepUpAcrRegistry()
  const authorizationDetails =
    options.authorizationDetails ?? createBankAuthorizationDetailsRegistry()
  const confirmations = createTransactionConfirmations()

  if (options.redisUrl !== undefined) checkRedisUrl(options.redisUrl)
  const store = await openUserStore({ file: options.dataFile, seeds: options.users ?? DEMO_USERS })
  const redis = options.redisUrl ? await connectThrottleRedis(options.redisUrl) : undefined
  const throttle = createSignInLockout({
    ...options.lockout,
    ...(redis && { redis: redis.client }),
    async onAccountBlocked(username) {
      const user = store.findByUsername(username.trim().toLowerCase())
      if (user) await recordSecurityEvent(store, user.id, { type: 'account-locked' })
    },
  })
  const enrolmentCodes = createEnrolmentCodes({ ttlSeconds: enrolmentCodeTtl })
  const issuedCodes = new Map<string, EnrolmentCode>()
  for (const seed of options.users ?? DEMO_USERS) {
    const user = store.findByUsername(seed.username)
    if (user && user.credentials.length === 0) {
      issuedCodes.set(user.username, enrolmentCodes.issue(user.id, user.username))
    }
  }
  const clients = [...(options.clients ?? DEFAULT_CLIENTS)]
  let keys = store.getKeys()
  if (!keys) {
    keys = await createServerKeys()
    await store.setKeys(keys)
  }

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end()
  }
  let draining = false
  let graceOver = false
  const open = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    // While shutting down, no response keeps its connection alive.
    if (draining) res.setHeader('connection', 'close')
    // A sign-in may run in a popup that posts the result back to the app that opened it:
    // `Cross-Origin-Opener-Policy: same-origin` on any page here would cut that link (the
    // popup's `window.opener` becomes null). Said explicitly so that no later default adds it.
    res.setHeader('cross-origin-opener-policy', 'unsafe-none')
    open.add(res)
    res.once('close', () => {
      open.delete(res)
      if (graceOver) server.closeIdleConnections()
    })
    handler(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const boundPort = (server.address() as AddressInfo).port
  const issuerUrl = configuredIssuer ?? new URL(`http://localhost:${boundPort}`)
  const issuer = issuerUrl.href.replace(/\/$/, '')

  const configuration: Configuration = {
    clients,
    jwks: keys.jwks as Configuration['jwks'],
    cookies: { keys: [...keys.cookieKeys] },
    acrValues: [...SUPPORTED_ACR_VALUES],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      // Clients may use every authorization details type unless their metadata narrows it.
      authorization_details_types: authorizationDetails.typesSupported(),
    },
    claims: {
      sid: null,
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'preferred_username'],
    },
    scopes: ['openid', 'offline_access', 'profile'],
    async findAccount(_ctx, sub) {
      const user = store.findById(sub)
      if (!user) return undefined
      return {
        accountId: sub,
        claims: () => ({ sub, name: user.name, preferred_username: user.username }),
      }
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      // OpenID RP-Initiated Logout 1.0: the end_session_endpoint always asks the End-User to
      // confirm (§2: the OP SHOULD ask, even with a valid id_token_hint, so that a link cannot sign
      // anyone out); "Sign out" ends the session here and revokes the grants of its clients.
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      // RFC 9449: proofs at the token and PAR endpoints bind tokens to the client's key, and each
      // proof must carry a nonce from this server (§8: a 400 use_dpop_nonce with DPoP-Nonce
      // first). The nonce secret lives as long as the process; a restart costs clients a retry.
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget()
          return {
            scope: resourceScopes.join(' '),
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: accessTokenTtl,
            jwt: { sign: { alg: 'ES256' } },
          }
        },
      },
      richAuthorizationRequests: richAuthorizationRequests(
        authorizationDetails,
        resource,
        confirmations,
      ),
    },
    pkce: { required: () => true },
    // Browser clients call the token, PAR, revocation and userinfo endpoints from their own pages:
    // a public client from the origins of its redirect URIs, nobody else (RFC 6454 origins).
    clientBasedCORS: (_ctx, origin, client) =>
      client.clientAuthMethod === 'none' && isOriginOf(origin, client.redirectUris),
    interactions: {
      url: (_ctx, interaction) =>
        `${issuerUrl.pathname.replace(/\/$/, '')}/interaction/${interaction.uid}`,
      policy: createPolicy(acr),
    },
    async loadExistingGrant(ctx) {
      // Clients registered here are first-party: scopes and claims they ask for are granted
      // without a consent screen; authorization_details always go through consent.
      const { oidc } = ctx
      const accountId = oidc.session?.accountId
      if (!oidc.session || !accountId || !oidc.client) return undefined
      const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId)
      const grant =
        (grantId ? await oidc.provider.Grant.find(grantId) : undefined) ??
        new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId })
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '))
      grant.addOIDCClaims([...oidc.requestParamClaims])
      for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
        const scopes = [...oidc.requestParamScopes].filter((s) => server.scopes.has(s))
        if (scopes.length) grant.addResourceScope(indicator, scopes.join(' '))
      }
      await grant.save()
      return grant
    },
    async extraTokenClaims(ctx, token) {
      if (token.kind !== 'AccessToken') return undefined
      const code = ctx.oidc.entities.AuthorizationCode
      const source = code ?? ctx.oidc.entities.RefreshToken
      if (!source) return undefined
      // Only a token from the code of an interaction that confirmed exactly these details with a
      // security key says which details were authenticated (see README, authorization_details_digest).
      const digest = code ? await confirmations.digestFor(code.grantId, token.rar) : undefined
      return {
        ...(source.acr !== undefined && { acr: source.acr }),
        ...(source.amr !== undefined && { amr: source.amr }),
        ...(source.authTime !== undefined && { auth_time: source.authTime }),
        ...(digest !== undefined && { authorization_details_digest: digest }),
      }
    },
    async issueRefreshToken(_ctx, client) {
      // First-party clients registered with the refresh_token grant get one with every code
      // (OpenID Connect would otherwise need offline_access together with prompt=consent). A
      // public client's refresh token is bound to its DPoP key (RFC 9449 §5) and rotated once 70%
      // of its lifetime has passed; without DPoP it is rotated on every use (node-oidc-provider's
      // default rotateRefreshToken, RFC 9700 §4.14.2).
      return client.grantTypeAllowed('refresh_token')
    },
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: interactionTtl,
      Grant: 14 * 24 * 3600,
      RefreshToken: refreshTokenTtl,
      Session: sessionTtl,
    },
    async renderError(ctx, out) {
      ctx.type = 'html'
      ctx.body = renderPage(providerErrorView(out.error))
    },
  }

  const provider = new Provider(issuer, configuration)
  const rp = { rpID: issuerUrl.hostname, rpName: 'Step-up Bank', origin: issuerUrl.origin }
  const interactions = createInteractionHandler({
    provider,
    store,
    acr,
    rp,
    throttle,
  })
  const account = createAccountHandler({
    provider,
    store,
    rp,
    acr,
    registrationMaxAge,
    enrolmentCodes,
  })
  const notices = createSignInNotices(provider, store)
  const securityHeaders = createSecurityHeaders({
    issuerOrigin: issuerUrl.origin,
    formTargets: clients.flatMap((c) => [
      ...((c['redirect_uris'] as string[] | undefined) ?? []),
      ...((c['post_logout_redirect_uris'] as string[] | undefined) ?? []),
    ]),
  })
  const base = issuerUrl.pathname.replace(/\/$/, '')
  const apiPaths = providerApiPaths(provider)
  const callback = provider.callback()

  handler = (req, res) => {
    // Everything runs inside the async function, so nothing a request can make throw (a target
    // like `//` or `//x:99999/` that WHATWG URL refuses) escapes the handler and ends the process.
    const serve = async (): Promise<void> => {
      await securityHeaders(req, res)
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://internal')
      } catch {
        sendPage(res, {
          title: 'Bad request',
          status: 400,
          body: '<p class="error" id="error" role="alert">This address is not valid.</p>',
        })
        return
      }
      const path = url.pathname.startsWith(`${base}/`)
        ? url.pathname.slice(base.length)
        : url.pathname
      if (refuseForeignForm(req, res, path, issuerUrl.origin, apiPaths)) return
      if (await notices(req, res, path)) return
      if (serveAsset(req, res, path)) return
      if (await interactions(req, res, path)) return
      if (await account(req, res, path)) return
      if (path === '/' && req.method === 'GET') {
        sendPage(res, {
          title: 'Authorization server',
          body: `<p>OpenID Provider <code id="issuer">${escapeHtml(issuer)}</code>.</p>
<ul><li><a href="${escapeHtml(base)}/.well-known/openid-configuration">Discovery document</a></li>
<li><a href="${escapeHtml(base)}/account/security">Security keys</a></li></ul>`,
        })
        return
      }
      callback(req, res)
    }
    serve().catch((error: unknown) => {
      console.error(error)
      if (!res.headersSent) res.writeHead(500).end()
    })
  }

  let closing: Promise<void> | undefined
  return {
    issuer,
    port: boundPort,
    provider,
    store,
    acr,
    enrolmentCodes: issuedCodes,
    issueEnrolmentCode(username) {
      const user = store.findByUsername(username)
      if (!user) throw invalidArgument(`no user ${JSON.stringify(username)}`)
      const code = enrolmentCodes.issue(user.id, user.username)
      issuedCodes.set(user.username, code)
      return code
    },
    endSessionEndpoint: `${issuer}/session/end`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        draining = true
        for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close')
        // Stop listening only (net.Server#close): http.Server#close would also close idle
        // keep-alive connections at once, resetting a request a client may just have sent on
        // one. They get a short grace to send it (answered with Connection: close) first.
        const grace = setTimeout(
          () => {
            graceOver = true
            server.close() // closes idle connections; the listener is already closed
          },
          Math.min(IDLE_GRACE, shutdownTimeout),
        )
        const deadline = setTimeout(() => server.closeAllConnections(), shutdownTimeout)
        NetServer.prototype.close.call(server, () => {
          clearTimeout(grace)
          clearTimeout(deadline)
          if (!graceOver) server.close()
          redis?.close()
          resolve()
        })
      })
      return closing
    },
  }
}
