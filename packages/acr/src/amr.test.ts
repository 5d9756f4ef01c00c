import { describe, expect, it } from 'vitest'
import { AMR, type AmrValue, isRegisteredAmr } from './amr.js'

describe('AMR (RFC 8176 §2 + EAP pop)', () => {
  it('holds the 21 registered values, each keyed by itself', () => {
    const values = Object.values(AMR)
    expect(values).toHaveLength(21)
    for (const [key, value] of Object.entries(AMR)) expect(key).toBe(value)
    expect(Object.isFrozen(AMR)).toBe(true)
    const typed: AmrValue = AMR.pop
    expect(typed).toBe('pop')
  })

  it('recognises registered values case-sensitively and nothing else', () => {
    expect(isRegisteredAmr('hwk')).toBe(true)
    expect(isRegisteredAmr('HWK')).toBe(false)
    expect(isRegisteredAmr('toString')).toBe(false)
    expect(isRegisteredAmr('__proto__')).toBe(false)
    expect(isRegisteredAmr(undefined)).toBe(false)
  })
})
