import { invalidArgument } from '@stepup/internal'
import type { ParseOptions, SafeParseResult, WwwAuthenticateChallenge } from './challenge.js'
import { WwwAuthenticateParseError } from './errors.js'
import { CHARS, is, QDTEXT, QPAIR, T68, TCHAR } from './grammar.js'

const SP = 0x20
const HTAB = 0x09
const DQUOTE = 0x22
const COMMA = 0x2c
const EQUALS = 0x3d
const BACKSLASH = 0x5c
const DEFAULT_MAX_LENGTH = 16384

type Params = Record<string, string>
interface MutableChallenge {
  scheme: string
  token68?: string
  params: Params
}

function fail(message: string, offset: number): never {
  throw new WwwAuthenticateParseError(message, offset)
}

function skipOws(s: string, i: number): number {
  let c = s.charCodeAt(i)
  while (c === SP || c === HTAB) c = s.charCodeAt(++i)
  return i
}

function skipTchar(s: string, i: number): number {
  while (is(s.charCodeAt(i), TCHAR)) i++
  return i
}

/**
 * Reads a token or quoted-string at `i` into `params[name]` (unescaped) and returns the index just
 * after it.
 */
function readValue(s: string, i: number, params: Params, name: string): number {
  if (s.charCodeAt(i) !== DQUOTE) {
    const end = skipTchar(s, i)
    if (end === i) fail('expected a value', i)
    params[name] = s.slice(i, end)
    return end
  }
  const open = i
  let out = ''
  let chunk = ++i
  for (;;) {
    // qdtext excludes DQUOTE and backslash, and charCodeAt past the end is NaN: all three stop it.
    let c = s.charCodeAt(i)
    while (c < 256 && (CHARS[c]! & QDTEXT) !== 0) c = s.charCodeAt(++i)
    if (c === DQUOTE) break
    if (c === BACKSLASH) {
      out += s.slice(chunk, i)
      chunk = ++i
      if (!is(s.charCodeAt(i), QPAIR)) fail('invalid quoted-pair', i)
      i++
      continue
    }
    if (i >= s.length) fail('unterminated quoted-string', open)
    fail('invalid character', i)
  }
  params[name] = chunk === open + 1 ? s.slice(chunk, i) : out + s.slice(chunk, i)
  return i + 1
}

/** Challenge state: no challenge yet, scheme alone, scheme + SP (params allowed), token68. */
const NONE = 0
const BARE = 1
const PARAMS = 2
const TOKEN68 = 3

/** Parses a field value: a `#challenge` list, or (with `single`) exactly one `credentials`. */
function parseValue(s: string, out: MutableChallenge[], single: boolean): void {
  const n = s.length
  let current: MutableChallenge | undefined
  let state = NONE
  let needParam = false
  let i = skipOws(s, 0)
  for (;;) {
    while (s.charCodeAt(i) === COMMA) {
      if (single && state !== PARAMS) fail('unexpected comma', i)
      i = skipOws(s, i + 1)
    }
    if (i >= n) break
    const start = i
    i = skipTchar(s, i)
    if (i === start) fail('expected a token', i)
    const eq = skipOws(s, i)
    if (s.charCodeAt(eq) === EQUALS) {
      if (state !== PARAMS) fail('unexpected auth-param', start)
      const params = (current as MutableChallenge).params
      const name = s.slice(start, i).toLowerCase()
      if (params[name] !== undefined) fail('duplicate auth-param', start)
      i = skipOws(s, readValue(s, skipOws(s, eq + 1), params, name))
      needParam = false
      if (i < n && s.charCodeAt(i) !== COMMA) fail('expected a comma', i)
      continue
    }
    if (needParam) fail('expected an auth-param', eq)
    if (single && current !== undefined) fail('more than one credentials', start)
    current = { scheme: s.slice(start, i).toLowerCase(), params: Object.create(null) as Params }
    out.push(current)
    state = BARE
    if (s.charCodeAt(i) !== SP) {
      const after = skipOws(s, i)
      if (after < n && s.charCodeAt(after) !== COMMA) fail('expected SP after the auth-scheme', i)
      i = after
      continue
    }
    state = PARAMS
    let afterSpaces = i + 1
    while (s.charCodeAt(afterSpaces) === SP) afterSpaces++
    i = skipOws(s, afterSpaces)
    if (i >= n || s.charCodeAt(i) === COMMA) continue
    if (i !== afterSpaces) fail('expected SP after the auth-scheme', afterSpaces)
    let token68End = afterSpaces
    while (is(s.charCodeAt(token68End), T68)) token68End++
    if (token68End > afterSpaces) {
      let paddingEnd = token68End
      while (s.charCodeAt(paddingEnd) === EQUALS) paddingEnd++
      const after = skipOws(s, paddingEnd)
      if (after >= n || s.charCodeAt(after) === COMMA) {
        current.token68 = s.slice(afterSpaces, paddingEnd)
        state = TOKEN68
        i = after
        continue
      }
    }
    needParam = true
  }
  if (out.length === 0) fail('no challenge', i)
}

