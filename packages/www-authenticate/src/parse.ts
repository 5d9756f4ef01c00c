import type { ParseOptions, SafeParseResult, WwwAuthenticateChallenge } from './challenge.js'
import { argumentError, WwwAuthenticateParseError } from './errors.js'
import { is, QDTEXT, QPAIR, T68, TCHAR } from './grammar.js'

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

/** Where the last value read by `readValue` ended. */
let valueEnd = 0

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

/** Reads a token or quoted-string at `i`, sets `valueEnd`, and returns the unescaped value. */
function readValue(s: string, i: number, base: number): string {
  if (s.charCodeAt(i) !== DQUOTE) {
    const end = skipTchar(s, i)
    if (end === i) fail('expected a value', base + i)
    valueEnd = end
    return s.slice(i, end)
  }
  const open = i
  let out = ''
  let chunk = ++i
  for (;;) {
    if (i >= s.length) fail('unterminated quoted-string', base + open)
    const c = s.charCodeAt(i)
    if (c === DQUOTE) break
    if (c === BACKSLASH) {
      out += s.slice(chunk, i)
      chunk = ++i
      if (!is(s.charCodeAt(i), QPAIR)) fail('invalid quoted-pair', base + i)
    } else if (!is(c, QDTEXT)) {
      fail('invalid character', base + i)
    }
    i++
  }
  valueEnd = i + 1
  return chunk === open + 1 ? s.slice(chunk, i) : out + s.slice(chunk, i)
}

/** Challenge state: no challenge yet, scheme alone, scheme + SP (params allowed), token68. */
const NONE = 0
const BARE = 1
const PARAMS = 2
const TOKEN68 = 3

/**
 * Parses one field line: a `#challenge` list, or (with `single`) exactly one `credentials`.
 * Offsets in errors are `base` plus the index in `s`.
 */
function parseLine(s: string, base: number, out: MutableChallenge[], single: boolean): void {
  const n = s.length
  const first = out.length
  let current: MutableChallenge | undefined
  let state = NONE
  let needParam = false
  let i = skipOws(s, 0)
  for (;;) {
    while (s.charCodeAt(i) === COMMA) {
      if (single && state !== PARAMS) fail('unexpected comma', base + i)
      i = skipOws(s, i + 1)
    }
    if (i >= n) break
    const start = i
    i = skipTchar(s, i)
    if (i === start) fail('expected a token', base + i)
    const eq = skipOws(s, i)
    if (s.charCodeAt(eq) === EQUALS) {
      if (state !== PARAMS) fail('unexpected auth-param', base + start)
      const params = (current as MutableChallenge).params
      const name = s.slice(start, i).toLowerCase()
      if (params[name] !== undefined) fail('duplicate auth-param', base + start)
      params[name] = readValue(s, skipOws(s, eq + 1), base)
      needParam = false
      i = skipOws(s, valueEnd)
      if (i < n && s.charCodeAt(i) !== COMMA) fail('expected a comma', base + i)
      continue
    }
    if (needParam) fail('expected an auth-param', base + eq)
    if (single && current !== undefined) fail('more than one credentials', base + start)
    current = { scheme: s.slice(start, i).toLowerCase(), params: Object.create(null) as Params }
    out.push(current)
    state = BARE
    if (s.charCodeAt(i) !== SP) {
      const after = skipOws(s, i)
      if (after < n && s.charCodeAt(after) !== COMMA)
        fail('expected SP after the auth-scheme', base + i)
      i = after
      continue
    }
    state = PARAMS
    let k = i + 1
    while (s.charCodeAt(k) === SP) k++
    i = skipOws(s, k)
    if (i >= n || s.charCodeAt(i) === COMMA) continue
    if (i !== k) fail('expected SP after the auth-scheme', base + k)
    let t = k
    while (is(s.charCodeAt(t), T68)) t++
    if (t > k) {
      let e = t
      while (s.charCodeAt(e) === EQUALS) e++
      const after = skipOws(s, e)
      if (after >= n || s.charCodeAt(after) === COMMA) {
        current.token68 = s.slice(k, e)
        state = TOKEN68
        i = after
        continue
      }
    }
    needParam = true
  }
  if (out.length === first) fail('no challenge', base + i)
}

function parse(
  value: string | readonly string[],
  options: ParseOptions | undefined,
  single: boolean,
): MutableChallenge[] {
  const max = options?.maxLength ?? DEFAULT_MAX_LENGTH
  if (!Number.isSafeInteger(max) || max < 1) throw argumentError('invalid options.maxLength')
  const lines = typeof value === 'string' ? [value] : value
  if (single ? typeof value !== 'string' : !Array.isArray(lines) || lines.length === 0) {
    throw argumentError(
      single ? 'value must be a string' : 'value must be a string or string[]',
      'ERR_INVALID_ARG_TYPE',
    )
  }
  const out: MutableChallenge[] = []
  let base = 0
  for (const line of lines) {
    if (typeof line !== 'string')
      throw argumentError('value must be a string or string[]', 'ERR_INVALID_ARG_TYPE')
    if (base + line.length > max) fail('value longer than maxLength', max)
    parseLine(line, base, out, single)
    base += line.length + 2
  }
  return out
}

/**
 * Parses a `WWW-Authenticate` (or `Proxy-Authenticate`) field value into its challenges; an array
 * is several field lines, each parsed on its own, and throws {@link WwwAuthenticateParseError} on
 * anything the grammar does not allow.
 *
 * @example
 * const [challenge] = parseWwwAuthenticate('Bearer error="insufficient_user_authentication", max_age=5')
 * challenge?.params.max_age // '5'
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
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
 * const result = safeParseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
 * if (result.success) console.log(result.data)
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
 * parseAuthorization('Bearer mF_9.B5f-4.1JqM') // { scheme: 'bearer', token68: 'mF_9.B5f-4.1JqM', params: {} }
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
 * const result = safeParseAuthorization(request.headers.get('authorization') ?? '')
 * if (result.success && result.data.scheme === 'bearer') console.log(result.data.token68)
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
