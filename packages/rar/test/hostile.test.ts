import { afterEach, describe, expect, it } from 'vitest'
import { AuthorizationDetailsError, createAuthorizationDetailsRegistry } from '../src/index.js'

const registry = createAuthorizationDetailsRegistry([], { allowUnknownTypes: true })

function rejects(input: unknown, message: RegExp): void {
  const result = registry.safeParse(input)
  expect(result.success).toBe(false)
  if (!result.success) {
    expect(result.error).toBeInstanceOf(AuthorizationDetailsError)
    expect(result.error.code).toBe('ERR_AUTHORIZATION_DETAILS_INVALID')
    expect(result.error.issues[0]?.message).toMatch(message)
  }
}

describe('prototype pollution', () => {
  afterEach(() => {
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('rejects a "__proto__" member in JSON text, at any depth', () => {
    rejects('[{"type":"x","__proto__":{"polluted":true}}]', /__proto__/)
    rejects('[{"type":"x","a":[{"b":{"__proto__":{"polluted":true}}}]}]', /__proto__/)
    rejects('[{"type":"x","\\u005f_proto__":{"polluted":true}}]', /__proto__/)
  })

  it('rejects an own "__proto__" member in already-parsed input (as JSON.parse creates it)', () => {
    rejects(JSON.parse('[{"type":"x","__proto__":{"polluted":true}}]'), /__proto__/)
    rejects(JSON.parse('[{"type":"x","m":{"__proto__":{"polluted":true}}}]'), /__proto__/)
  })

  it('keeps "constructor" and "prototype" as ordinary own data', () => {
    const text =
      '[{"type":"x","constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":1}}]'
    const [detail] = registry.parse(text)
    expect(Object.getPrototypeOf(detail)).toBe(Object.prototype)
    expect(Object.keys(detail ?? {})).toEqual(['type', 'constructor', 'prototype'])
    expect(detail?.constructor).toEqual({ prototype: { polluted: true } })
    expect(registry.parse(JSON.parse(text))).toEqual([detail])
  })
})

describe('limits are checked before and while reading', () => {
  it('rejects 10,000 details (text and array) with the typed error', () => {
    rejects(`[${'{"type":"a"},'.repeat(9999)}{"type":"a"}]`, /too large/)
    rejects(`[${'{},'.repeat(9999)}{}]`, /too many details/)
    rejects(
      Array.from({ length: 10_000 }, () => ({ type: 'a' })),
      /too many details/,
    )
  })

  it('accepts exactly maxDetails and rejects one more', () => {
    const small = createAuthorizationDetailsRegistry([], {
      allowUnknownTypes: true,
      limits: { maxDetails: 2 },
    })
    expect(small.parse('[{"type":"a"},{"type":"b"}]')).toHaveLength(2)
    expect(() => small.parse('[{"type":"a"},{"type":"b"},{"type":"c"}]')).toThrow(/too many/)
    expect(() => small.parse([{ type: 'a' }, { type: 'b' }, { type: 'c' }])).toThrow(/too many/)
  })

  it('rejects megabytes of text and of parsed strings', () => {
    rejects(`[{"type":"${'a'.repeat(2 ** 21)}"}]`, /too large/)
    rejects([{ type: 'a'.repeat(2 ** 21) }], /too large/)
    rejects([{ type: 'a', m: Array.from({ length: 70_000 }, () => 1) }], /too large/)
  })

  it('counts UTF-8 bytes, not UTF-16 units', () => {
    const tiny = createAuthorizationDetailsRegistry([], {
      allowUnknownTypes: true,
      limits: { maxBytes: 20 },
    })
    expect(tiny.parse('[{"type":"ab"}]')).toHaveLength(1)
    expect(() => tiny.parse('[{"type":"ééé"}]')).not.toThrow()
    expect(() => tiny.parse('[{"type":"éééé"}]')).toThrow(/too large/)
    expect(() => tiny.parse([{ type: '€€€€' }])).toThrow(/too large/)
  })

  it('rejects 100,000-deep nesting without overflowing the stack', () => {
    const roomy = createAuthorizationDetailsRegistry([], {
      allowUnknownTypes: true,
      limits: { maxBytes: 2 ** 24 },
    })
    const arrays = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    const objects = `[{"type":"a","m":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]`
    rejects(arrays, /too large/)
    expect(() => roomy.parse(arrays)).toThrow(/nested too deeply/)
    expect(() => roomy.parse(objects)).toThrow(/nested too deeply/)
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = [deep]
    rejects([{ type: 'a', m: deep }], /nested too deeply/)
    expect(() => roomy.parse([{ type: 'a', m: deep }])).toThrow(AuthorizationDetailsError)
  })

  it('allows exactly maxDepth levels (the outer array is level 1)', () => {
    const shallow = createAuthorizationDetailsRegistry([], {
      allowUnknownTypes: true,
      limits: { maxDepth: 3 },
    })
    expect(shallow.parse('[{"type":"a","m":[]}]')).toHaveLength(1)
    expect(() => shallow.parse('[{"type":"a","m":[[]]}]')).toThrow(/nested too deeply/)
    expect(() => shallow.parse([{ type: 'a', m: [[]] }])).toThrow(/nested too deeply/)
  })

  it('rejects cycles in parsed input as too deep', () => {
    const detail: Record<string, unknown> = { type: 'a' }
    detail.self = detail
    rejects([detail], /nested too deeply/)
  })
})

describe('JSON reading', () => {
  it('rejects duplicate member names instead of keeping the last', () => {
    rejects('[{"type":"a","amount":"1","amount":"100000"}]', /duplicate member name/)
    rejects('[{"type":"a","type":"b"}]', /duplicate member name/)
  })

  it.each([
    ['', 'empty text'],
    ['[', 'unterminated array'],
    ['[{"type":"a"}', 'unterminated array'],
    ['[{"type":"a"},]', 'trailing comma'],
    ['[{"type":"a",}]', 'trailing comma in object'],
    ["[{'type':'a'}]", 'single quotes'],
    ['[{"type":"a\u0001"}]', 'raw control character'],
    ['[{"type":"\\x41"}]', 'invalid escape'],
    ['[{"type":"a"}] x', 'garbage after the value'],
    ['[{"type":"a","n":01}]', 'leading zero'],
    ['[{"type":"a","n":+1}]', 'plus sign'],
    ['[{"type":"a","n":.5}]', 'leading dot'],
    ['[{"type":"a","n":NaN}]', 'NaN'],
    ['[{"type":"a","n":tru}]', 'bad literal'],
    ['[{"type":"a" "b":1}]', 'missing comma'],
    ['[{"type" "a"}]', 'missing colon'],
    ['[{type:"a"}]', 'unquoted name'],
    ['\ufeff[]', 'byte order mark'],
    ['[{"type":"a', 'unterminated string'],
    ['[{"type":"a\\', 'unterminated escape'],
  ])('rejects %j (%s)', (text) => {
    rejects(text, /not valid JSON/)
  })

  it('rejects numbers that JSON cannot carry back', () => {
    rejects('[{"type":"a","n":1e400}]', /not a JSON value/)
    rejects('[{"type":"a","n":-1e400}]', /not a JSON value/)
  })

  it.each([
    ['9007199254740993', 'reads as 9007199254740992'],
    ['-9007199254740993', 'reads as -9007199254740992'],
    ['12345678901234567890', 'an integer beyond 2^53 - 1 with 20 digits'],
    ['0.10000000000000001', 'reads as 0.1'],
    ['123456789012345.6', '16 significant digits'],
    ['1.7976931348623157e308', '17 significant digits'],
    ['-0', 'negative zero'],
    ['-0.0e3', 'negative zero'],
    ['1e-400', 'underflows to 0'],
    ['-1e-400', 'underflows to -0'],
    ['5e-324', 'a subnormal, with fewer digits of precision'],
    ['1e-308', 'below the normal range'],
  ])('rejects the number %s (%s) as not comparable exactly', (number) => {
    rejects(`[{"type":"a","n":${number}}]`, /number cannot be compared exactly/)
  })

  it.each([
    ['9007199254740991', 2 ** 53 - 1],
    ['-9007199254740991', -(2 ** 53 - 1)],
    ['123456789012345', 123456789012345],
    ['123456789012345000000', 123456789012345e6],
    ['0.1', 0.1],
    ['123.50', 123.5],
    ['1e308', 1e308],
    ['1.5e-307', 1.5e-307],
    ['0e-400', 0],
    ['-0.5e2', -50],
  ])('keeps the number %s', (number, value) => {
    expect(registry.parse(`[{"type":"a","n":${number}}]`)).toEqual([{ type: 'a', n: value }])
  })

  it('rejects already-parsed numbers that cannot be compared exactly, and keeps the others', () => {
    for (const n of [-0, 2 ** 53, 2 ** 60, 0.1 + 0.2, Number.MAX_VALUE, Number.MIN_VALUE]) {
      rejects([{ type: 'a', n }], /number cannot be compared exactly/)
    }
    for (const n of [0, 2 ** 53 - 1, 0.3, 1e21, -1.5e-7, 1e308]) {
      expect(registry.parse([{ type: 'a', n }])).toEqual([{ type: 'a', n }])
    }
  })

  it('never lets two different decimal numbers compare equal', () => {
    // Both read as the double 2^53: equal after JSON.parse, different on the wire.
    for (const limit of ['9007199254740992', '9007199254740993']) {
      expect(registry.safeParse(`[{"type":"a","limit":${limit}}]`).success).toBe(false)
    }
    const big = [{ type: 'a', limit: 2 ** 53 }]
    expect(registry.covers(big, big)).toEqual({ covered: false, uncovered: big })
    expect(registry.covers([{ type: 'a', n: 0 }], [{ type: 'a', n: -0 }]).covered).toBe(false)
    expect(registry.covers([{ type: 'a', n: 0.1 }], [{ type: 'a', n: 0.1 }]).covered).toBe(true)
  })

  it('decodes escapes, surrogate pairs, numbers and literals like JSON.parse', () => {
    const text =
      ' [ {"type":"\\u00e9\\ud83d\\ude00\\n\\/","n":[-0.5e2,0,1E+2,true,false,null,"x"],"o":{}} ] '
    expect(registry.parse(text)).toEqual(JSON.parse(text))
  })

  it('rejects values JSON cannot carry in parsed input', () => {
    for (const bad of [
      undefined,
      () => 1,
      1n,
      Symbol('s'),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(0),
      new Map(),
    ]) {
      rejects([{ type: 'a', m: bad }], /not a JSON value/)
    }
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is being tested
    rejects([{ type: 'a', m: [1, , 3] }], /not a JSON value/)
  })

  it('returns fresh data, never the caller objects', () => {
    const input = [{ type: 'a', m: { n: [1] } }]
    const [detail] = registry.parse(input)
    expect(detail).toEqual(input[0])
    expect(detail).not.toBe(input[0])
    expect(detail?.m).not.toBe(input[0]?.m)
  })

  it('accepts null-prototype objects as input', () => {
    const detail = Object.assign(Object.create(null) as Record<string, unknown>, { type: 'a' })
    expect(registry.parse([detail])).toEqual([{ type: 'a' }])
  })
})
