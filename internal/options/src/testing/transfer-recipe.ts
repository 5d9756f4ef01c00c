import { expect } from 'vitest'

/**
 * The transfer story every adapter README tells, as one test scenario: each adapter's README test
 * builds the recipe's app with its framework, then hands this scenario a way to POST to it.
 * Test-only (never bundled into a package).
 */

/** What the scenario reads of a response: a fetch `Response` is one. */
export interface RecipeResponse {
  readonly status: number
  readonly headers: { get(name: string): string | null }
  json(): Promise<unknown>
}

/** The adapter's side of the scenario. */
export interface TransferRecipe {
  /** POST the recipe's `/transfers` with this bearer token; an object body is sent as JSON. */
  readonly post: (
    bearer: string,
    body: unknown,
    type?: string,
  ) => RecipeResponse | Promise<RecipeResponse>
  /** A signed access token carrying these claims (and the recipe's scope, audience, …). */
  readonly token: (claims: Record<string, unknown>) => Promise<string>
  /** The JSON the recipe's handler answers a transfer it runs with (default `{ amount, fired }`). */
  readonly paid?: (amount: string, fired: readonly string[]) => unknown
}

/** The request a recipe's `post` sends to `/transfers`: an object body goes as JSON. */
export const transferRequest = (
  bearer: string,
  body: unknown,
  type = 'application/json',
): RequestInit => ({
  method: 'POST',
  headers: { authorization: `Bearer ${bearer}`, 'content-type': type },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

/** The transfer the recipe guards: 10,000 EUR, the amount at which the policy asks for `phrh`. */
export const TRANSFER: {
  readonly type: 'urn:bank:params:oauth:request:transaction'
  readonly transaction: {
    readonly amount: string
    readonly currency: string
    readonly destination_account: string
  }
} = Object.freeze({
  type: 'urn:bank:params:oauth:request:transaction' as const,
  transaction: Object.freeze({
    amount: '10000',
    currency: 'EUR',
    destination_account: 'DE02100100109307118603',
  }),
})

const withAmount = (amount: unknown) => ({
  ...TRANSFER,
  transaction: { ...TRANSFER.transaction, amount },
})

/**
 * Run the story: a password token gets one RFC 9470 challenge naming the transfer; a small
 * transfer needs none; a stepped-up token whose details cover the transfer pays once (single
 * use); what the policy cannot read is `400 invalid_request`. Returns the stepped-up token for an
 * adapter's own further checks.
 */
export async function runTransferRecipe(recipe: TransferRecipe): Promise<{ strong: string }> {
  const {
    post,
    token,
    paid = (amount: string, fired: readonly string[]) => ({ amount, fired }),
  } = recipe

  // A password sign-in: one challenge for the sign-in, the body naming the transfer to request.
  const weak = await token({ acr: 'pwd' })
  const stepUpNeeded = await post(weak, { authorization_details: [TRANSFER] })
  expect(stepUpNeeded.status).toBe(401)
  expect(stepUpNeeded.headers.get('www-authenticate')).toBe(
    'Bearer realm="bank", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phrh", max_age="60"',
  )
  expect(await stepUpNeeded.json()).toEqual({
    error: 'insufficient_user_authentication',
    error_description: 'A different authentication level is required',
    authorization_details: [TRANSFER],
  })

  // A small transfer needs no step-up; the rule fires for none of its thresholds.
  const small = await post(weak, { authorization_details: [withAmount('50')] })
  expect(small.status).toBe(201)
  expect(await small.json()).toEqual(paid('50', []))

  // The stepped-up token carries the transfer (a larger grant covers it, per the type's covers).
  const strong = await token({ acr: 'phrh', authorization_details: [withAmount('10000.00')] })
  const done = await post(strong, { authorization_details: [TRANSFER] })
  expect(done.status).toBe(201)
  expect(await done.json()).toEqual(
    paid('10000', ['amount:urn:bank:params:oauth:request:transaction']),
  )
  // Single use: the same grant does not pay twice.
  const again = await post(strong, { authorization_details: [TRANSFER] })
  expect(again.status).toBe(403)
  expect(((await again.json()) as { error: unknown }).error).toBe(
    'insufficient_authorization_details',
  )

  // Fail closed: what the policy cannot read is a 400, never a pass.
  const refused = refusal(recipe, strong)
  expect(await refused({})).toBe(
    'The request has no authorization_details of type urn:bank:params:oauth:request:transaction',
  )
  expect(await refused({ authorization_details: [withAmount(10000)] })).toBe(
    'The authorization_details of the request are invalid',
  )
  expect(await refused(JSON.stringify({ authorization_details: [TRANSFER] }), 'text/plain')).toBe(
    'The request body must be application/json or application/x-www-form-urlencoded',
  )
  return { strong }
}

/** POST as `strong`, expect `400`, and give the `error_description`. */
function refusal(recipe: TransferRecipe, strong: string) {
  return async (body: unknown, type?: string): Promise<unknown> => {
    const res = await recipe.post(strong, body, type)
    expect(res.status).toBe(400)
    return ((await res.json()) as { error_description: unknown }).error_description
  }
}

/**
 * For adapters whose guard reads the body itself (no framework parser before it): a malformed
 * body and one over the guard's 64 KiB limit are the guard's `400 invalid_request`.
 */
export async function expectGuardReadsBody(recipe: TransferRecipe, strong: string): Promise<void> {
  const refused = refusal(recipe, strong)
  expect(await refused('{"authorization_details":')).toBe('The request body is malformed')
  expect(await refused({ authorization_details: [TRANSFER], pad: 'x'.repeat(65_536) })).toBe(
    'The request body is too large',
  )
}
