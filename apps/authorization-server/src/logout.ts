import type { KoaContextWithOIDC } from 'oidc-provider'
import { escapeHtml, renderPage } from './html.ts'

function clientNameOf(ctx: KoaContextWithOIDC): string | undefined {
  const client = ctx.oidc.client
  return client ? (client.clientName ?? client.clientId) : undefined
}

/**
 * The logout confirmation page of OpenID RP-Initiated Logout 1.0 (§2): asked every time, even
 * with a valid `id_token_hint`, so that a link alone cannot sign anyone out. `form` is
 * node-oidc-provider's hidden form (`#op.logoutForm`, with its xsrf token); "Sign out"
 * (`#logout-confirm`, `logout=yes`) ends the session, "Stay signed in" (`#logout-cancel`) only
 * ends the client's part of it.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const name = clientNameOf(ctx)
  ctx.type = 'html'
  ctx.body = renderPage({
    title: 'Sign out',
    body: `<p id="logout-question">Sign out${name ? ` of <strong id="client-name">${escapeHtml(name)}</strong>` : ''} and of this sign-in service on this device?</p>
${form}
<p class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout-confirm" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm" id="logout-cancel" class="secondary">Stay signed in</button>
</p>`,
  })
}

/** The page after a logout with no `post_logout_redirect_uri` to go back to. */
export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  const name = clientNameOf(ctx)
  ctx.type = 'html'
  ctx.body = renderPage({
    title: 'Signed out',
    body: `<p id="logout-done">You are signed out${name ? ` of ${escapeHtml(name)}` : ''}. Close this window or go back to the application.</p>`,
  })
}
