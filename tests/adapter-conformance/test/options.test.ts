import { requireAssurance, stepUpMiddleware } from '@stepup/effect'
import { stepUp as expressStepUp } from '@stepup/express'
import fastifyStepUp from '@stepup/fastify'
import { withStepUp } from '@stepup/fetch'
import Fastify5 from 'fastify'
import Fastify4 from 'fastify4'
import { describe, expect, it } from 'vitest'
import { fakeVerify } from '../src/fixtures.ts'

/**
 * Unknown option keys are errors, at the factory, before any request: a misspelt `realm` or
 * `requirement` would otherwise leave a route guarded by less than its author wrote.
 */
const TYPOS = [
  ['relam', { relam: 'x' }],
  ['requirements', { requirements: {} }],
  ['acr_value', { requirement: { acr_value: ['phr'] } }],
] as const

function expectUnknownOption(error: unknown, key: string) {
  expect(error).toBeInstanceOf(TypeError)
  expect(error).toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
  expect((error as Error).message).toContain(`"${key}"`)
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  return undefined
}

describe.each(TYPOS)('unknown option %s', (key, typo) => {
  it('@stepup/express stepUp() throws', () => {
    expectUnknownOption(
      thrownBy(() => expressStepUp({ verify: fakeVerify, ...typo } as never)),
      key,
    )
  })

  it('@stepup/fetch withStepUp() throws', () => {
    const handler = () => new Response(null)
    expectUnknownOption(
      thrownBy(() => withStepUp(handler, { verify: fakeVerify, ...typo } as never)),
      key,
    )
  })

  it('@stepup/effect stepUpMiddleware() and requireAssurance() throw', () => {
    expectUnknownOption(
      thrownBy(() => stepUpMiddleware(typo as never)),
      key,
    )
    expectUnknownOption(
      thrownBy(() => requireAssurance(typo as never)),
      key,
    )
  })

  it.each([
    ['Fastify 5', Fastify5],
    ['Fastify 4', Fastify4 as unknown as typeof Fastify5],
  ])('@stepup/fastify on %s refuses it', async (_name, Fastify) => {
    const app = Fastify()
    try {
      if ('requirement' in typo) {
        // The requirement is requireAssurance()'s argument, not a plugin option.
        await app.register(fastifyStepUp, { verify: fakeVerify })
        expectUnknownOption(
          thrownBy(() => app.requireAssurance(typo.requirement as never)),
          key,
        )
      } else {
        const error = await app
          .register(fastifyStepUp, { verify: fakeVerify, ...typo } as never)
          .then(
            () => undefined,
            (e: unknown) => e,
          )
        expectUnknownOption(error, key)
      }
    } finally {
      await app.close()
    }
  })
})
