import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'

/** A file the sign-in pages load, read once when the server starts. */
interface Asset {
  readonly body: Buffer
  readonly contentType: string
  /** A strong validator: the first 16 hex digits of the body's SHA-256. */
  readonly etag: string
}

function load(file: string | URL, contentType: string): Asset {
  const body = readFileSync(file)
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16)
  return { body, contentType, etag: `"${hash}"` }
}

const require = createRequire(import.meta.url)

const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/assets/bank.css', load(require.resolve('bank-theme/bank.css'), 'text/css; charset=utf-8')],
  [
    '/assets/webauthn.js',
    load(new URL('./webauthn.js', import.meta.url), 'text/javascript; charset=utf-8'),
  ],
])

/**
 * The URL a page uses for an asset: its path with the content's hash as the query, so a long
 * cache never serves an old version after an upgrade.
 */
export function assetUrl(path: '/assets/bank.css' | '/assets/webauthn.js'): string {
  const asset = ASSETS.get(path)
  if (!asset) throw new Error(`unknown asset ${path}`)
  return `${path}?v=${asset.etag.slice(1, -1)}`
}

/** A year: the assets' URLs change with their content. */
const CACHE_CONTROL = 'public, max-age=31536000, immutable'

/**
 * Serve the sign-in pages' files: `/assets/bank.css` (the shared `bank-theme` stylesheet) and
 * `/assets/webauthn.js` (the WebAuthn ceremony script), with their content type, `nosniff`, an
 * ETag and a one-year cache (RFC 9111 §5.2.2.1; RFC 8246 `immutable`). Answers false for other
 * paths; a method other than GET or HEAD gets 405.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 */
export function serveAsset(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const asset = ASSETS.get(path)
  if (!asset) return false
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end()
    return true
  }
  const headers = {
    'content-type': asset.contentType,
    'cache-control': CACHE_CONTROL,
    etag: asset.etag,
    'x-content-type-options': 'nosniff',
  }
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers).end()
    return true
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length })
  res.end(req.method === 'HEAD' ? undefined : asset.body)
  return true
}
