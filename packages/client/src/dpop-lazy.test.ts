import { describe, expect, it, vi } from 'vitest'

// The signing module (and jose with it) is loaded with the first DPoP proof, never before.
const loaded = vi.hoisted(() => ({ count: 0 }))
vi.mock('./dpop-sign.js', async (original) => {
  loaded.count++
  return original()
})

const { createDpopSigner } = await import('./dpop.js')
const { createStepUpFetch } = await import('./step-up-fetch.js')

describe('the DPoP signing code is loaded only when a proof is signed', () => {
  it('a Bearer fetch never loads it; the first proof does, once', async () => {
    const api = createStepUpFetch({
      allowedOrigins: ['https://api.example.com'],
      getAccessToken: () => 't',
      stepUp: () => 'u',
      fetch: async () => new Response('ok'),
    })
    expect((await api('https://api.example.com/a')).status).toBe(200)
    expect(loaded.count).toBe(0)

    const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])
    const signer = createDpopSigner({ keyPair }, 'test')
    expect(loaded.count).toBe(0)
    const proofs = [
      await signer.proof('GET', 'https://api.example.com/a', 't', undefined),
      await signer.proof('GET', 'https://api.example.com/b', 't', 'n'),
    ]
    expect(proofs.every((p) => p.split('.').length === 3)).toBe(true)
    expect(loaded.count).toBe(1)
  })
})
