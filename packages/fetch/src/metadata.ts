import type { ProtectedResourceMetadataOptions } from '@stepup/assurance'
import { createProtectedResourceMetadata } from '@stepup/assurance'

/**
 * A handler answering GET requests for the RFC 9728 protected resource metadata document at
 * `/.well-known/oauth-protected-resource[/path]`, and `undefined` for every other request.
 *
 * @example
 * ```ts
 * const metadata = protectedResourceMetadata({ resource: 'https://api.example.com' })
 * app.use((c, next) => metadata(c.req.raw) ?? next())
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): (request: Request) => Response | undefined {
  const { path, headers, body } = createProtectedResourceMetadata(options)
  return (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined
    if (new URL(request.url).pathname !== path) return undefined
    return new Response(request.method === 'HEAD' ? null : body, { headers })
  }
}
