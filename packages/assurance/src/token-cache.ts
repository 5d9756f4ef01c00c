/** A bounded LRU map whose entries carry an absolute expiry (epoch seconds). */
export interface TokenCache<V> {
  get(key: string, now: number): V | undefined
  set(key: string, value: V, expiresAt: number, now: number): void
  readonly size: number
}

/** Create a {@link TokenCache} holding at most `max` entries (least recently used evicted). */
export function createTokenCache<V>(max: number): TokenCache<V> {
  const map = new Map<string, { v: V; e: number }>()
  return {
    get(key, now) {
      const hit = map.get(key)
      if (!hit) return undefined
      map.delete(key)
      if (hit.e <= now) return undefined
      map.set(key, hit)
      return hit.v
    },
    set(key, v, e, now) {
      if (e <= now) return
      map.delete(key)
      if (map.size >= max) map.delete(map.keys().next().value as string)
      map.set(key, { v, e })
    },
    get size() {
      return map.size
    },
  }
}

const encoder = new TextEncoder()

/** SHA-256 of `text`, hex-encoded. */
export async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}
