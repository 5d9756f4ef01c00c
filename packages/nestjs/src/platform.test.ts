import { describe, expect, it } from 'vitest'
import { platformOf } from './platform.js'

describe('platformOf', () => {
  it('refuses a Nest platform other than express and fastify with ERR_PLATFORM_UNSUPPORTED', () => {
    for (const type of ['koa', undefined]) {
      expect(() => platformOf(type, 'StepUpGuard')).toThrow(
        expect.objectContaining({ name: 'TypeError', code: 'ERR_PLATFORM_UNSUPPORTED' }),
      )
    }
  })

  it('knows express and fastify', () => {
    expect(platformOf('express', 'f')).toBeDefined()
    expect(platformOf('fastify', 'f')).toBeDefined()
  })
})
