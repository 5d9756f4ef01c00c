import { describe, expect, test } from 'vitest'
import {
  every,
  is,
  isScope,
  isToken68,
  NQCHAR,
  NQSCHAR,
  QDTEXT,
  QPAIR,
  T68,
  TCHAR,
} from './grammar.js'

const members = (flag: number): string => {
  let out = ''
  for (let c = 0; c < 0x100; c++) if (is(c, flag)) out += String.fromCharCode(c)
  return out
}
const range = (from: number, to: number): string => {
  let out = ''
  for (let c = from; c <= to; c++) out += String.fromCharCode(c)
  return out
}
const ALNUM = range(0x30, 0x39) + range(0x41, 0x5a) + range(0x61, 0x7a)

describe('character classes', () => {
  test('tchar (RFC 9110 §5.6.2)', () => {
    expect(members(TCHAR)).toBe([...`!#$%&'*+-.^_\`|~${ALNUM}`].sort().join(''))
  })

  test('token68 characters (RFC 9110 §11.2)', () => {
    expect(members(T68)).toBe([...`-._~+/${ALNUM}`].sort().join(''))
  })

  test('qdtext (RFC 9110 §5.6.4)', () => {
    expect(members(QDTEXT)).toBe(
      `\t ${'!'}${range(0x23, 0x5b)}${range(0x5d, 0x7e)}${range(0x80, 0xff)}`,
    )
  })

  test('quoted-pair octets (RFC 9110 §5.6.4)', () => {
    expect(members(QPAIR)).toBe(`\t${range(0x20, 0x7e)}${range(0x80, 0xff)}`)
  })

  test('NQCHAR and NQSCHAR (RFC 6749 Appendix A)', () => {
    expect(members(NQCHAR)).toBe(`!${range(0x23, 0x5b)}${range(0x5d, 0x7e)}`)
    expect(members(NQSCHAR)).toBe(` !${range(0x23, 0x5b)}${range(0x5d, 0x7e)}`)
  })

  test('nothing above U+00FF belongs to any class', () => {
    for (const c of [0x100, 0x2028, 0xfeff, 0xd83d]) expect(is(c, 0xff)).toBe(false)
    expect(is(Number.NaN, 0xff)).toBe(false)
  })

  test('every needs a non-empty value', () => {
    expect(every('', TCHAR)).toBe(false)
    expect(every('abc', TCHAR)).toBe(true)
    expect(every('a c', TCHAR)).toBe(false)
  })

  test('isScope and isToken68', () => {
    expect(isScope('a b c')).toBe(true)
    for (const bad of ['', ' ', 'a ', ' a', 'a  b', 'a\tb', 'a"b']) expect(isScope(bad)).toBe(false)
    for (const good of ['a', 'abc==', 'a/b+c.d_e~f-', 'Z=']) expect(isToken68(good)).toBe(true)
    for (const bad of ['', '=', '==a', 'a=b', 'a b', 'a,']) expect(isToken68(bad)).toBe(false)
  })
})
