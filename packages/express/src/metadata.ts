import type { ProtectedResourceMetadataOptions } from '@stepup/assurance'
import { createProtectedResourceMetadata } from '@stepup/assurance'
import type { RequestHandler } from 'express'

/**
 * Creates Express middleware that serves the RFC 9728 protected resource metadata document at
 * `/.well-known/oauth-protected-resource[/path]` (derived from `resource`); other requests pass on.
 *
 * @example
 * ```ts
 * app.use(protectedResourceMetadata({ resource: 'https://api.example.com', authorization_servers: [issuer] }))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): RequestHandler {
  const { path, headers, body } = createProtectedResourceMetadata(options)
  return (req, res, next) => {
    if (req.path !== path || (req.method !== 'GET' && req.method !== 'HEAD')) return next()
    res.status(200).set(headers).send(body)
  }
}
