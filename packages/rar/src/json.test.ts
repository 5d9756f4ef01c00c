import { checkProperty } from '@stepup/internal/property'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { utf8Length } from './json.js'

const encoder = new TextEncoder()

describe('utf8Length', () => {
  it.each([
    ['', 0],
    ['ascii', 5],
    ['é', 2],
    ['€', 3],
    ['\ud83d\ude00', 4],
    ['\ud83d', 3],
    ['\ude00', 3],
    ['\ude00\ud83d', 6],
    ['a\ud83dz', 5],
  ])('counts %j as %i bytes', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes)
  })

  it('agrees with TextEncoder on any UTF-16 string, lone surrogates included', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
      fc.integer({ min: 0, max: 0x7ff }),
    )
    checkProperty(
      fc.property(fc.array(unit, { maxLength: 20 }), (units) => {
        const text = String.fromCharCode(...units)
        expect(utf8Length(text)).toBe(encoder.encode(text).length)
      }),
      { numRuns: 2000 },
    )
  })
})