function parse(
  value: string | readonly string[],
  options: ParseOptions | undefined,
  single: boolean,
): MutableChallenge[] {
  const max = options?.maxLength ?? DEFAULT_MAX_LENGTH
  if (!Number.isSafeInteger(max) || max < 1) throw invalidArgument('invalid options.maxLength')
  let s: string
  if (typeof value === 'string') {
    if (value.length > max) fail('value longer than maxLength', max)
    s = value
  } else if (!single && Array.isArray(value) && value.length > 0) {
    // RFC 9110 §5.3: several field lines mean the lines joined with ", ", so a challenge may go on
    // in the next line and an empty line is an empty list element. Length first, then one join.
    let length = -2
    for (const line of value) {
      if (typeof line !== 'string') {
        throw invalidArgument('value must be a string or string[]', {
          code: 'ERR_INVALID_ARG_TYPE',
        })
      }
      length += line.length + 2
    }
    if (length > max) fail('value longer than maxLength', max)
    s = value.length === 1 ? (value[0] as string) : value.join(', ')
  } else {
    throw invalidArgument(
      single ? 'value must be a string' : 'value must be a string or string[]',
      { code: 'ERR_INVALID_ARG_TYPE' },
    )
  }
  const out: MutableChallenge[] = []
  parseValue(s, out, single)
  return out
}

/**
 * Parses a `WWW-Authenticate` (or `Proxy-Authenticate`) field value into its challenges, and throws
 * {@link WwwAuthenticateParseError} on anything the grammar does not allow.
 *
 * An array is several field lines of the same field: they are joined with `", "` and parsed as one
 * value, as RFC 9110 §5.3 defines them, so a challenge may continue on the next line and an empty
 * line is an empty list element (ignored, RFC 9110 §5.6.1). Offsets count in the joined value.
 *
 * @example
 * ```ts
 * const [challenge] = parseWwwAuthenticate('Bearer error="insufficient_user_authentication", max_age=5')
 * challenge?.params.max_age // '5'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.3
 */
export function parseWwwAuthenticate(
  value: string | readonly string[],
  options?: ParseOptions,
): WwwAuthenticateChallenge[] {
  return parse(value, options, false)
}

/**
 * Like {@link parseWwwAuthenticate}, but returns `{ success: false, error }` instead of throwing
 * when the value does not parse.
 *
 * @example
 * ```ts
 * const response = await fetch('https://api.example.com/accounts')
 * const result = safeParseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
 * if (result.success) console.log(result.data)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function safeParseWwwAuthenticate(
  value: string | readonly string[],
  options?: ParseOptions,
): SafeParseResult<WwwAuthenticateChallenge[], WwwAuthenticateParseError> {
  return safely(() => parse(value, options, false))
}

/**
 * Parses an `Authorization` (or `Proxy-Authorization`) field value: exactly one credentials, a
 * lower-cased scheme with either a `token68` or parameters.
 *
 * @example
 * ```ts
 * parseAuthorization('Bearer mF_9.B5f-4.1JqM') // { scheme: 'bearer', token68: 'mF_9.B5f-4.1JqM', params: {} }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.2
 */
export function parseAuthorization(
  value: string,
  options?: ParseOptions,
): WwwAuthenticateChallenge {
  return parse(value, options, true)[0]!
}

/**
 * Like {@link parseAuthorization}, but returns `{ success: false, error }` instead of throwing
 * when the value does not parse.
 *
 * @example
 * ```ts
 * const result = safeParseAuthorization(request.headers.get('authorization') ?? '')
 * if (result.success && result.data.scheme === 'bearer') console.log(result.data.token68)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.2
 */
export function safeParseAuthorization(
  value: string,
  options?: ParseOptions,
): SafeParseResult<WwwAuthenticateChallenge, WwwAuthenticateParseError> {
  return safely(() => parse(value, options, true)[0]!)
}

function safely<T>(run: () => T): SafeParseResult<T, WwwAuthenticateParseError> {
  try {
    return { success: true, data: run() }
  } catch (error) {
    if (error instanceof WwwAuthenticateParseError) return { success: false, error }
    throw error
  }
}
