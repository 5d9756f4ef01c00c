import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import { escapeHtml, sendPage } from './html.ts'
import type { SecurityEvent, SecurityEventType, UserStore } from './store.ts'

/** How many events an account keeps. */
const KEEP = 50

/** What to record: the event's type and the key it is about. */
export interface SecurityEventInput {
  readonly type: SecurityEventType
  readonly nickname?: string
  readonly previousNickname?: string
}

/** Record a security event for a user (persisted with the user; shown at their next sign-in). */
export async function recordSecurityEvent(
  store: UserStore,
  userId: string,
  input: SecurityEventInput,
  now: number = Date.now(),
): Promise<void> {
  await store.update(userId, (user) => {
    const event: SecurityEvent = {
      id: randomUUID(),
      type: input.type,
      at: Math.floor(now / 1000),
      ...(input.nickname !== undefined && { nickname: input.nickname }),
      ...(input.previousNickname !== undefined && { previousNickname: input.previousNickname }),
      seen: false,
    }
    user.securityEvents = [...(user.securityEvents ?? []), event].slice(-KEEP)
  })
}

const WHEN = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'UTC',
})

/** The sentence a notice shows for an event (plain text). */
export function describeSecurityEvent(event: SecurityEvent): string {
  const when = `${WHEN.format(new Date(event.at * 1000))} UTC`
  const key = `“${event.nickname ?? 'Security key'}”`
  switch (event.type) {
    case 'credential-added':
      return `A security key named ${key} was added on ${when}. If this wasn't you, remove it on your security page and change your password.`
    case 'credential-renamed':
      return `A security key was renamed from “${event.previousNickname ?? ''}” to ${key} on ${when}. If this wasn't you, change your password.`
    case 'credential-removed':
      return `The security key named ${key} was removed on ${when}. If this wasn't you, change your password and add your key again.`
    case 'enrolment-code-used':
      return `Your one-time enrolment code was used on ${when} to allow adding a first security key. If this wasn't you, change your password.`
    case 'account-locked':
      return `Sign-in to your account was paused on ${when} after several failed attempts. If this wasn't you, someone may be guessing your password: consider changing it.`
  }
}

/**
 * The events a user has not been shown yet, marked seen in the same change: each notice is
 * shown once.
 */
export async function takeUnseenEvents(store: UserStore, userId: string): Promise<SecurityEvent[]> {
  const user = store.findById(userId)
  const unseen = (user?.securityEvents ?? []).filter((e) => !e.seen)
  if (unseen.length === 0) return []
  await store.update(userId, (u) => {
    for (const event of u.securityEvents ?? []) event.seen = true
  })
  return unseen.map((e) => ({ ...e, seen: false }))
}

/** The resume endpoint node-oidc-provider sends the browser to after an interaction. */
const RESUME = /^\/auth\/([A-Za-z0-9_-]{1,64})$/

/**
 * Security notices at sign-in: when the browser comes back to the authorization endpoint after a
 * finished login (`GET /auth/:uid`, with the signed resume cookie of that interaction) and the
 * account has events the user has not seen, show them first — each once — with a link that
 * resumes the authorization. Answers false to let the provider handle the request.
 */
export function createSignInNotices(
  provider: Provider,
  store: UserStore,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  return async (req, res, path) => {
    if (req.method !== 'GET') return false
    const match = RESUME.exec(path)
    if (!match) return false
    const uid = match[1]!
    const ctx = provider.createContext(req, res)
    const cookie = ctx.cookies.get(provider.cookieName('resume'), { signed: true })
    if (cookie !== uid) return false
    const interaction = await provider.Interaction.find(uid)
    const accountId = interaction?.result?.login?.accountId
    if (typeof accountId !== 'string') return false
    const events = await takeUnseenEvents(store, accountId)
    if (events.length === 0) return false
    const items = events
      .map(
        (e) =>
          `<li class="notice" data-event="${escapeHtml(e.type)}">${escapeHtml(describeSecurityEvent(e))}</li>`,
      )
      .join('\n')
    sendPage(res, {
      title: 'Security notice',
      body: `<p>Since you last signed in:</p>
<ul id="security-notices">
${items}
</ul>
<p><a id="notices-continue" class="button" href="${escapeHtml(req.url ?? path)}">Continue</a></p>
<p class="note"><a href="/account/security">Review your security keys</a></p>`,
    })
    return true
  }
}
