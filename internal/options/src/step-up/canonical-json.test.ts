import { describe, expect, it } from 'vitest'
import { canonicalJson } from './canonical-json.js'

describe('canonicalJson', () => {
  it('orders object members by code point at every level', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }], B: null })).toBe(
      '{"B":null,"a":[{"c":3,"d":2}],"b":1}',
    )
  })

  it('gives equal text for equal data whatever the member order', () => {
    expect(canonicalJson({ x: { b: 2, a: 1 }, type: 't' })).toBe(
      canonicalJson({ type: 't', x: { a: 1, b: 2 } }),
    )
  })

  it('keeps array order and leaves out undefined members, as JSON.stringify does', () => {
    expect(canonicalJson([2, 1, { a: undefined, b: 'x' }])).toBe('[2,1,{"b":"x"}]')
    expect(canonicalJson(undefined)).toBe('null')
  })
})
