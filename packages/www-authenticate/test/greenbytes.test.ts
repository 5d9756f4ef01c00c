import { describe, expect, test } from 'vitest'
import { parseWwwAuthenticate, WwwAuthenticateParseError } from '../src/index.js'

/**
 * Julian Reschke's HTTP authentication test cases (test.greenbytes.de/tech/tc/httpauth/), with the
 * generic RFC 9110 §11 result this parser gives in strict mode. Cases that are only wrong for the
 * Basic scheme (a token realm, no realm) parse: that check belongs to the scheme, not the grammar.
 */
const CASES: readonly {
  name: string
  lines: readonly string[]
  expected?: readonly { scheme: string; params: Record<string, string> }[]
}[] = [
  {
    name: 'simplebasic',
    lines: ['Basic realm="foo"'],
    expected: [{ scheme: 'basic', params: { realm: 'foo' } }],
  },
  { name: 'simplebasiclf (obs-fold: CR LF is rejected)', lines: ['Basic\r\n realm="foo"'] },
  {
    name: 'simplebasicucase',
    lines: ['BASIC REALM="foo"'],
    expected: [{ scheme: 'basic', params: { realm: 'foo' } }],
  },
  {
    name: 'simplebasictok (token realm: a sender violation, readable)',
    lines: ['Basic realm=foo'],
    expected: [{ scheme: 'basic', params: { realm: 'foo' } }],
  },
  { name: 'simplebasictokbs', lines: ['Basic realm=\\f\\o\\o'] },
  {
    name: 'simplebasicsq (single quotes are token characters)',
    lines: ["Basic realm='foo'"],
    expected: [{ scheme: 'basic', params: { realm: "'foo'" } }],
  },
  {
    name: 'simplebasicpct',
    lines: ['Basic realm="foo%20bar"'],
    expected: [{ scheme: 'basic', params: { realm: 'foo%20bar' } }],
  },
  {
    name: 'simplebasiccomma',
    lines: ['Basic , realm="foo"'],
    expected: [{ scheme: 'basic', params: { realm: 'foo' } }],
  },
  { name: 'simplebasiccomma2 (no SP after the scheme)', lines: ['Basic, realm="foo"'] },
  { name: 'simplebasicnorealm', lines: ['Basic'], expected: [{ scheme: 'basic', params: {} }] },
  { name: 'simplebasic2realms', lines: ['Basic realm="foo", realm="bar"'] },
  {
    name: 'simplebasicwsrealm (BWS is allowed in auth-param)',
    lines: ['Basic realm = "foo"'],
    expected: [{ scheme: 'basic', params: { realm: 'foo' } }],
  },
  {
    name: 'simplebasicrealmsqc',
    lines: ['Basic realm="\\f\\o\\o"'],
    expected: [{ scheme: 'basic', params: { realm: 'foo' } }],
  },
  {
    name: 'simplebasicrealmsqc2',
    lines: ['Basic realm="\\"foo\\""'],
    expected: [{ scheme: 'basic', params: { realm: '"foo"' } }],
  },
  {
    name: 'simplebasicnewparam1',
    lines: ['Basic realm="foo", bar="xyz",, a=b,,,c=d'],
    expected: [{ scheme: 'basic', params: { realm: 'foo', bar: 'xyz', a: 'b', c: 'd' } }],
  },
  {
    name: 'simplebasicnewparam2',
    lines: ['Basic bar="xyz", realm="foo"'],
    expected: [{ scheme: 'basic', params: { bar: 'xyz', realm: 'foo' } }],
  },
  {
    name: 'simplebasicrealmiso88591',
    lines: ['Basic realm="foo-\u00e4"'],
    expected: [{ scheme: 'basic', params: { realm: 'foo-\u00e4' } }],
  },
  {
    name: 'simplebasicrealmutf8 (octets read as Latin-1, kept opaque)',
    lines: ['Basic realm="foo-\u00c3\u00a4"'],
    expected: [{ scheme: 'basic', params: { realm: 'foo-\u00c3\u00a4' } }],
  },
  {
    name: 'simplebasicrealmrfc2047 (RFC 2047 does not apply)',
    lines: ['Basic realm="=?ISO-8859-1?Q?foo-=E4?="'],
    expected: [{ scheme: 'basic', params: { realm: '=?ISO-8859-1?Q?foo-=E4?=' } }],
  },
  {
    name: 'multibasicunknown',
    lines: ['Basic realm="basic", Newauth realm="newauth"'],
    expected: [
      { scheme: 'basic', params: { realm: 'basic' } },
      { scheme: 'newauth', params: { realm: 'newauth' } },
    ],
  },
  {
    name: 'multibasicunknownnoparam',
    lines: ['Basic realm="basic", Newauth'],
    expected: [
      { scheme: 'basic', params: { realm: 'basic' } },
      { scheme: 'newauth', params: {} },
    ],
  },
  {
    name: 'multibasicunknown2',
    lines: ['Newauth realm="newauth", Basic realm="basic"'],
    expected: [
      { scheme: 'newauth', params: { realm: 'newauth' } },
      { scheme: 'basic', params: { realm: 'basic' } },
    ],
  },
  {
    name: 'multibasicunknown2mf (two field lines)',
    lines: ['Newauth realm="newauth"', 'Basic realm="basic"'],
    expected: [
      { scheme: 'newauth', params: { realm: 'newauth' } },
      { scheme: 'basic', params: { realm: 'basic' } },
    ],
  },
  {
    name: 'multibasicempty',
    lines: [',Basic realm="basic"'],
    expected: [{ scheme: 'basic', params: { realm: 'basic' } }],
  },
  {
    name: 'multibasicqs',
    lines: ['Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple" '],
    expected: [
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ],
  },
  {
    name: 'multidisgscheme',
    lines: ['Newauth realm="Newauth Realm", basic=foo, Basic realm="Basic Realm" '],
    expected: [
      { scheme: 'newauth', params: { realm: 'Newauth Realm', basic: 'foo' } },
      { scheme: 'basic', params: { realm: 'Basic Realm' } },
    ],
  },
  {
    name: 'unknown',
    lines: ['Newauth realm="newauth"'],
    expected: [{ scheme: 'newauth', params: { realm: 'newauth' } }],
  },
  {
    name: 'disguisedrealm',
    lines: ['Basic foo="realm=nottherealm", realm="basic"'],
    expected: [{ scheme: 'basic', params: { foo: 'realm=nottherealm', realm: 'basic' } }],
  },
  {
    name: 'disguisedrealm2',
    lines: ['Basic nottherealm="nottherealm", realm="basic"'],
    expected: [{ scheme: 'basic', params: { nottherealm: 'nottherealm', realm: 'basic' } }],
  },
  { name: 'missingquote', lines: ['Basic realm="basic'] },
]

describe('greenbytes HTTP authentication cases (strict RFC 9110 §11 grammar)', () => {
  for (const { name, lines, expected } of CASES) {
    test(name, () => {
      if (expected === undefined) {
        expect(() => parseWwwAuthenticate(lines)).toThrow(WwwAuthenticateParseError)
      } else {
        expect(parseWwwAuthenticate(lines)).toEqual(expected)
      }
    })
  }
})
