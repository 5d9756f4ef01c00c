import { checkOptions, invalidArgument } from '@stepup/internal'
import type { WwwAuthenticateChallengeInit } from './challenge.js'
import { every, isToken68, QPAIR, TCHAR } from './grammar.js'

/** Writes `value` as a token when it is one (unless `quote`), otherwise as a quoted-string. */
function formatValue(value: unknown, quote: boolean, name: string): string {
  if (typeof value !== 'string') {
    throw invalidArgument(`invalid auth-param ${name}`, { code: 'ERR_INVALID_ARG_TYPE' })
  }
  if (value.includes('\t') || (value !== '' && !every(value, QPAIR))) {
    throw invalidArgument(`invalid character in auth-param ${name}`)
  }
  return !quote && every(value, TCHAR) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`
}

/** The keys of a {@link WwwAuthenticateChallengeInit}; its `params` stay open to any auth-param. */
const INIT_KEYS: ReadonlySet<string> = new Set(['scheme', 'token68', 'params'])

/**
 * Serialises one challenge or credentials; `quoteAll` quotes every parameter value. `where`
 * names the caller's argument in the `ERR_UNKNOWN_OPTION` error for a key other than `scheme`,
 * `token68` and `params` (a `param` typo would otherwise drop every parameter).
 */
export function serializeChallenge(
  challenge: WwwAuthenticateChallengeInit,
  quoteAll: boolean,
  where: string,
): string {
  if (typeof challenge === 'object' && challenge !== null && !Array.isArray(challenge)) {
    checkOptions(challenge, INIT_KEYS, where)
  }
  const { scheme, token68, params } = challenge ?? {}
  if (typeof scheme !== 'string' || !every(scheme, TCHAR)) {
    throw invalidArgument('invalid scheme')
  }
  const names = params == null ? [] : Object.keys(params)
  if (token68 !== undefined) {
    if (typeof token68 !== 'string' || !isToken68(token68)) {
      throw invalidArgument('invalid token68')
    }
    if (names.length > 0) throw invalidArgument('token68 and params are exclusive')
    return `${scheme} ${token68}`
  }
  if (names.length === 0) return scheme
  const seen = new Set<string>()
  let out = `${scheme} `
  for (const name of names) {
    const lower = name.toLowerCase()
    if (!every(name, TCHAR)) throw invalidArgument('invalid auth-param name')
    if (seen.has(lower)) throw invalidArgument(`duplicate auth-param ${lower}`)
    seen.add(lower)
    const value = formatValue(
      (params as Record<string, unknown>)[name],
      quoteAll || lower === 'realm',
      lower,
    )
    out += `${seen.size > 1 ? ', ' : ''}${name}=${value}`
  }
  return out
}

/**
 * Serialises challenges into a `WWW-Authenticate` field value, quoting values only where needed
 * (`realm` always) and escaping `"` and `\`.
 *
 * `params` may hold any auth-param, extensions included. Anything that cannot be sent is refused
 * with a coded `TypeError`: control characters, text above U+00FF, invalid names, duplicates, bad
 * token68 (`ERR_INVALID_ARG_VALUE`), and a challenge key other than `scheme`, `token68` and
 * `params` (`ERR_UNKNOWN_OPTION`).
 *
 * @example
 * ```ts
 * serializeWwwAuthenticate([{ scheme: 'Basic', params: { realm: 'simple' } }]) // 'Basic realm="simple"'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function serializeWwwAuthenticate(
  challenges: readonly WwwAuthenticateChallengeInit[],
): string {
  if (!Array.isArray(challenges) || challenges.length === 0) {
    throw invalidArgument('invalid challenges', { code: 'ERR_INVALID_ARG_TYPE' })
  }
  return challenges
    .map((challenge, i) =>
      serializeChallenge(challenge, false, `serializeWwwAuthenticate challenges[${i}]`),
    )
    .join(', ')
}

/**
 * Serialises credentials into an `Authorization` field value, with the same quoting and refusals
 * (unknown keys included) as {@link serializeWwwAuthenticate}.
 *
 * @example
 * ```ts
 * serializeAuthorization({ scheme: 'DPoP', token68: 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU' })
 * // 'DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.2
 */
export function serializeAuthorization(credentials: WwwAuthenticateChallengeInit): string {
  return serializeChallenge(credentials, false, 'serializeAuthorization')
}
