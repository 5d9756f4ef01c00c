import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet from 'helmet'
import { sendPage } from './html.ts'

/** What {@link createSecurityHeaders} needs to know. */
export interface SecurityHeaderOptions {
  /** The issuer's origin. */
  readonly issuerOrigin: string
  /**
   * Origins a form of this server may end up at: the registered clients' redirect URIs and
   * post-logout redirect URIs (CSP `form-action` also governs the redirects after a form POST).
   */
  readonly formTargets: readonly string[]
}

/** The origins of `uris`, without duplicates; URIs that do not parse are skipped. */
export function originsOf(uris: readonly string[]): string[] {
  const origins = new Set<string>()
  for (const uri of uris) {
    try {
      const { origin } = new URL(uri)
      if (origin !== 'null') origins.add(origin)
    } catch {
      // not a URL: nothing a form could be sent to
    }
  }
  return [...origins]
}

/**
 * Security headers for every response of the sign-in server, set with `helmet` before anything
 * else runs: a strict Content Security Policy (CSP Level 3: `default-src 'self'`, scripts and
 * styles from files of this origin only, no framing, `form-action` limited to this origin and the
 * clients' redirect origins because a form POST's redirect chain is checked too), `nosniff`,
 * `Referrer-Policy: same-origin` (no `Referer` leaves this origin, so authorization details
 * cannot leak through it, RFC 9396 §13; `no-referrer` would make browsers send `Origin: null` with
 * every form POST, Fetch §3.1, and the Origin check below would refuse them all),
 * `X-Frame-Options: DENY`, and HSTS on an https issuer.
 *
 * `Cross-Origin-Opener-Policy` is left out on purpose: a sign-in running in a popup posts its
 * result back to the app that opened it, and `same-origin` would cut that link; the server sends
 * `unsafe-none` instead. node-oidc-provider adds a `sha256-` source to `script-src` for the one
 * inline script of its own (the auto-submitted form of a logout without a session).
 *
 * @see https://www.w3.org/TR/CSP3/#directive-form-action
 */
export function createSecurityHeaders(
  options: SecurityHeaderOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const secure = options.issuerOrigin.startsWith('https:')
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'", ...originsOf(options.formTargets)],
      },
    },
    crossOriginOpenerPolicy: false,
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: secure ? { maxAge: 31_536_000 } : false,
    xFrameOptions: { action: 'deny' },
  })
  return (req, res) =>
    new Promise<void>((resolve, reject) => {
      middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()))
    })
}

/**
 * The provider's endpoints that clients call from their own origin (RFC 6749 §3.2 token,
 * RFC 9126 PAR, RFC 7009 revocation, RFC 7662 introspection, RFC 7591 registration, userinfo,
 * device authorization, CIBA) or that a client's page may post a form to (the authorization
 * endpoint, OpenID Connect RP-Initiated Logout §2 `end_session`). Every other POST is a form of
 * this server and must come from its own origin.
 */
const PROVIDER_API_ROUTES = [
  'authorization',
  'backchannel_authentication',
  'challenge',
  'credential',
  'device_authorization',
  'end_session',
  'introspection',
  'pushed_authorization_request',
  'registration',
  'revocation',
  'token',
  'userinfo',
] as const

/** What the provider's router matches a path as: any letter case, one trailing slash or none. */
function routeKey(path: string): string {
  const lower = path.toLowerCase()
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower
}

/**
 * The paths of the provider's API endpoints ({@link PROVIDER_API_ROUTES}) as its router has them,
 * relative to the issuer. A route the provider has not enabled is not served, so it is left out.
 */
export function providerApiPaths(provider: {
  pathFor(name: string, options?: { mountPath?: string }): string
}): ReadonlySet<string> {
  const paths = new Set<string>()
  for (const name of PROVIDER_API_ROUTES) {
    try {
      paths.add(routeKey(provider.pathFor(name, { mountPath: '' })))
    } catch {
      // not enabled: no such route
    }
  }
  return paths
}

/**
 * Refuse a POST that does not come from the server's own pages: `Origin` (RFC 6454 §7, sent by
 * browsers with every POST, Fetch §3.1) must be the issuer's origin. Every POST is checked except
 * those to the provider's API endpoints (`apiPaths`, from {@link providerApiPaths}), matched as
 * the provider's router matches them (any letter case, an optional trailing slash), so
 * `/SESSION/END/CONFIRM/` is checked like `/session/end/confirm`. A missing, `null` or foreign
 * `Origin` gets a 403 page. Answers true when it refused the request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6454#section-7
 */
export function refuseForeignForm(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  issuerOrigin: string,
  apiPaths: ReadonlySet<string>,
): boolean {
  if (req.method !== 'POST' || apiPaths.has(routeKey(path))) return false
  if (req.headers.origin === issuerOrigin) return false
  sendPage(res, {
    title: 'Request refused',
    status: 403,
    body: '<p class="error" id="error" role="alert">This form was not sent from this site. Go back to the application and start again.</p>',
  })
  return true
}
