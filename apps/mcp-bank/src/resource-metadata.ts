import { parseWwwAuthenticate } from '@stepup/www-authenticate'

/**
 * The RFC 9728 protected resource metadata URL of a resource identifier: the well-known segment
 * inserted between the host and the path (`http://127.0.0.1:4100/mcp` →
 * `http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp`).
 *
 * @example
 * ```ts
 * resourceMetadataUrl('https://bank.example/mcp')
 * // 'https://bank.example/.well-known/oauth-protected-resource/mcp'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname
  return `${url.origin}/.well-known/oauth-protected-resource${path}`
}

/**
 * Add `resource_metadata` (RFC 9728 §5.1) to a `WWW-Authenticate` value holding one `Bearer`
 * challenge without it, keeping every other parameter as it was written; any other value is
 * returned unchanged. `@stepup/www-authenticate` writes `resource_metadata` only for `https:`
 * URLs, so on a plain-http loopback server (development) the app adds it here; with an `https:`
 * resource the guard's `resourceMetadata` option writes it and this is a no-op.
 *
 * @example
 * ```ts
 * withResourceMetadata('Bearer', 'http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp')
 * // 'Bearer resource_metadata="http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function withResourceMetadata(header: string, url: string): string {
  const href = new URL(url).href
  const challenges = parseWwwAuthenticate(header)
  const [challenge] = challenges
  if (
    challenges.length !== 1 ||
    challenge?.scheme !== 'bearer' ||
    challenge.token68 !== undefined ||
    Object.hasOwn(challenge.params, 'resource_metadata')
  ) {
    return header
  }
  // A URL's href never holds `"` or `\` (they are percent-encoded), so it is a valid quoted-string.
  const param = `resource_metadata="${href}"`
  return Object.keys(challenge.params).length === 0 ? `${header} ${param}` : `${header}, ${param}`
}
