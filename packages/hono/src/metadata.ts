import type { ProtectedResourceMetadataOptions } from '@stepup/assurance'
import { createProtectedResourceMetadata } from '@stepup/assurance'
import type { MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'

/**
 * Creates Hono middleware that serves the RFC 9728 protected resource metadata document to `GET`
 * and `HEAD` at `/.well-known/oauth-protected-resource[/path]`; every other request passes on.
 *
 * The path of `resource` is inserted after the host (RFC 9728 §3.1). Mount it before an app-wide
 * guard: the document is public.
 *
 * @example
 * ```ts
 * app.use(protectedResourceMetadata({ resource: 'https://api.example.com/accounts', authorization_servers: ['https://as.example.com'] }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): MiddlewareHandler {
  const { path, headers, body } = createProtectedResourceMetadata(options)
  return createMiddleware(async (c, next) => {
    // The path as sent (Hono's `c.req.path` is percent-decoded), compared only for GET and HEAD.
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || new URL(c.req.url).pathname !== path)
      return next()
    return c.newResponse(c.req.method === 'HEAD' ? null : body, 200, headers)
  })
}
