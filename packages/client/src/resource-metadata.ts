import { checkOptions, invalidArgument } from '@stepup/internal'
import { isLoopbackHost } from '@stepup/internal/step-up'
import type { StepUpChallenge } from './challenge.js'
import { StepUpError, type StepUpErrorCode } from './errors.js'
import { readBody } from './read-body.js'

/**
 * An RFC 9728 protected resource metadata document as {@link fetchProtectedResourceMetadata}
 * resolves it, with `resource` and `authorization_servers` checked.
 *
 * `resource` is the resource the request was for; `authorization_servers`, when present, holds
 * `https:` issuer identifiers. Other members are kept as sent, unchecked.
 *
 * @example
 * ```ts
 * const metadata = await fetchProtectedResourceMetadata('https://api.example.com/.well-known/oauth-protected-resource', { resource: 'https://api.example.com' })
 * const [issuer] = metadata.authorization_servers ?? [] // 'https://as.example.com'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface ProtectedResourceMetadata {
  /** The resource identifier (RFC 9728 §1.2). */
  readonly resource: string
  /** Issuer identifiers (RFC 8414) of the authorization servers for this resource. */
  readonly authorization_servers?: readonly string[]
  /** Scopes used to request access to the resource. */
  readonly scopes_supported?: readonly string[]
  /** JWS algorithms the resource accepts for DPoP proofs. */
  readonly dpop_signing_alg_values_supported?: readonly string[]
  /** Whether the resource always requires DPoP-bound tokens. */
  readonly dpop_bound_access_tokens_required?: boolean
  /** RFC 9396 `type`s of `authorization_details` the resource understands. */
  readonly authorization_details_types_supported?: readonly string[]
  /** Any other member, unchecked. */
  readonly [name: string]: unknown
}

const FETCH_OPTIONS = new Set(['resource', 'fetch'])

/** The most bytes of a metadata document that are read. */
export const MAX_RESOURCE_METADATA = 65536
/** Milliseconds a metadata request (answer and body) may take. */
export const RESOURCE_METADATA_TIMEOUT = 5000

const WHERE = 'fetchProtectedResourceMetadata'

const shown = (value: unknown): string => {
  const text = String(value)
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)
}

/** Whether `value` is an `https:` URL, or `http:` on loopback when `loopback` (development). */
function isSecureUrl(value: unknown, loopback: boolean): boolean {
  let url: URL
  try {
    url = new URL(value as string)
  } catch {
    return false
  }
  return (
    typeof value === 'string' &&
    url.hash === '' &&
    (url.protocol === 'https:' || (loopback && url.protocol === 'http:' && isLoopbackHost(url)))
  )
}

