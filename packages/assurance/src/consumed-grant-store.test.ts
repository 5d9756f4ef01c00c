import { describe, expect, it } from 'vitest'
import { createMemoryConsumedGrantStore } from './consumed-grant-store.js'

describe('in-memory ConsumedGrantStore', () => {
  it('adds a key once until it expires', async () => {
    let now = 1000
    const store = createMemoryConsumedGrantStore({ now: () => now })
    expect(await store.has('k')).toBe(false)
    expect(await store.add('k', 60)).toBe(true)
    expect(await store.add('k', 60)).toBe(false)
    expect(await store.has('k')).toBe(true)
    now = 1060
    expect(await store.has('k')).toBe(false)
    expect(await store.add('k', 60)).toBe(true)
  })

  it('is atomic for concurrent adds of the same key', async () => {
    const store = createMemoryConsumedGrantStore()
    const results = await Promise.all(Array.from({ length: 10 }, () => store.add('same', 60)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  it('sweeps expired keys when full and refuses rather than forget a live key', async () => {
    let now = 0
    const store = createMemoryConsumedGrantStore({ max: 2, now: () => now })
    await store.add('a', 10)
    await store.add('b', 100)
    now = 10
    expect(await store.add('c', 100)).toBe(true)
    await expect(store.add('d', 100)).rejects.toMatchObject({ code: 'ERR_GRANT_STORE_FULL' })
    expect(await store.has('b')).toBe(true)
  })

  it('bounds each group: one group at maxPerGroup is refused, the others are served', async () => {
    let now = 0
    const store = createMemoryConsumedGrantStore({
      max: 100,
      maxPerGroup: 2,
      group: (key) => key.split(' ')[0] ?? '',
      now: () => now,
    })
    expect(await store.add('a 1', 10)).toBe(true)
    expect(await store.add('a 2', 100)).toBe(true)
    await expect(store.add('a 3', 10)).rejects.toMatchObject({ code: 'ERR_GRANT_STORE_GROUP_FULL' })
    expect(await store.add('b 1', 10)).toBe(true)
    expect(await store.add('a 1', 10)).toBe(false)
    // A key of the group expiring makes room in that group again.
    now = 10
    expect(await store.add('a 3', 10)).toBe(true)
    expect(await store.has('a 2')).toBe(true)
  })

  it('still bounds the whole store with max', async () => {
    const store = createMemoryConsumedGrantStore({
      max: 2,
      maxPerGroup: 5,
      group: (key) => key.split(' ')[0] ?? '',
    })
    await store.add('a 1', 10)
    await store.add('b 1', 10)
    await expect(store.add('c 1', 10)).rejects.toMatchObject({ code: 'ERR_GRANT_STORE_FULL' })
  })

  it('refuses bad options and TTLs', async () => {
    expect(() => createMemoryConsumedGrantStore({ max: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
    expect(() => createMemoryConsumedGrantStore({ maxPerGroup: 5 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
    expect(() => createMemoryConsumedGrantStore({ max: Infinity })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    )
    expect(() => createMemoryConsumedGrantStore({ maxEntries: 5 } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'createMemoryConsumedGrantStore: unknown option "maxEntries"',
      }),
    )
    await expect(createMemoryConsumedGrantStore().add('k', -1)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    })
  })
})
