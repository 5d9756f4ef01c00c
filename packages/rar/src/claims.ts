import { invalidArgument } from '@stepup/internal'
import type { AuthorizationDetail } from './detail-type.js'
import type { AuthorizationDetailsRegistry } from './registry.js'

/**
 * Reads and validates the `authorization_details` claim of a verified JWT access token payload;
 * returns `undefined` when the token carries no such claim.
 *
 * The claim must be a JSON array (a JSON string holding an array is rejected); problems throw
 * {@link AuthorizationDetailsError}. Verify the token's signature and claims first.
 *
 * @example
 * ```ts
 * const { payload } = await jwtVerify(token, jwks, { typ: 'at+jwt' })
 * const granted = readAuthorizationDetailsClaim(payload, registry) ?? []
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-9.1
 */
export function readAuthorizationDetailsClaim<Detail extends AuthorizationDetail>(
  payload: Readonly<Record<string, unknown>>,
  registry: AuthorizationDetailsRegistry<Detail>,
): Detail[] | undefined {
  if (typeof payload !== 'object' || !payload) throw invalidArgument('expected an object')
  if (!Object.hasOwn(payload, 'authorization_details')) return undefined
  const claim = payload.authorization_details
  // The claim is JSON data, never JSON text: a string is reported as "expected a JSON array".
  return registry.parse(typeof claim === 'string' ? null : claim)
}

/**
 * Reads and validates the top-level `authorization_details` member of an active token
 * introspection response; returns `undefined` when the member is absent.
 *
 * Throws a `TypeError` if `active` is not `true`: check activity first and answer `invalid_token`.
 *
 * @example
 * ```ts
 * const response = await (await fetch(introspectionEndpoint, init)).json()
 * if (response.active !== true) return unauthorized()
 * const granted = readIntrospectionAuthorizationDetails(response, registry) ?? []
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-9.2
 */
export function readIntrospectionAuthorizationDetails<Detail extends AuthorizationDetail>(
  response: Readonly<Record<string, unknown>>,
  registry: AuthorizationDetailsRegistry<Detail>,
): Detail[] | undefined {
  if (response?.active !== true) throw invalidArgument('expected an active response')
  return readAuthorizationDetailsClaim(response, registry)
}
