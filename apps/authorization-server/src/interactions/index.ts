import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendPage } from '../html.ts'
import { BadFormError, readForm } from '../http.ts'
import { SIGN_IN_RETRY_AFTER, SignInUnavailableError, signInUnavailablePage } from '../lockout.ts'
import { createConsentStep } from './consent.ts'
import type { FinishInteraction } from './context.ts'
import { createSignInSteps, type SignInDependencies } from './sign-in.ts'
import { failureView } from './views.ts'

export { requestedAcr } from './sign-in.ts'
export type { SignInThrottle, SignInThrottleDecision } from './throttle.ts'

/** What the interaction routes need from the server. */
export type InteractionDependencies = SignInDependencies

/**
 * The login and consent interactions of the OpenID Provider: password, then TOTP or WebAuthn as
 * the requested `acr` demands; `unmet_authentication_requirements` when the user has no means to
 * reach it; a consent page that shows the requested `authorization_details`.
 *
 * Returns a handler that serves `/interaction/:uid[/step]` and answers false for other paths.
 */
export function createInteractionHandler(
  deps: InteractionDependencies,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const { provider } = deps
  const finish: FinishInteraction = async (req, res, uid, result, merge = false) => {
    signIn.forget(uid)
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: merge })
  }
  const signIn = createSignInSteps(deps, finish)
  const consent = createConsentStep(deps, finish)

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    step: string | undefined,
  ): Promise<void> => {
    const interaction = await provider.interactionDetails(req, res)
    if (interaction.uid !== uid) throw new BadFormError('interaction mismatch')
    const method = req.method ?? 'GET'

    if (step === undefined) {
      if (method !== 'GET') throw new BadFormError('method not allowed', 405)
      if (interaction.prompt.name === 'consent') return consent.show(res, interaction)
      if (interaction.prompt.name !== 'login') throw new BadFormError('unsupported prompt')
      return signIn.show(req, res, interaction)
    }

    if (method !== 'POST') throw new BadFormError('method not allowed', 405)
    const form = await readForm(req)

    if (step === 'abort') {
      // The client learns whether the user left because they have no usable key (RFC 6749
      // §4.1.2.1 error_description), so it can say so and point to where keys are added.
      return finish(req, res, uid, {
        error: 'access_denied',
        error_description:
          form.get('cancel') === 'no-key'
            ? 'End-User has no security key that meets this request'
            : 'End-User cancelled the request',
      })
    }
    if (step === 'consent') {
      if (interaction.prompt.name !== 'consent') throw new BadFormError('no consent is pending')
      return consent.approve(req, res, interaction)
    }
    if (interaction.prompt.name !== 'login') throw new BadFormError('no login is pending')
    return signIn.submit(req, res, interaction, step, form)
  }

  return async (req, res, path) => {
    const match =
      /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(password|totp|webauthn|consent|abort))?$/.exec(
        path,
      )
    if (!match) return false
    try {
      await handle(req, res, match[1]!, match[2])
    } catch (error) {
      if (error instanceof SignInUnavailableError) {
        if (!res.headersSent) {
          // RFC 9110 §10.2.3: when to try again after a 503.
          res.setHeader('retry-after', String(SIGN_IN_RETRY_AFTER))
          sendPage(res, signInUnavailablePage())
        }
        return true
      }
      const status =
        error instanceof BadFormError
          ? error.status
          : (error as { name?: string }).name === 'SessionNotFound'
            ? 400
            : 500
      if (status === 500) console.error(error)
      if (!res.headersSent) sendPage(res, failureView(status))
    }
    return true
  }
}
