import { AssuranceError } from './errors.js'

/**
 * Thrown by a risk rule (or the guard itself) when the request does not carry what the decision
 * needs: a body that cannot be read, a transaction that is not there, a path that does not parse.
 *
 * The guard answers `400 invalid_request` with `message` as the `error_description`, so
 * the message must be safe to show a client (never echo request data into it).
 *
 * @example
 * ```ts
 * const policy = createRiskPolicy([{
 *   name: 'needs-device',
 *   evaluate: ({ signals }) => {
 *     if (typeof signals?.['device'] !== 'string') throw new InvalidRequestError('The request has no device identifier')
 *     return undefined
 *   },
 * }])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class InvalidRequestError extends AssuranceError {
  /** `'ERR_REQUEST_INVALID'`, the `code` of every instance. */
  static readonly code: 'ERR_REQUEST_INVALID' = 'ERR_REQUEST_INVALID'
  override readonly name: string = 'InvalidRequestError'
  declare readonly code: 'ERR_REQUEST_INVALID'
  /** The OAuth error code the guard answers with (RFC 6750 §3.1). */
  readonly error = 'invalid_request'
  readonly status = 400

  constructor(message: string, options?: { cause?: unknown }) {
    super(InvalidRequestError.code, message, options)
  }
}

/** `400 invalid_request` descriptions the guard sends, one per way a request can be unreadable. */
export const INVALID_REQUEST = {
  unsupported: 'The request body must be application/json or application/x-www-form-urlencoded',
  malformed: 'The request body is malformed',
  notObject: 'The request body must be a JSON object',
  tooLarge: 'The request body is too large',
  details: 'The authorization_details of the request are invalid',
  target: 'The request target is malformed',
} as const

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/

/** Which decoder a `Content-Type` selects: JSON (RFC 8259, `+json` suffixes too), form, or none. */
export function bodyKind(contentType: string | null | undefined): 'json' | 'form' | undefined {
  const type = contentType?.trim().toLowerCase() ?? ''
  return JSON_TYPE.test(type) ? 'json' : FORM_TYPE.test(type) ? 'form' : undefined
}

/**
 * Decode a JSON or form body read as text: an object for a form, the JSON value for JSON. A type
 * that is neither, or text that does not decode, throws {@link InvalidRequestError}.
 */
export function decodeBody(contentType: string | null | undefined, text: string): unknown {
  const kind = bodyKind(contentType)
  if (!kind) throw new InvalidRequestError(INVALID_REQUEST.unsupported)
  if (kind === 'form') return Object.fromEntries(new URLSearchParams(text))
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new InvalidRequestError(INVALID_REQUEST.malformed, { cause })
  }
}

/**
 * Reads a body stream (a web `ReadableStream`, or any async iterable of bytes such as a Node
 * request) as UTF-8 text, stopping as soon as it exceeds `limit` bytes: {@link
 * InvalidRequestError} "too large". Never buffers more than `limit` plus one chunk.
 */
export async function readLimited(
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  limit: number,
): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  const take = (chunk: Uint8Array | string): boolean => {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk
    size += bytes.byteLength
    if (size > limit) return false
    chunks.push(bytes)
    return true
  }
  if ('getReader' in stream) {
    const reader = stream.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!take(value)) {
        // Not awaited: a branch of a tee (a cloned Request) settles its cancel only once the other
        // branch is cancelled too.
        reader.cancel().catch(() => undefined)
        throw new InvalidRequestError(INVALID_REQUEST.tooLarge)
      }
    }
  } else {
    // Not `for await`: leaving that loop early destroys a Node request, and with it the socket
    // the 400 must still be written to.
    const iterator = stream[Symbol.asyncIterator]()
    for (;;) {
      const { done, value } = await iterator.next()
      if (done) break
      if (!take(value)) throw new InvalidRequestError(INVALID_REQUEST.tooLarge)
    }
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(all)
  } catch (cause) {
    throw new InvalidRequestError(INVALID_REQUEST.malformed, { cause })
  }
}

const UNRESERVED = /[A-Za-z0-9\-._~]/

/**
 * Returns the path of a request target as a rule should compare it: RFC 3986 §6.2.2 syntax-based
 * normalisation plus empty segments collapsed, so `//admin`, `/./admin` and `/%61dmin` all read
 * as `/admin`.
 *
 * Percent-encoded unreserved characters are decoded, other escapes upper-cased, dot segments
 * removed per §5.2.4. The target is origin-form (`/path?query`) or absolute-form; a leading `//`
 * is a path, never an authority. Throws {@link InvalidRequestError} for a target that is neither,
 * or for a `%` not followed by two hex digits.
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2
 */
export function normalizePath(target: string): string {
  let path: string
  if (target.startsWith('/')) {
    const end = target.search(/[?#]/)
    path = end === -1 ? target : target.slice(0, end)
  } else {
    let url: URL
    try {
      url = new URL(target)
    } catch (cause) {
      throw new InvalidRequestError(INVALID_REQUEST.target, { cause })
    }
    path = url.pathname
  }
  let decoded = ''
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!
    if (ch !== '%') {
      decoded += ch
      continue
    }
    const hex = path.slice(i + 1, i + 3)
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new InvalidRequestError(INVALID_REQUEST.target)
    const c = String.fromCharCode(Number.parseInt(hex, 16))
    decoded += UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`
    i += 2
  }
  const out: string[] = []
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
  }
  const trailing = /\/\.{0,2}$/.test(decoded) && out.length > 0 ? '/' : ''
  return `/${out.join('/')}${trailing}`
}
