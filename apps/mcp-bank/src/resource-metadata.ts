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
