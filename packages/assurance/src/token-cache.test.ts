import { describe, expect, it } from 'vitest'
import { createTokenCache, sha256 } from './token-cache.js'

describe('token cache', () => {
  it('is an LRU bounded to max entries', () => {
    const cache = createTokenCache<number>(2)
    cache.set('a', 1, 100, 0)
    cache.set('b', 2, 100, 0)
    expect(cache.get('a', 0)).toBe(1)
    cache.set('c', 3, 100, 0)
    expect(cache.size).toBe(2)
    expect(cache.get('b', 0)).toBeUndefined()
    expect(cache.get('a', 0)).toBe(1)
    expect(cache.get('c', 0)).toBe(3)
  })

  it('never returns an entry at or after its expiry, and never stores an expired one', () => {
    const cache = createTokenCache<number>(10)
    cache.set('a', 1, 50, 0)
    expect(cache.get('a', 49)).toBe(1)
    expect(cache.get('a', 50)).toBeUndefined()
    expect(cache.size).toBe(0)
    cache.set('b', 2, 50, 50)
    expect(cache.size).toBe(0)
  })

  it('keys by SHA-256 (hex), so tokens are not kept', async () => {
    expect(await sha256('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })
})
