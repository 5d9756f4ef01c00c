import { requireAssurance, stepUpMiddleware } from '@stepup/effect'
import { stepUp as expressStepUp } from '@stepup/express'
import fastifyStepUp from '@stepup/fastify'
import { withStepUp } from '@stepup/fetch'
import { stepUp as honoStepUp } from '@stepup/hono'
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
})

const FASTIFY = [
  ['Fastify 5', Fastify5],
  ['Fastify 4', Fastify4 as unknown as typeof Fastify5],
] as const

describe.each(FASTIFY)('@stepup/fastify on %s', (_name, Fastify) => {
  it.each(TYPOS.slice(0, 2))('register() rejects the plugin option %s', async (key, typo) => {
    const app = Fastify()
    const error = await app.register(fastifyStepUp, { verify: fakeVerify, ...typo } as never).then(
      () => undefined,
      (e: unknown) => e,
    )
    expectUnknownOption(error, key)
    await app.close().catch(() => undefined)
  })

  // The requirement is requireAssurance()'s argument, not a plugin option.
  it('requireAssurance() throws on a requirement with acr_value', async () => {
    const app = Fastify()
    await app.register(fastifyStepUp, { verify: fakeVerify })
    expectUnknownOption(
      thrownBy(() => app.requireAssurance({ acr_value: ['phr'] } as never)),
      'acr_value',
    )
    await app.close()
  })
})

describe('@stepup/hono', () => {
  it.each(TYPOS.slice(0, 2))('stepUp() throws on the option %s', (key, typo) => {
    expectUnknownOption(
      thrownBy(() => honoStepUp({ verify: fakeVerify, ...typo } as never)),
      key,
    )
  })

  // The requirement is requireAssurance()'s argument, not an option of stepUp().
  it('requireAssurance() throws on a requirement with acr_value', () => {
    const requireAssurance = honoStepUp({ verify: fakeVerify })
    expectUnknownOption(
      thrownBy(() => requireAssurance({ acr_value: ['phr'] } as never)),
      'acr_value',
    )
  })
})
