import { describe, expect, it } from 'vitest'
import { createMemoryConsumedGrantStore } from './consumed-grant-store.js'
import { DpopProofError } from './dpop.js'
import { AccessTokenError, AssuranceError } from './errors.js'
import { InvalidRequestError } from './request-input.js'

describe('AssuranceError, the base class of the package', () => {
  it('is the class of every request-time error, each with its code', () => {
    const cause = new Error('underlying')
    const token = new AccessTokenError('ERR_TOKEN_EXPIRED', undefined, { cause })
    const proof = new DpopProofError('ERR_DPOP_NONCE_MISSING', 'no nonce', { nonce: 'n1', cause })
    const request = new InvalidRequestError('The request has no device', { cause })
    for (const error of [token, proof, request]) {
      expect(error).toBeInstanceOf(AssuranceError)
      expect(error.cause).toBe(cause)
    }
    expect([token.code, proof.code, request.code]).toEqual([
      'ERR_TOKEN_EXPIRED',
      'ERR_DPOP_NONCE_MISSING',
      'ERR_REQUEST_INVALID',
    ])
    expect(InvalidRequestError.code).toBe('ERR_REQUEST_INVALID')
    expect([token.name, proof.name, request.name]).toEqual([
      'AccessTokenError',
      'DpopProofError',
      'InvalidRequestError',
    ])
    expect(proof.nonce).toBe('n1')
  })

  it('leaves cause unset when none is given', () => {
    expect('cause' in new DpopProofError('ERR_DPOP_MISSING')).toBe(false)
    expect('cause' in new InvalidRequestError('x')).toBe(false)
  })

  it('is what a full consumed grant store rejects with', async () => {
    const store = createMemoryConsumedGrantStore({ max: 1 })
    await store.add('a', 60)
    const refusal = store.add('b', 60)
    await expect(refusal).rejects.toBeInstanceOf(AssuranceError)
    await expect(refusal).rejects.toMatchObject({
      name: 'AssuranceError',
      code: 'ERR_GRANT_STORE_FULL',
    })
  })
})
