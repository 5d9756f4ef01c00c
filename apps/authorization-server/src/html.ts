import type { ServerResponse } from 'node:http'
import { assetUrl } from './assets/serve.ts'

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/**
 * JSON for a `<script type="application/json">` element: data, never run, so a CSP without
 * inline scripts allows it; `<` is escaped so it cannot close the element.
 */
export function jsonScript(id: string, value: unknown): string {
  const json = JSON.stringify(value).replaceAll('<', '\\u003c')
  return `<script type="application/json" id="${escapeHtml(id)}">${json}</script>`
}

export interface PageOptions {
  readonly title: string
  readonly body: string
  readonly status?: number
  /** Load the WebAuthn ceremony script (`/assets/webauthn.js`). */
  readonly webauthn?: boolean
}

/**
 * The HTML of a page of the sign-in server: the bank's brand bar and stylesheet
 * (`/assets/bank.css`), the title, the body in a card, and the WebAuthn script as a file when
 * asked for. Nothing inline (no `<style>`, no `style` attribute, no script code), so the pages
 * work under `script-src 'self'; style-src 'self'`.
 */
export function renderPage(page: PageOptions): string {
  const script = page.webauthn
    ? `<script src="${escapeHtml(assetUrl('/assets/webauthn.js'))}" defer></script>\n`
    : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Step-up Bank</title>
<link rel="stylesheet" href="${escapeHtml(assetUrl('/assets/bank.css'))}">
${script}</head>
<body>
<header><p class="brand">Step-up Bank</p><p>Secure sign-in</p></header>
<main>
<h1>${escapeHtml(page.title)}</h1>
<div class="card">
${page.body}
</div>
</main>
</body>
</html>`
}

/** Headers every page gets unless the server's security middleware set them already. */
const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  // Not no-referrer: browsers then send `Origin: null` with form POSTs, which the Origin check refuses.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
}

/**
 * Send a page ({@link renderPage}) with `Cache-Control: no-store`. A strict CSP (scripts and
 * styles from this origin's files only), no framing, `nosniff` and no `Referer` to other origins
 * (authorization details must not leak through it, RFC 9396 §13) are added when nothing set them
 * before.
 */
export function sendPage(res: ServerResponse, page: PageOptions): void {
  const headers: Record<string, string> = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  }
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) {
    if (res.getHeader(name) === undefined) headers[name] = value
  }
  res.writeHead(page.status ?? 200, headers)
  res.end(renderPage(page))
}
