import { describe, expect, test } from 'vitest'
import { isQuotable, isScope } from '../src/grammar.ts'
import { isErrorDescription, isScopeToken, isToken, isToken68 } from '../src/index.ts'

const range = (from: number, to: number): string => {
  let out = ''
  for (let c = from; c <= to; c++) out += String.fromCharCode(c)
  return out
}
const ALL = range(0, 0x100)
const members = (predicate: (value: string) => boolean): string =>
  [...ALL].filter((c) => predicate(c)).join('')

describe('grammar predicates of the package entry', () => {
  test('isToken: 1*tchar (RFC 9110 §5.6.2)', () => {
    expect(members(isToken)).toBe(
      `!#$%&'*+-.${range(0x30, 0x39)}${range(0x41, 0x5a)}^_\`${range(0x61, 0x7a)}|~`,
    )
    expect(isToken('Bearer')).toBe(true)
    for (const bad of ['', 'a b', 'a=b', 'a,b', 'é']) expect(isToken(bad)).toBe(false)
  })

  test('isScopeToken: 1*NQCHAR (RFC 6749 Appendix A.4), also a DPoP nonce (RFC 9449 §8.1)', () => {
    expect(members(isScopeToken)).toBe(range(0x21, 0x7e).replace('"', '').replace('\\', ''))
    expect(isScopeToken('urn:example:read')).toBe(true)
    for (const bad of ['', 'a b', 'a"b', 'a\\b', 'a\u007f']) expect(isScopeToken(bad)).toBe(false)
  })

  test('isScope: scope-tokens separated by one space (RFC 6749 §3.3)', () => {
    expect(isScope('read write')).toBe(true)
    for (const bad of ['', ' read', 'read ', 'read  write', 'read\twrite']) {
      expect(isScope(bad)).toBe(false)
    }
  })

  test('isErrorDescription: 1*NQSCHAR (RFC 6749 Appendix A.7)', () => {
    expect(members(isErrorDescription)).toBe(range(0x20, 0x7e).replace('"', '').replace('\\', ''))
    expect(isErrorDescription('')).toBe(false)
  })

  test('isToken68: token68 (RFC 9110 §11.2), the b64token of RFC 6750 §2.1', () => {
    expect(members(isToken68)).toBe(
      `+-./${range(0x30, 0x39)}${range(0x41, 0x5a)}_${range(0x61, 0x7a)}~`,
    )
    expect(isToken68('mF_9.B5f-4.1JqM==')).toBe(true)
    for (const bad of ['', '=', 'a=b', 'a b']) expect(isToken68(bad)).toBe(false)
  })

  test('isQuotable: what a quoted-string can carry (RFC 9110 §5.6.4)', () => {
    expect(members(isQuotable)).toBe(`\t${range(0x20, 0x7e)}${range(0x80, 0xff)}`)
    expect(isQuotable('')).toBe(true)
    expect(isQuotable('say "hi" \\o/')).toBe(true)
    for (const bad of ['a\nb', 'a\u0000', '\u0100']) expect(isQuotable(bad)).toBe(false)
  })
})
