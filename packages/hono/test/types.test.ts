import type { AssuranceRequirement, StepUpAuth } from '@stepup/assurance'
import { parseAccessTokenClaims } from '@stepup/assurance'
import { type Context, type Env, Hono, type MiddlewareHandler } from 'hono'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { type RequireAssurance, type StepUpEnv, type StepUpOptions, stepUp } from '../src/index.ts'

const verify = async () => parseAccessTokenClaims({ sub: 'alice', acr: 'phr' })
const bearer = { headers: { authorization: 'Bearer t' } }

type Workers = { Bindings: { REGION: string }; Variables: { requestId: string } }

describe('types', () => {
  it('c.get("auth") is StepUpAuth in the route after the middleware', async () => {
    const requireAssurance = stepUp({ verify })
    expectTypeOf(requireAssurance).toEqualTypeOf<RequireAssurance>()
    expectTypeOf(requireAssurance({ acr_values: ['phr'] })).toEqualTypeOf<
      MiddlewareHandler<StepUpEnv>
    >()
    const app = new Hono().get('/me', requireAssurance({ acr_values: ['phr'] }), (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<StepUpAuth>()
      expectTypeOf(c.var.auth).toEqualTypeOf<StepUpAuth>()
      return c.text(c.get('auth').claims.acr ?? '')
    })
    expect(await (await app.request('/me', bearer)).text()).toBe('phr')
  })

  it("keeps the app's own Env next to StepUpEnv", async () => {
    const requireAssurance = stepUp<Workers>({
      verify,
      signals: (c) => {
        expectTypeOf(c).toEqualTypeOf<Context<Workers>>()
        expectTypeOf(c.env.REGION).toEqualTypeOf<string>()
        return { region: c.env.REGION }
      },
    })
    const app = new Hono<Workers>().get(
      '/me',
      requireAssurance((c) => {
        expectTypeOf(c.env.REGION).toEqualTypeOf<string>()
        expectTypeOf(c.get('requestId')).toEqualTypeOf<string>()
        return c.env.REGION === 'eu' ? { acr_values: ['phr'] } : { acr_values: ['phrh'] }
      }),
      (c) => {
        expectTypeOf(c.get('auth')).toEqualTypeOf<StepUpAuth>()
        expectTypeOf(c.env.REGION).toEqualTypeOf<string>()
        return c.text('ok')
      },
    )
    expect((await app.request('/me', bearer, { REGION: 'eu' })).status).toBe(200)
    expect((await app.request('/me', bearer, { REGION: 'us' })).status).toBe(401)
  })

  it('an app typed with StepUpEnv reads c.get("auth") on routes behind app.use', async () => {
    const app = new Hono<StepUpEnv>()
    app.use(stepUp({ verify })())
    app.get('/me', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<StepUpAuth>()
      return c.text(c.get('auth').claims.sub ?? '')
    })
    expect(await (await app.request('/me', bearer)).text()).toBe('alice')
  })

  it('the requirement is a route argument, typed with the wire names', () => {
    const requireAssurance = stepUp({ verify })
    const byContext = requireAssurance((c) => {
      expectTypeOf(c).toEqualTypeOf<Context<Env>>()
      return { acr_values: ['phr'] } satisfies AssuranceRequirement
    })
    expectTypeOf(byContext).toEqualTypeOf<MiddlewareHandler<StepUpEnv>>()
    // @ts-expect-error: requirement keys are the wire names (acr_values)
    expect(() => requireAssurance({ acrValues: ['phr'] })).toThrow(
      expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }),
    )
    // @ts-expect-error: the requirement goes to each route, not to stepUp()
    const options: StepUpOptions = { verify, requirement: { acr_values: ['phr'] } }
    expect(() => stepUp(options)).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_OPTION' }))
  })
})