function isJson(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

/**
 * @internal {@link fetchProtectedResourceMetadata} for the step-up fetch: its errors carry the
 * challenge.
 */
export async function discoverResourceMetadata(
  url: string,
  resource: string,
  fetchImpl: (request: Request) => Promise<Response>,
  challenge?: StepUpChallenge,
): Promise<ProtectedResourceMetadata> {
  const fail = (code: StepUpErrorCode, reason: string, cause?: unknown) =>
    new StepUpError(code, `resource_metadata ${shown(url)}: ${reason}`, { challenge, cause })
  // Development only: an http: metadata URL on loopback, for a resource that is on loopback too.
  let loopback = false
  try {
    const target = new URL(resource)
    loopback = target.protocol === 'http:' && isLoopbackHost(target)
  } catch {}
  if (!isSecureUrl(url, loopback)) {
    throw fail(
      'ERR_RESOURCE_METADATA_INVALID',
      'is not an https: URL (RFC 9728 §7.1; http: is accepted on loopback for a loopback resource, for development)',
    )
  }
  const controller = new AbortController()
  const timer = setTimeout(
    () =>
      controller.abort(
        new DOMException(`no answer within ${RESOURCE_METADATA_TIMEOUT} ms`, 'TimeoutError'),
      ),
    RESOURCE_METADATA_TIMEOUT,
  )
  let text: string | null
  try {
    const response = await fetchImpl(
      // 'manual': a redirect is not followed (Workers do not implement 'error') and, not being
      // 200, is refused below; no Authorization header is ever sent here.
      new Request(url, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: controller.signal,
      }),
    )
    if (response.status !== 200) {
      await response.body?.cancel()
      throw fail(
        'ERR_RESOURCE_METADATA_UNAVAILABLE',
        `answered ${response.status}, not 200 (RFC 9728 §3.2)`,
      )
    }
    if (!isJson(response.headers.get('content-type'))) {
      await response.body?.cancel()
      throw fail('ERR_RESOURCE_METADATA_INVALID', 'is not application/json (RFC 9728 §3.2)')
    }
    text = await readBody(response, MAX_RESOURCE_METADATA)
  } catch (error) {
    if (error instanceof StepUpError) throw error
    throw fail(
      'ERR_RESOURCE_METADATA_UNAVAILABLE',
      controller.signal.aborted
        ? `no answer within ${RESOURCE_METADATA_TIMEOUT / 1000} s`
        : 'could not be fetched (see cause)',
      error,
    )
  } finally {
    clearTimeout(timer)
  }
  if (text === null) {
    throw fail('ERR_RESOURCE_METADATA_INVALID', `is larger than ${MAX_RESOURCE_METADATA} bytes`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {}
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw fail('ERR_RESOURCE_METADATA_INVALID', 'is not a JSON object (RFC 9728 §3.2)')
  }
  const metadata = json as Record<string, unknown>
  if (typeof metadata.resource !== 'string') {
    throw fail('ERR_RESOURCE_METADATA_INVALID', 'has no string "resource" (RFC 9728 §2)')
  }
  // §3.3: identical, code point by code point (§6), else the document MUST NOT be used.
  if (metadata.resource !== resource) {
    throw fail(
      'ERR_RESOURCE_METADATA_MISMATCH',
      `names the resource ${shown(metadata.resource)}, but the request was for ${shown(resource)}; the metadata is not used (RFC 9728 §3.3)`,
    )
  }
  const servers = metadata.authorization_servers
  if (
    servers !== undefined &&
    (!Array.isArray(servers) || !servers.every((issuer) => isSecureUrl(issuer, loopback)))
  ) {
    throw fail(
      'ERR_RESOURCE_METADATA_INVALID',
      'has "authorization_servers" that are not a list of https: issuer identifiers (RFC 9728 §2, RFC 8414 §2)',
    )
  }
  return metadata as ProtectedResourceMetadata
}

/**
 * Fetches and checks the protected resource metadata a challenge's `resource_metadata` names.
 *
 * The URL must be `https:` (an `http:` URL is accepted on loopback — `localhost`, `127.0.0.1`,
 * `[::1]` — when `resource` is on loopback too, for development). It is fetched with `GET`,
 * without the access token and without following redirects, for at most 5 s and 64 KiB; the answer must be `200` with a
 * JSON object whose `resource` is identical to `options.resource`, or the document is not used
 * (RFC 9728 §3.3). Failures reject with a {@link StepUpError}: `ERR_RESOURCE_METADATA_UNAVAILABLE`
 * (network, a status other than 200 — a redirect too —, timeout), `ERR_RESOURCE_METADATA_INVALID` (URL, size, JSON, members) or
 * `ERR_RESOURCE_METADATA_MISMATCH`. Signed metadata (§2.2) is not read.
 *
 * @example
 * ```ts
 * const challenge = readStepUpChallenge(response)
 * if (challenge?.resource_metadata) {
 *   const metadata = await fetchProtectedResourceMetadata(challenge.resource_metadata, {
 *     resource: 'https://api.example.com',
 *   })
 *   console.log(metadata.authorization_servers)
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function fetchProtectedResourceMetadata(
  url: string,
  options: {
    /**
     * The resource identifier the client used for the request, compared with the document's
     * `resource` code point by code point (RFC 9728 §3.3, §6).
     */
    readonly resource: string
    /** The fetch to send with; default `globalThis.fetch`. */
    readonly fetch?: (request: Request) => Promise<Response>
  },
): Promise<ProtectedResourceMetadata> {
  checkOptions(options, FETCH_OPTIONS, WHERE)
  if (typeof options.resource !== 'string' || options.resource === '') {
    throw invalidArgument(`${WHERE}: resource must be the resource identifier the request was for`)
  }
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  if (typeof fetchImpl !== 'function') {
    throw invalidArgument(`${WHERE}: fetch must be a function`, { code: 'ERR_INVALID_ARG_TYPE' })
  }
  return discoverResourceMetadata(url, options.resource, fetchImpl)
}
