/** `tchar` (RFC 9110 §5.6.2): a character allowed in a token. */
export const TCHAR = 1
/** A `token68` character other than the trailing `=` (RFC 9110 §11.2). */
export const T68 = 2
/** `qdtext` (RFC 9110 §5.6.4): a character allowed unescaped inside a quoted-string. */
export const QDTEXT = 4
/** The octet after a backslash in a `quoted-pair` (RFC 9110 §5.6.4). */
export const QPAIR = 8
/** `NQCHAR` (RFC 6749 Appendix A): `%x21 / %x23-5B / %x5D-7E`. */
export const NQCHAR = 16
/** `NQSCHAR` (RFC 6749 Appendix A): `%x20-21 / %x23-5B / %x5D-7E`. */
export const NQSCHAR = 32

/** Character classes of the 256 Latin-1 code units; anything above U+00FF belongs to none. */
export const CHARS: Uint8Array = /* @__PURE__ */ (() => {
  const table = new Uint8Array(256)
  for (let c = 0; c < 256; c++) {
    const char = String.fromCharCode(c)
    let flags = c === 0x20 || c === 0x09 || c > 0x7f ? QDTEXT | QPAIR : 0
    if (c === 0x20) flags |= NQSCHAR
    if (c > 0x20 && c < 0x7f) {
      flags |= QPAIR
      if (!'"(),/:;<=>?@[\\]{}'.includes(char)) flags |= TCHAR
      if (/[\w.~+/-]/.test(char)) flags |= T68
      if (char !== '"' && char !== '\\') flags |= NQCHAR | NQSCHAR | QDTEXT
    }
    table[c] = flags
  }
  return table
})()

/** Whether the code unit at `c` belongs to `flag` (code units above 0xFF belong to none). */
export function is(c: number, flag: number): boolean {
  return c < 256 && (CHARS[c]! & flag) !== 0
}

/** Whether every code unit of a non-empty `value` belongs to `flag`. */
export function every(value: string, flag: number): boolean {
  if (value.length === 0) return false
  for (let i = 0; i < value.length; i++) if (!is(value.charCodeAt(i), flag)) return false
  return true
}

/**
 * Whether `value` is an OAuth `scope`: scope-tokens (`1*NQCHAR`) separated by exactly one space,
 * nothing before the first or after the last. The same grammar holds `acr_values` (RFC 9470 §3).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function isScope(value: string): boolean {
  let start = 0
  for (let i = 0; i <= value.length; i++) {
    const c = i === value.length ? 0x20 : value.charCodeAt(i)
    if (c === 0x20) {
      if (i === start) return false
      start = i + 1
    } else if (!is(c, NQCHAR)) return false
  }
  return true
}

/**
 * Whether `value` matches `token68`: the credentials of `Authorization: Bearer` and
 * `Authorization: DPoP`, which RFC 6750 §2.1 calls `b64token` (the same grammar).
 *
 * @example
 * ```ts
 * isToken68('mF_9.B5f-4.1JqM') // true
 * isToken68('a b') // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function isToken68(value: string): boolean {
  let i = 0
  while (i < value.length && is(value.charCodeAt(i), T68)) i++
  if (i === 0) return false
  while (i < value.length && value.charCodeAt(i) === 0x3d) i++
  return i === value.length
}

/**
 * Whether `value` is an HTTP `token` (`1*tchar`): an auth-scheme, an auth-param name, or a
 * parameter value that may be sent unquoted.
 *
 * @example
 * ```ts
 * isToken('Bearer') // true
 * isToken('a=b') // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2
 */
export function isToken(value: string): boolean {
  return every(value, TCHAR)
}

/**
 * Whether `value` is one `scope-token` (`1*NQCHAR`: printable ASCII without space, `"` or `\`).
 * The same grammar holds a DPoP `nonce` (RFC 9449 §8.1) and each of the `acr_values`.
 *
 * @example
 * ```ts
 * isScopeToken('accounts:read') // true
 * isScopeToken('say "hi"') // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#appendix-A.4
 */
export function isScopeToken(value: string): boolean {
  return every(value, NQCHAR)
}

/**
 * Whether `value` may be an OAuth `error_description` (`1*NQSCHAR`: printable ASCII and space,
 * without `"` or `\`).
 *
 * @example
 * ```ts
 * isErrorDescription('The access token expired') // true
 * isErrorDescription('naïve') // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#appendix-A.8
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function isErrorDescription(value: string): boolean {
  return every(value, NQSCHAR)
}

/**
 * Whether `value` can be sent as the content of a `quoted-string` (with `"` and `\` escaped as
 * `quoted-pair`s): tab, space, visible ASCII and `obs-text`, no control characters, nothing above
 * U+00FF. The empty string can (`""`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.4
 */
export function isQuotable(value: string): boolean {
  return value === '' || every(value, QPAIR)
}
