import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/** JSON for a `<script type="application/json">` element: `<` is escaped so it cannot close it. */
export function jsonScript(id: string, value: unknown): string {
  const json = JSON.stringify(value).replaceAll('<', '\\u003c')
  return `<script type="application/json" id="${escapeHtml(id)}">${json}</script>`
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.4rem}label{display:block;margin-top:.75rem;font-weight:600}
input{display:block;width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem;cursor:pointer}
.error{color:#a00;border:1px solid #a00;padding:.5rem}.note{color:#555;font-size:.9rem}
dl{display:grid;grid-template-columns:max-content auto;gap:.25rem 1rem}dt{font-weight:600}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}`

/**
 * The browser side of the WebAuthn ceremonies: read options from a JSON script element, call
 * `navigator.credentials`, serialise the credential (base64url, as @simplewebauthn/server
 * expects) into the form's hidden input and submit it.
 */
const WEBAUTHN_SCRIPT = `
const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replaceAll('+','-').replaceAll('/','_').replace(/=+$/,'');
const unb64 = (s) => Uint8Array.from(atob(s.replaceAll('-','+').replaceAll('_','/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
const creds = (list) => (list || []).map((c) => ({ ...c, id: unb64(c.id) }));
async function ceremony(kind) {
  const status = document.getElementById('webauthn-status');
  const options = JSON.parse(document.getElementById(kind === 'create' ? 'webauthn-creation-options' : 'webauthn-request-options').textContent);
  try {
    let credential;
    if (kind === 'create') {
      credential = await navigator.credentials.create({ publicKey: { ...options, challenge: unb64(options.challenge), user: { ...options.user, id: unb64(options.user.id) }, excludeCredentials: creds(options.excludeCredentials) } });
    } else {
      credential = await navigator.credentials.get({ publicKey: { ...options, challenge: unb64(options.challenge), allowCredentials: creds(options.allowCredentials) } });
    }
    const r = credential.response;
    const response = kind === 'create'
      ? { clientDataJSON: b64(r.clientDataJSON), attestationObject: b64(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] }
      : { clientDataJSON: b64(r.clientDataJSON), authenticatorData: b64(r.authenticatorData), signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : undefined };
    document.getElementById('webauthn-credential').value = JSON.stringify({ id: credential.id, rawId: b64(credential.rawId), type: credential.type, response, clientExtensionResults: credential.getClientExtensionResults(), authenticatorAttachment: credential.authenticatorAttachment || undefined });
    document.getElementById('webauthn-form').submit();
  } catch (error) {
    status.textContent = 'The security key did not complete: ' + error.name;
  }
}
const start = document.getElementById('webauthn-start');
start.addEventListener('click', () => ceremony(start.dataset.ceremony));
`

export interface PageOptions {
  readonly title: string
  readonly body: string
  readonly status?: number
  /** Add the WebAuthn ceremony script. */
  readonly webauthn?: boolean
}

/**
 * Send an HTML page with strict headers: a nonce-based CSP, no framing, no caching and no
 * `Referer` (authorization details must not leak through it, RFC 9396 §13).
 */
export function sendPage(res: ServerResponse, page: PageOptions): void {
  const nonce = randomBytes(16).toString('base64')
  const script = page.webauthn ? `<script nonce="${nonce}">${WEBAUTHN_SCRIPT}</script>` : ''
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(page.title)}</h1>
${page.body}
</main>
${script}
</body>
</html>`
  res.writeHead(page.status ?? 200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  })
  res.end(html)
}
