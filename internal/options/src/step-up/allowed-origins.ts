import { invalidArgument } from '../errors.js'

/** Hosts that are the local machine whatever the network: RFC 6761 §6.3 and RFC 5735/4291. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Whether the URL's host is loopback: `localhost`, `127.0.0.1` or `[::1]`. */
export const isLoopbackHost = (url: URL): boolean => LOOPBACK.has(url.hostname)

const shown = (value: unknown): string => {
  const text = typeof value === 'string' ? value : String(value)
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)
}

function toOrigin(value: unknown, name: string): URL {
  let url: URL | undefined
  try {
    url = typeof value === 'string' ? new URL(value) : undefined
  } catch {}
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.href !== `${url.origin}/` ||
    url.host.includes('*')
  ) {
    throw invalidArgument(
      `${name} ${shown(value)} is not an origin: write the scheme, host and port only, such as "https://api.example.com" (no path, query, credentials or wildcard)`,
    )
  }
  return url
}

/**
 * Checks and normalises the origins that may receive the access token, for `@stepup/client`'s
 * `createStepUpFetch` and `@stepup/effect`'s `makeStepUpClient`.
 *
 * Each entry is one exact origin (scheme, host, port; no wildcards). Tokens go over TLS only
 * (RFC 6750 §5.3): an `http:` origin is refused unless it is loopback (`localhost`, `127.0.0.1`,
 * `[::1]`, any port, for development) or also listed in `allowInsecureOrigins`, which must hold
 * `http:` origins of `allowedOrigins` only. Throws a `TypeError` with code `ERR_INVALID_ARG_VALUE`
 * that names the entry and the fix.
 *
 * @example
 * ```ts
 * const origins = normalizeAllowedOrigins(['https://API.example.com:443/', 'http://localhost:8080'])
 * origins.has('https://api.example.com') // true
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-5.3
 */
export function normalizeAllowedOrigins(
  allowedOrigins: readonly string[],
  allowInsecureOrigins: readonly string[] = [],
): Set<string> {
  if (!Array.isArray(allowedOrigins) || allowedOrigins.length === 0) {
    throw invalidArgument(
      'allowedOrigins must be a non-empty list of origins such as "https://api.example.com"',
    )
  }
  if (!Array.isArray(allowInsecureOrigins)) {
    throw invalidArgument('allowInsecureOrigins must be a list of http: origins', {
      code: 'ERR_INVALID_ARG_TYPE',
    })
  }
  const origins = new Set<string>()
  for (const [index, value] of allowedOrigins.entries()) {
    origins.add(toOrigin(value, `allowedOrigins[${index}]`).origin)
  }
  const insecure = new Set<string>()
  for (const [index, value] of allowInsecureOrigins.entries()) {
    const url = toOrigin(value, `allowInsecureOrigins[${index}]`)
    if (url.protocol !== 'http:') {
      throw invalidArgument(
        `allowInsecureOrigins[${index}] ${shown(value)} is not an http: origin; https: origins need no opt-in`,
      )
    }
    if (!origins.has(url.origin)) {
      throw invalidArgument(
        `allowInsecureOrigins[${index}] ${shown(value)} is not in allowedOrigins; list it there too`,
      )
    }
    insecure.add(url.origin)
  }
  for (const [index, value] of allowedOrigins.entries()) {
    const url = new URL(value)
    if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname) && !insecure.has(url.origin)) {
      throw invalidArgument(
        `allowedOrigins[${index}] ${shown(value)} is not https: Bearer and DPoP tokens go over TLS only (RFC 6750 §5.3). Use https:, a loopback origin for development (localhost, 127.0.0.1, [::1]), or opt in with allowInsecureOrigins: [${shown(url.origin)}]`,
      )
    }
  }
  return origins
}
