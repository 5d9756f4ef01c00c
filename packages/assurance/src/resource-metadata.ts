import { checkOptions, invalidArgument } from '@stepup/internal'

const METADATA_OPTIONS: ReadonlySet<string> = new Set([
  'resource',
  'authorization_servers',
  'scopes_supported',
  'bearer_methods_supported',
  'resource_name',
  'resource_documentation',
  'acr_values_supported',
  'dpop_signing_alg_values_supported',
  'dpop_bound_access_tokens_required',
  'authorizationDetailsRegistry',
])

/**
 * The options of {@link createProtectedResourceMetadata}: RFC 9728 §2 members under their wire names,
 * plus the `@stepup/rar` registry whose types (and JSON Schemas) are advertised.
 *
 * @example
 * ```ts
 * const metadata = createProtectedResourceMetadata({
 *   resource: 'https://api.example.com',
 *   authorization_servers: ['https://as.example.com'],
 *   acr_values_supported: ['phr', 'phrh'],
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface ProtectedResourceMetadataOptions {
  /** The resource identifier: an https URL (http only on loopback) without query or fragment. */
  readonly resource: string
  readonly authorization_servers?: readonly string[]
  readonly scopes_supported?: readonly string[]
  readonly bearer_methods_supported?: readonly ('header' | 'body' | 'query')[]
  readonly resource_name?: string
  readonly resource_documentation?: string
  /** The acr values the API may ask for in step-up challenges. */
  readonly acr_values_supported?: readonly string[]
  readonly dpop_signing_alg_values_supported?: readonly string[]
  readonly dpop_bound_access_tokens_required?: boolean
  /** Advertised as `authorization_details_types_supported` and `…_types_metadata`. */
  readonly authorizationDetailsRegistry?: {
    typesSupported(): readonly string[]
    toJSONSchema?(): Readonly<Record<string, unknown>>
  }
}

/**
 * The document to serve, rendered once: its `/.well-known/oauth-protected-resource[/path]`
 * path, response headers and JSON body.
 *
 * @example
 * ```ts
 * const { path, headers, body } = createProtectedResourceMetadata({ resource: 'https://api.example.com/v1' })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export interface ProtectedResourceMetadata {
  /** The path to serve it at: `/.well-known/oauth-protected-resource` plus the resource's path. */
  readonly path: string
  /** The response headers: `content-type: application/json`, `access-control-allow-origin: *`. */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON text of `document`. */
  readonly body: string
  /** The metadata members, under their RFC 9728 §2 names. */
  readonly document: Readonly<Record<string, unknown>>
}

/**
 * Builds the RFC 9728 protected resource metadata document and the path it is served at (the
 * well-known suffix inserted between host and path).
 *
 * Empty lists are omitted (§3.2) except `bearer_methods_supported: []`, which means no Bearer
 * method is accepted (§2).
 *
 * @example
 * ```ts
 * createProtectedResourceMetadata({ resource: 'https://rs.example.com/resource1' }).path
 * // '/.well-known/oauth-protected-resource/resource1'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function createProtectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): ProtectedResourceMetadata {
  checkOptions(options, METADATA_OPTIONS, 'createProtectedResourceMetadata')
  const { authorizationDetailsRegistry: registry, ...members } = options
  let url: URL | undefined
  try {
    url = new URL(options.resource)
  } catch {}
  const loopback =
    url?.hostname === 'localhost' || url?.hostname === '127.0.0.1' || url?.hostname === '[::1]'
  if (
    !url ||
    !(url.protocol === 'https:' || (loopback && url.protocol === 'http:')) ||
    url.search ||
    url.hash ||
    options.resource.includes('#')
  ) {
    throw invalidArgument('resource must be an https URL without query or fragment')
  }
  const document: Record<string, unknown> = {}
  // Empty lists are omitted (§3.2), except `bearer_methods_supported: []`, which says "no Bearer" (§2).
  for (const [k, v] of Object.entries(members)) {
    if (!Array.isArray(v) || v.length || k === 'bearer_methods_supported') document[k] = v
  }
  const types = registry?.typesSupported() ?? []
  if (types.length) document['authorization_details_types_supported'] = [...types]
  const schemas = registry?.toJSONSchema?.()
  if (schemas && types.length) {
    document['authorization_details_types_metadata'] = Object.fromEntries(
      Object.entries(schemas).map(([type, schema]) => [type, { schema }]),
    )
  }
  return {
    path: `/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}`,
    headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
    body: JSON.stringify(document),
    document,
  }
}
