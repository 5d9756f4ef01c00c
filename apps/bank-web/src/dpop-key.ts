/**
 * The DPoP key pair this browser binds its tokens to (RFC 9449), kept in IndexedDB so that it
 * survives reloads and the full-page redirect. The private key is generated non-extractable: the
 * page can sign with it, but no script (nor an XSS) can read it out to use elsewhere. IndexedDB
 * stores the `CryptoKey` objects themselves (structured clone), never key material.
 */

const DB = 'bank-web'
const STORE = 'keys'
const KEY = 'dpop'

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(STORE)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/** Runs one request on the key store and resolves its result once the transaction commits. */
async function run<T>(
  mode: IDBTransactionMode,
  action: (store: IDBObjectStore) => IDBRequest,
): Promise<T> {
  const db = await open()
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode)
      const request = action(tx.objectStore(STORE))
      tx.oncomplete = () => resolve(request.result as T)
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error)
    })
  } finally {
    db.close()
  }
}

let current: Promise<CryptoKeyPair> | undefined

/** The browser's DPoP key pair (ES256): the stored one, or a new one stored first. */
export function dpopKeyPair(): Promise<CryptoKeyPair> {
  current ??= (async () => {
    const stored = await run<CryptoKeyPair | undefined>('readonly', (s) => s.get(KEY))
    if (stored?.privateKey && stored.publicKey) return stored
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])
    await run('readwrite', (s) => s.put(pair, KEY))
    return pair
  })()
  current.catch(() => {
    current = undefined
  })
  return current
}

/** Forgets the key pair (at sign-out): tokens bound to it can no longer be used from here. */
export async function forgetDpopKeyPair(): Promise<void> {
  current = undefined
  await run('readwrite', (s) => s.delete(KEY))
}
