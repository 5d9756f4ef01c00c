import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { AuthorizationDetail, InteractionResults } from 'oidc-provider'

/** One pending interaction, as node-oidc-provider describes it. */
export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>

/** End an interaction and send the browser back to the authorization endpoint. */
export type FinishInteraction = (
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  result: InteractionResults,
  merge?: boolean,
) => Promise<void>

/** The name of the client that made the request, else its `client_id`. */
export async function clientNameOf(provider: Provider, interaction: Interaction): Promise<string> {
  const clientId = String(interaction.params['client_id'])
  const client = await provider.Client.find(clientId)
  return client?.clientName ?? clientId
}

/**
 * The request's `authorization_details` (already validated by the provider when the request
 * arrived), or an empty list.
 */
export function requestedDetails(interaction: Interaction): AuthorizationDetail[] {
  const text = interaction.params['authorization_details']
  return typeof text === 'string' ? (JSON.parse(text) as AuthorizationDetail[]) : []
}
