import * as oauth from 'oauth4webapi'
import type { SoftwareAuthenticator } from '../src/testing/software-authenticator.ts'
import { registrationOptions, verifyRegistration } from '../src/webauthn.ts'
import {
  client,
  codeRequest,
  type Harness,
  insecure,
  REDIRECT_URI,
  type UserAgent,
} from './harness.ts'

/** Give a user a key directly in the store (enrolment itself is the account pages' business). */
export async function enrolKey(
  harness: Harness,
  username: string,
  key: SoftwareAuthenticator,
): Promise<void> {
  const { server } = harness
  const user = server.store.findByUsername(username)!
  const origin = new URL(server.issuer).origin
  const rp = { rpID: new URL(server.issuer).hostname, rpName: 'Step-up Bank', origin }
  const options = await registrationOptions(rp, user)
  const response = await key.createCredential(options as never, origin)
  const credential = await verifyRegistration(rp, options.challenge, response as never, 'Key')
  await server.store.update(user.id, (u) => {
    u.credentials.push(credential!)
  })
}

/** Start an authorization request through PAR and return the first page the user sees. */
export async function openPage(
  harness: Harness,
  agent: UserAgent,
  params: Record<string, string>,
): Promise<{ html: string; url: URL; status: number }> {
  const { request } = await codeRequest({
    scope: 'openid accounts:read transfers:write',
    state: oauth.generateRandomState(),
    ...params,
  })
  const pushed = await oauth.processPushedAuthorizationResponse(
    harness.as,
    client,
    await oauth.pushedAuthorizationRequest(harness.as, client, oauth.None(), request, insecure),
  )
  const url = new URL(harness.as.authorization_endpoint!)
  url.searchParams.set('client_id', client.client_id)
  url.searchParams.set('request_uri', pushed.request_uri)
  const { response, url: page } = await agent.follow(await agent.request(url), url, REDIRECT_URI)
  return { html: await response.text(), url: page, status: response.status }
}

/** The text of the element with `id` (its tags removed, entities for `&` decoded). */
export function textOf(html: string, id: string): string {
  const match = new RegExp(`id="${id}"[^>]*>(.*?)</(?:dd|p|section|ul)>`, 's').exec(html)
  return (match?.[1] ?? '').replace(/<[^>]+>/g, '').replaceAll('&amp;', '&')
}

/** What the customer can read on a page: the text outside tags and scripts. */
export function visibleText(html: string): string {
  return html
    .replace(/<script[^>]*>.*?<\/script>/gs, ' ')
    .replace(/<title>.*?<\/title>/s, ' ')
    .replace(/<[^>]+>/g, ' ')
}
