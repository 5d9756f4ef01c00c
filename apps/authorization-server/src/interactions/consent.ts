import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import { BANK_PAYEES } from '../bank-details.ts'
import { sendPage } from '../html.ts'
import { BadFormError } from '../http.ts'
import type { UserStore } from '../store.ts'
import {
  clientNameOf,
  type FinishInteraction,
  type Interaction,
  requestedDetails,
} from './context.ts'
import { consentView } from './views.ts'

/** The consent step: a page that shows the requested `authorization_details`, and its approval. */
export interface ConsentStep {
  show(res: ServerResponse, interaction: Interaction): Promise<void>
  approve(req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<void>
}

/**
 * Consent for scopes the grant lacks and for `authorization_details`, which are approved into a
 * grant of their own (RFC 9396 §7).
 */
export function createConsentStep(
  deps: {
    readonly provider: Provider
    readonly store: UserStore
    readonly payees?: ReadonlyMap<string, string>
  },
  finishInteraction: FinishInteraction,
): ConsentStep {
  const { provider, store } = deps
  const payees = deps.payees ?? BANK_PAYEES
  return {
    async show(res, interaction) {
      const accountId = interaction.session?.accountId
      const user = accountId ? store.findById(accountId) : undefined
      sendPage(
        res,
        consentView(
          interaction.uid,
          await clientNameOf(provider, interaction),
          String(interaction.params['scope'] ?? ''),
          requestedDetails(interaction),
          { payerName: user?.name ?? 'You', payeeName: (account) => payees.get(account) },
        ),
      )
    },
    async approve(req, res, interaction) {
      const accountId = interaction.session?.accountId
      const clientId = String(interaction.params['client_id'])
      if (!accountId) throw new BadFormError('no signed-in End-User')
      const text = interaction.params['authorization_details']
      // Details are approved into a grant of their own, so one transaction's approval never
      // lingers in the long-lived grant other authorizations of this client reuse.
      const grant =
        typeof text !== 'string' && interaction.grantId
          ? await provider.Grant.find(interaction.grantId)
          : undefined
      const target = grant ?? new provider.Grant({ accountId, clientId })
      const details = interaction.prompt.details as {
        missingOIDCScope?: string[]
        missingOIDCClaims?: string[]
        missingResourceScopes?: Record<string, string[]>
      }
      if (details.missingOIDCScope) target.addOIDCScope(details.missingOIDCScope.join(' '))
      if (details.missingOIDCClaims) target.addOIDCClaims(details.missingOIDCClaims)
      for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
        target.addResourceScope(indicator, scopes.join(' '))
      }
      for (const detail of requestedDetails(interaction)) target.addRar(detail)
      const grantId = await target.save()
      await finishInteraction(req, res, interaction.uid, { consent: { grantId } }, true)
    },
  }
}
