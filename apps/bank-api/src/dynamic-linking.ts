import {
  type AccessTokenClaims,
  type AssuranceRequirement,
  type ChallengeOptions,
  type StepUpEvent,
  toErrorResponse,
} from '@stepup/assurance'
import { authorizationDetailsDigest } from '@stepup/rar'
import { TRANSACTION_BINDING_RULE } from './policy.ts'
import type { ApiResponse } from './service.ts'

/**
 * The access token claim naming the `authorization_details` the user confirmed with a security
 * key: base64url SHA-256 of their RFC 8785 canonical JSON (`authorizationDetailsDigest` of
 * `@stepup/rar`), set by the authorization server only when the WebAuthn challenge committed to
 * that digest.
 */
export const AUTHORIZATION_DETAILS_DIGEST = 'authorization_details_digest'

/** Why a bound transfer's token does not show that the user confirmed this transfer. */
export type DynamicLinkingFailure =
  | 'authorization_details_digest_missing'
  | 'authorization_details_digest_mismatch'

/**
 * Whether the token shows that the user confirmed exactly this transfer (PSD2 RTS Art. 5,
 * dynamic linking): its `authorization_details_digest` claim must equal both the digest the API
 * recomputes over the token's `authorization_details` as signed and the digest of the
 * `authorization_details` of the transfer it is about to execute (RFC 8785 canonical JSON,
 * SHA-256, base64url). Coverage (RFC 9396 §6) would let a grant for 15,000 pay 12,000; the
 * digest does not: any change to the amount, the payee or the account after the key was used
 * needs a new confirmation. Fails closed: no claim, no details, details that cannot be
 * canonicalised, or another value are all refusals.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8785#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6
 */
export async function checkDynamicLinking(
  claims: AccessTokenClaims,
  transfer: readonly unknown[] | undefined,
): Promise<DynamicLinkingFailure | undefined> {
  const claimed = claims.raw[AUTHORIZATION_DETAILS_DIGEST]
  if (typeof claimed !== 'string' || claimed === '') return 'authorization_details_digest_missing'
  const granted = claims.raw['authorization_details']
  for (const details of [granted, transfer]) {
    if (!Array.isArray(details) || details.length === 0)
      return 'authorization_details_digest_mismatch'
    let expected: string
    try {
      expected = await authorizationDetailsDigest(details)
    } catch {
      return 'authorization_details_digest_mismatch'
    }
    if (claimed !== expected) return 'authorization_details_digest_mismatch'
  }
  return undefined
}

/** What the transfer guard allowed: the verified claims and the policy's decision. */
export interface AllowedTransfer {
  readonly claims: AccessTokenClaims
  readonly decision: {
    readonly requirement: AssuranceRequirement
    readonly fired: readonly string[]
  }
}

/**
 * The last check before a transfer the policy allowed is executed: when the policy bound it to
 * its token (the `transaction-binding` rule fired), the token must show the user confirmed this
 * very transfer, amount and payee unchanged ({@link checkDynamicLinking}). Otherwise the answer is the RFC 9470 step-up challenge
 * the policy would send a weak token — `401 insufficient_user_authentication` with the
 * requirement's `acr_values` and `max_age`, and this transfer's `authorization_details` in the
 * JSON body — so the client simply steps up again; the refusal goes to `onDecision` too.
 * `undefined`: go ahead.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export async function refuseUnlinkedTransfer(
  allowed: AllowedTransfer,
  challenge: ChallengeOptions,
  onDecision?: (event: StepUpEvent) => void,
): Promise<ApiResponse | undefined> {
  const { claims, decision } = allowed
  if (!decision.fired.includes(TRANSACTION_BINDING_RULE)) return undefined
  const { acr_values, max_age, authorization_details } = decision.requirement
  const failure = await checkDynamicLinking(claims, authorization_details)
  if (failure === undefined) return undefined
  const response = toErrorResponse(
    {
      status: 401,
      challenge: {
        error: 'insufficient_user_authentication',
        error_description: 'The authentication must confirm this transaction',
        ...(acr_values && { acr_values }),
        ...(max_age !== undefined && { max_age }),
        ...(authorization_details && { authorization_details }),
      },
    },
    // A DPoP-bound token came with the DPoP scheme (the verifier checked it): answer in kind.
    { ...challenge, scheme: typeof claims.cnf?.jkt === 'string' ? 'DPoP' : 'Bearer' },
  )
  try {
    onDecision?.({
      ok: false,
      status: 401,
      error: 'insufficient_user_authentication',
      reason: `${failure} (rule ${TRANSACTION_BINDING_RULE})`,
      fired: decision.fired,
      acr_values,
      acr: claims.acr,
      sub: claims.sub,
    })
  } catch {
    // A logging hook that throws does not change the answer.
  }
  return { status: 401, headers: response.headers, body: response.body }
}
