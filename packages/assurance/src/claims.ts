import type { AuthorizationDetail, AuthorizationDetailsRegistry } from '@stepup/rar'

export type { AuthorizationDetail } from '@stepup/rar'

import { AccessTokenError } from './errors.js'

/**
 * What the package needs from an `@stepup/rar` registry: `parse` (throws on invalid details)
 * and `covers` (type-specific comparison of granted and requested details).
 *
 * @example
 * ```ts
 * const registry: AuthorizationDetailsRegistryLike = createAuthorizationDetailsRegistry([transfer])
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-6.1
 */
export type AuthorizationDetailsRegistryLike = Pick<
  AuthorizationDetailsRegistry,
  'parse' | 'covers'
>

/**
 * The verified claims of an access token (RFC 9068 §2.2, RFC 7662 §2.2), typed, with `scope`
 * also split into `scopes`, and every claim as received in `raw`.
 *
 * @example
 * ```ts
 * const claims = await verifier.verify(token)
 * claims.scopes.includes('purchase') && claims.acr === 'phrh'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export interface AccessTokenClaims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | readonly string[]
  readonly exp?: number
  readonly iat?: number
  readonly nbf?: number
  readonly jti?: string
  readonly client_id?: string
  /** The space-separated scope as sent. */
  readonly scope?: string
  /** `scope` split into its scope-tokens (empty when the token has no scope). */
  readonly scopes: readonly string[]
  readonly acr?: string
  readonly auth_time?: number
  readonly amr?: readonly string[]
  readonly authorization_details?: readonly AuthorizationDetail[]
  /** Confirmation (RFC 7800); `cnf.jkt` binds the token to a DPoP key (RFC 9449 §6). */
  readonly cnf?: { readonly jkt?: string; readonly [member: string]: unknown }
  /** Every claim (or introspection member) as received. */
  readonly raw: Readonly<Record<string, unknown>>
}

const STRINGS = ['iss', 'sub', 'jti', 'client_id', 'scope', 'acr'] as const
const NUMBERS = ['exp', 'iat', 'nbf', 'auth_time'] as const
const COPIED: readonly string[] = [...STRINGS, ...NUMBERS, 'aud', 'amr', 'cnf']

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string')

/**
 * Type-check a JWT payload or an active introspection response and return the typed claims;
 * throws {@link AccessTokenError} (`ERR_TOKEN_CLAIM_INVALID`) when a registered claim has the wrong
 * type or `authorization_details` does not parse.
 *
 * @example
 * ```ts
 * const claims = parseAccessTokenClaims({ sub: 'a', scope: 'read write', acr: 'phr' })
 * claims.scopes // ['read', 'write']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export function parseAccessTokenClaims(
  payload: unknown,
  registry?: AuthorizationDetailsRegistryLike,
): AccessTokenClaims {
  const bad = (claim: string, cause?: unknown) =>
    new AccessTokenError('ERR_TOKEN_CLAIM_INVALID', claim, { cause })
  if (!isObject(payload)) throw bad('payload')
  for (const k of STRINGS)
    if (payload[k] !== undefined && typeof payload[k] !== 'string') throw bad(k)
  for (const k of NUMBERS) {
    if (payload[k] !== undefined && !Number.isFinite(payload[k])) throw bad(k)
  }
  const { aud, amr, cnf, scope, authorization_details: ad } = payload
  if (aud !== undefined && typeof aud !== 'string' && !isStrings(aud)) throw bad('aud')
  if (amr !== undefined && !isStrings(amr)) throw bad('amr')
  if (
    cnf !== undefined &&
    (!isObject(cnf) || (cnf['jkt'] !== undefined && typeof cnf['jkt'] !== 'string'))
  ) {
    throw bad('cnf')
  }
  let details: readonly AuthorizationDetail[] | undefined
  if (ad !== undefined) {
    if (registry) {
      try {
        details = registry.parse(ad)
      } catch (cause) {
        throw bad('authorization_details', cause)
      }
    } else if (Array.isArray(ad) && ad.every((d) => isObject(d) && typeof d['type'] === 'string')) {
      details = ad as AuthorizationDetail[]
    } else throw bad('authorization_details')
  }
  const out: Record<string, unknown> = {
    scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    raw: payload,
  }
  for (const k of COPIED) if (payload[k] !== undefined) out[k] = payload[k]
  if (details) out['authorization_details'] = details
  return out as unknown as AccessTokenClaims
}
