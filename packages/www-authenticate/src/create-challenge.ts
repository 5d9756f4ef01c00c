import { checkOptions, invalidArgument } from '@stepup/internal'
import type { OAuthErrorCode } from './constants.js'
import { CHECKS } from './oauth-challenge.js'
import { serializeChallenge } from './serialize.js'

/**
 * The parameters {@link createOAuthChallenge} writes into a `Bearer` or `DPoP` challenge, each
 * optional and checked against the syntax its spec gives it.
 *
 * The set is closed: any other key (a typo such as `acr_value`, or an extension auth-param) is
 * refused with `ERR_UNKNOWN_OPTION`; write extension parameters with `serializeWwwAuthenticate`.
 *
 * @example
 * ```ts
 * createOAuthChallenge({ error: 'insufficient_scope', scope: ['payments:write'] })
 * // 'Bearer error="insufficient_scope", scope="payments:write"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface OAuthChallengeOptions {
  /** `'Bearer'` (default) or `'DPoP'`. */
  readonly scheme?: 'Bearer' | 'DPoP' | undefined
  /** Protection space; any text without control characters or characters above U+00FF. */
  readonly realm?: string | undefined
  /** Error code: one of {@link OAuthErrorCode} or an extension code, `1*NQSCHAR` (RFC 6749 Appendix A.7). */
  readonly error?: OAuthErrorCode | (string & {}) | undefined
  /** Developer-facing explanation: `1*NQSCHAR` (no `"` or `\`). */
  readonly error_description?: string | undefined
  /** URI of a page about the error: `1*NQCHAR`. */
  readonly error_uri?: string | undefined
  /** Scopes the request needs: non-empty array of RFC 6749 §3.3 scope-tokens. */
  readonly scope?: readonly string[] | undefined
  /** Acceptable `acr` values, most preferred first: non-empty array of scope-tokens. */
  readonly acr_values?: readonly string[] | undefined
  /** Allowed seconds since the last active authentication: a non-negative safe integer. */
  readonly max_age?: number | undefined
  /** JWS algorithms accepted for DPoP proofs: non-empty array of scope-tokens. */
  readonly algs?: readonly string[] | undefined
  /** Absolute `https:` URL of the protected resource metadata (RFC 9728 §5.1). */
  readonly resource_metadata?: string | undefined
  /** A `claims` challenge (Microsoft Entra sends base64 JSON with `insufficient_claims`). */
  readonly claims?: string | undefined
}

/**
 * The parameters {@link createStepUpChallenge} takes: {@link OAuthChallengeOptions} without
 * `error`, with at least one of `acr_values` and `max_age`.
 *
 * @example
 * ```ts
 * createStepUpChallenge({ acr_values: ['phr'], max_age: 300 })
 * // 'Bearer error="insufficient_user_authentication", acr_values="phr", max_age="300"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export type StepUpChallengeOptions = Omit<OAuthChallengeOptions, 'error'>

const OPTION_KEYS: ReadonlySet<string> = new Set(['scheme', ...Object.keys(CHECKS)])
const STEP_UP_KEYS: ReadonlySet<string> = new Set([...OPTION_KEYS].filter((k) => k !== 'error'))

/**
 * Builds the `WWW-Authenticate` value of any OAuth error challenge (`invalid_token`,
 * `insufficient_scope`, `use_dpop_nonce`, step-up, …), quoting every value as the RFC examples do.
 *
 * Throws a `TypeError` with code `ERR_INVALID_ARG_VALUE` for a value that cannot be sent and
 * `ERR_UNKNOWN_OPTION` for a key that is not an {@link OAuthChallengeOptions} field.
 *
 * @example
 * ```ts
 * createOAuthChallenge({ scheme: 'DPoP', error: 'invalid_token', error_description: 'Invalid DPoP key binding', algs: ['ES256'] })
 * // 'DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function createOAuthChallenge(options: OAuthChallengeOptions = {}): string {
  checkOptions(options, OPTION_KEYS, 'createOAuthChallenge')
  return create(options)
}

function create(options: OAuthChallengeOptions): string {
  const scheme = options.scheme ?? 'Bearer'
  if (scheme !== 'Bearer' && scheme !== 'DPoP') {
    throw invalidArgument("options.scheme must be 'Bearer' or 'DPoP'")
  }
  const params: Record<string, string> = {}
  for (const name in CHECKS) {
    const option = options[name as keyof OAuthChallengeOptions]
    if (option === undefined) continue
    const wire = Array.isArray(option) ? option.join(' ') : String(option)
    // Sent only if a recipient reads back exactly the option: same check, same type, same items.
    if (JSON.stringify(CHECKS[name]!(wire)) !== JSON.stringify(option)) {
      throw invalidArgument(`options.${name} cannot be sent in a challenge`)
    }
    params[name] = wire
  }
  return serializeChallenge({ scheme, params }, true, 'createOAuthChallenge')
}

/**
 * Builds an RFC 9470 step-up challenge (`error="insufficient_user_authentication"` with
 * `acr_values` and/or `max_age`), validated like {@link createOAuthChallenge}.
 *
 * It sets `error` itself, so an `error` key is refused with `ERR_UNKNOWN_OPTION` like any other
 * unknown key.
 *
 * @example
 * ```ts
 * createStepUpChallenge({ acr_values: ['myACR'], error_description: 'A different authentication level is required' })
 * // 'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function createStepUpChallenge(options: StepUpChallengeOptions): string {
  if (options !== null && typeof options === 'object' && Object.hasOwn(options, 'error')) {
    throw invalidArgument(
      'createStepUpChallenge: unknown option "error" (a step-up challenge always sends error="insufficient_user_authentication")',
      { code: 'ERR_UNKNOWN_OPTION' },
    )
  }
  checkOptions(options, STEP_UP_KEYS, 'createStepUpChallenge')
  if (options?.acr_values === undefined && options?.max_age === undefined) {
    throw invalidArgument('a step-up challenge needs acr_values or max_age')
  }
  return create({ ...options, error: 'insufficient_user_authentication' })
}
