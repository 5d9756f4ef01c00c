import { withStepUp } from '@stepup/fetch'
import { verifier } from '../../../lib/step-up'

/**
 * POST /api/transfers: the token must come from a hardware-backed sign-in (`phrh`) in the last
 * five minutes and carry the `transfers` scope; otherwise the client gets the RFC 9470 challenge
 * saying so, and the handler never runs.
 */
export const POST = withStepUp(
  async (request, auth) => {
    // The guard read a clone of the request: its body is still the handler's.
    const { amount, to } = (await request.json()) as { amount: string; to: string }
    return Response.json({ amount, to, acr: auth.claims.acr }, { status: 201 })
  },
  {
    verify: verifier,
    requirement: { acr_values: ['phrh'], max_age: 300, scope: ['transfers'] },
    realm: 'bank',
  },
)
