import { canonicalJson } from './canonical-json.js'

/** What {@link challengeKey} leaves out of a challenge: what does not change the requirement. */
export interface KeyedChallenge {
  /** The challenge as parsed from `WWW-Authenticate`. */
  readonly raw: unknown
  /** The `realm`. */
  readonly realm?: string | undefined
  /** The `error_description`. */
  readonly error_description?: string | undefined
}

/**
 * A stable identity of a `@stepup/client` step-up challenge — what the client must obtain,
 * ignoring `realm`, the description and the raw header — for single flight and loop detection in
 * `createStepUpFetch` and `@stepup/effect`'s `makeStepUpClient`. Object members are compared
 * whatever their order, at every level (`authorization_details` included).
 *
 * @example
 * ```ts
 * const same = challengeKey(first) === challengeKey(second)
 * ```
 */
export function challengeKey(challenge: KeyedChallenge): string {
  const { raw: _raw, realm: _realm, error_description: _description, ...rest } = challenge
  return canonicalJson(rest)
}
