/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /** `dev`: Vite's dev server (hot reload over a WebSocket, styles injected by script); `build`: the built app. */
  readonly mode: 'dev' | 'build'
  /** The web app's own origin, e.g. `http://localhost:5173`. */
  readonly web: string
  /** The sign-in server's issuer: discovery, pushed authorization requests, tokens, revocation. */
  readonly issuer: string
  /** The bank API's base URL. */
  readonly api: string
}

/**
 * The headers every answer of the web app's server carries.
 *
 * The Content Security Policy (CSP Level 3) allows scripts and styles from the app's own origin
 * only — no inline script, no `eval` — and `fetch` to the app itself, the API and the sign-in
 * server (`connect-src`); the dev server adds its hot-reload WebSocket and, because Vite injects
 * imported CSS as `<style>` elements there, `'unsafe-inline'` styles (dev only; the build links a
 * stylesheet file). `frame-ancestors 'none'` with `X-Frame-Options: DENY` (RFC 7034) for older
 * browsers keeps the bank out of other sites' frames (clickjacking). No
 * `Cross-Origin-Opener-Policy`: the step-up popup goes through the sign-in server's origin and
 * must still reach this window when it comes back.
 */
export function securityHeaders(options: SecurityHeadersOptions): Record<string, string> {
  const origin = (url: string) => new URL(url).origin
  const web = origin(options.web)
  const connect = ["'self'", origin(options.api), origin(options.issuer)]
  const styles = ["'self'"]
  if (options.mode === 'dev') {
    connect.push(web.replace(/^http/, 'ws'))
    styles.push("'unsafe-inline'")
  }
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${styles.join(' ')}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ]
  return {
    'Content-Security-Policy': policy.join('; '),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
  }
}
