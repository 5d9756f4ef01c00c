import {
  Catch,
  Controller,
  type DynamicModule,
  Get,
  type INestApplication,
  Module,
  Post,
  Req,
} from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import type { StepUpEvent } from '@stepup/assurance'
import {
  AccessTokenError,
  amountThreshold,
  createRiskPolicy,
  parseAccessTokenClaims,
} from '@stepup/assurance'
import { afterEach, describe, expect, it } from 'vitest'
import {
  Auth,
  RequireAssurance,
  type StepUpAuth,
  StepUpException,
  StepUpGuard,
  StepUpModule,
} from '../src/index.ts'

const now = () => Math.floor(Date.now() / 1000)
const detail = (amount: string) => ({
  type: 'payment_initiation',
  instructedAmount: { currency: 'EUR', amount },
})

/** Tokens by name: `strong` (fresh phrh), `weak` (password), `pays-N` (phrh, granting N EUR). */
const calls: string[] = []
async function verify(token: string) {
  calls.push(token)
  if (token === 'down') throw new AccessTokenError('ERR_VERIFIER_UNAVAILABLE', 'JWKS unreachable')
  const base = { sub: 'alice', scope: 'accounts:read', auth_time: now() - 5 }
  if (token === 'strong') return parseAccessTokenClaims({ ...base, acr: 'phrh' })
  if (token === 'weak') return parseAccessTokenClaims({ ...base, acr: 'urn:bank:pwd' })
  const pays = /^pays-(\d+)$/.exec(token)
  if (pays)
    return parseAccessTokenClaims({
      ...base,
      acr: 'phrh',
      authorization_details: [detail(pays[1]!)],
    })
  throw new AccessTokenError('ERR_TOKEN_SIGNATURE_INVALID', 'unknown token')
}

const transfers = createRiskPolicy([
  amountThreshold({
    type: 'payment_initiation',
    thresholds: [{ atLeast: '1000', acr_values: ['phr'], max_age: 300 }],
    bind: true,
  }),
])

@Controller('accounts')
@RequireAssurance({ scope: ['accounts:read'] })
class AccountsController {
  @Get()
  list(@Auth() auth: StepUpAuth) {
    return { sub: auth.claims.sub, acr: auth.claims.acr, token: auth.token }
  }

  // The handler's requirement replaces the controller's (its scope is not added).
  @Get('statements')
  @RequireAssurance({ acr_values: ['phr'], max_age: 300 })
  statements(@Auth() auth: StepUpAuth) {
    return { sub: auth.claims.sub }
  }

  @Get('admin')
  @RequireAssurance({ scope: ['admin'] })
  admin() {
    return { admin: true }
  }
}

@Controller('transfers')
class TransfersController {
  @Post()
  @RequireAssurance(transfers)
  create(@Auth() auth: StepUpAuth, @Req() req: { body: unknown }) {
    return { fired: auth.decision.fired, body: req.body }
  }

  @Post('strict')
  @RequireAssurance((req: { headers: Record<string, unknown> }) => ({
    max_age: req.headers['x-strict'] ? 0 : 300,
  }))
  strict() {
    return { ok: true }
  }
}

@Controller('open')
class OpenController {
  @Get()
  open(@Auth() auth: StepUpAuth) {
    return { sub: auth.claims.sub }
  }
}

type PlatformName = 'express' | 'fastify'
const apps: INestApplication[] = []
afterEach(async () => {
  calls.length = 0
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

async function start(
  platform: PlatformName,
  root: DynamicModule | (new () => object),
  before: (app: INestApplication) => void = () => {},
) {
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter()
  // abortOnError: false, so a failed start rejects instead of exiting the process.
  const app = await NestFactory.create(root, adapter, { logger: false, abortOnError: false })
  apps.push(app)
  before(app)
  await app.listen(0, '127.0.0.1')
  return (await app.getUrl()).replace('[::1]', '127.0.0.1')
}

function appModule(
  options: Parameters<typeof StepUpModule.forRoot>[0],
  extra: { controllers?: (new (...a: never[]) => object)[]; providers?: unknown[] } = {},
): DynamicModule {
  class AppModule {}
  return {
    module: AppModule,
    imports: [StepUpModule.forRoot(options)],
    controllers: extra.controllers ?? [AccountsController, TransfersController, OpenController],
    providers: (extra.providers ?? []) as never,
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const json = { 'content-type': 'application/json' }
const ACR = 'A different authentication level is required'

async function answer(res: Response) {
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    text: await res.text(),
  }
}

describe.each(['express', 'fastify'] as const)('@stepup/nestjs on %s', (platform) => {
  it('lets a token meeting the requirement through, with @Auth() on the handler', async () => {
    const base = await start(platform, appModule({ verify, realm: 'bank' }))
    const res = await fetch(`${base}/accounts`, { headers: bearer('strong') })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ sub: 'alice', acr: 'phrh', token: 'strong' })
  })

  it('answers a weaker sign-in with the RFC 9470 step-up challenge, not an exception page', async () => {
    const base = await start(platform, appModule({ verify, realm: 'bank' }))
    const res = await fetch(`${base}/accounts/statements`, { headers: bearer('weak') })
    expect(await answer(res)).toEqual({
      status: 401,
      challenge: `Bearer realm="bank", error="insufficient_user_authentication", error_description="${ACR}", acr_values="phr", max_age="300"`,
      text: JSON.stringify({ error: 'insufficient_user_authentication', error_description: ACR }),
    })
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/)
  })

  it('answers no credentials with a bare challenge and an empty body', async () => {
    const base = await start(platform, appModule({ verify, realm: 'bank' }))
    const res = await fetch(`${base}/accounts`)
    expect(await answer(res)).toEqual({ status: 401, challenge: 'Bearer realm="bank"', text: '' })
  })

  it('answers a verifier outage with 503 and no challenge', async () => {
    const base = await start(platform, appModule({ verify, realm: 'bank' }))
    const res = await fetch(`${base}/accounts`, { headers: bearer('down') })
    expect(await answer(res)).toEqual({
      status: 503,
      challenge: null,
      text: JSON.stringify({
        error: 'temporarily_unavailable',
        error_description: 'The access token cannot be verified right now',
      }),
    })
  })

  it('runs a risk policy over the RAR details of the parsed JSON body', async () => {
    const base = await start(platform, appModule({ verify }))
    const body = JSON.stringify({ authorization_details: [detail('5000')] })
    const ok = await fetch(`${base}/transfers`, {
      method: 'POST',
      headers: { ...bearer('pays-5000'), ...json },
      body,
    })
    expect(ok.status).toBe(201)
    expect(await ok.json()).toEqual({
      fired: ['amount:payment_initiation'],
      body: { authorization_details: [detail('5000')] },
    })
    const weak = await fetch(`${base}/transfers`, {
      method: 'POST',
      headers: { ...bearer('weak'), ...json },
      body,
    })
    expect(await answer(weak)).toEqual({
      status: 401,
      challenge: `Bearer error="insufficient_user_authentication", error_description="${ACR}", acr_values="phr", max_age="300"`,
      text: JSON.stringify({
        error: 'insufficient_user_authentication',
        error_description: ACR,
        authorization_details: [detail('5000')],
      }),
    })
  })

  it('resolves a requirement function per request', async () => {
    const base = await start(platform, appModule({ verify }))
    const send = (headers: Record<string, string>) =>
      fetch(`${base}/transfers/strict`, {
        method: 'POST',
        headers: { ...bearer('strong'), ...headers },
      })
    expect((await send({})).status).toBe(201)
    const strict = await send({ 'x-strict': '1' })
    expect(strict.status).toBe(401)
    expect(strict.headers.get('www-authenticate')).toContain('max_age="0"')
  })

  it("a handler's requirement replaces its controller's; other handlers keep the controller's", async () => {
    const base = await start(platform, appModule({ verify }))
    // The controller asks for accounts:read, the admin handler for admin only.
    const admin = await fetch(`${base}/accounts/admin`, { headers: bearer('strong') })
    expect(admin.status).toBe(403)
    expect(admin.headers.get('www-authenticate')).toContain('scope="admin"')
    expect(admin.headers.get('www-authenticate')).not.toContain('accounts:read')
    // The statements handler asks for phr only: a token without accounts:read would pass it too.
    const statements = await fetch(`${base}/accounts/statements`, { headers: bearer('strong') })
    expect(statements.status).toBe(200)
    const list = await fetch(`${base}/accounts`, { headers: bearer('weak') })
    expect(list.status).toBe(200)
  })

  it('an APP_GUARD applies the module requirement to routes without their own, verifying once', async () => {
    const events: StepUpEvent[] = []
    const base = await start(
      platform,
      appModule(
        { verify, requirement: { acr_values: ['phrh'] }, onDecision: (e) => events.push(e) },
        { providers: [{ provide: APP_GUARD, useClass: StepUpGuard }] },
      ),
    )
    const open = await fetch(`${base}/open`, { headers: bearer('weak') })
    expect(open.status).toBe(401)
    expect(open.headers.get('www-authenticate')).toContain('acr_values="phrh"')
    expect(await (await fetch(`${base}/open`, { headers: bearer('strong') })).json()).toEqual({
      sub: 'alice',
    })
    // The route's own requirement wins over the module's; the app-wide guard and the route's
    // guard decide once between them.
    calls.length = 0
    events.length = 0
    const list = await fetch(`${base}/accounts`, { headers: bearer('weak') })
    expect(list.status).toBe(200)
    expect(calls).toEqual(['weak'])
    expect(events.map((e) => e.status)).toEqual([200])
  })

  it('@Auth() on a route no guard ran for is a 500, never an unauthenticated call', async () => {
    const base = await start(platform, appModule({ verify }, { controllers: [OpenController] }))
    const res = await fetch(`${base}/open`, { headers: bearer('strong') })
    expect(res.status).toBe(500)
    expect(await res.text()).not.toContain('alice')
  })

  it('throws a StepUpException with the status for exception filters, after the answer is sent', async () => {
    const seen: unknown[] = []
    @Catch(StepUpException)
    class Seen {
      catch(exception: StepUpException) {
        seen.push([exception.getStatus(), exception.code, exception.body])
      }
    }
    const base = await start(platform, appModule({ verify }), (app) => {
      app.useGlobalFilters(new Seen())
    })
    const res = await fetch(`${base}/accounts/statements`, { headers: bearer('weak') })
    expect(res.status).toBe(401)
    expect(seen).toEqual([
      [
        401,
        'ERR_ACCESS_INSUFFICIENT_USER_AUTHENTICATION',
        { error: 'insufficient_user_authentication', error_description: ACR },
      ],
    ])
  })

  it('serves the RFC 9728 metadata document when given one', async () => {
    const base = await start(
      platform,
      appModule({
        verify,
        metadata: {
          resource: 'https://api.example.com/accounts',
          authorization_servers: ['https://as.example.com'],
        },
      }),
    )
    const res = await fetch(`${base}/.well-known/oauth-protected-resource/accounts`)
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(await res.json()).toEqual({
      resource: 'https://api.example.com/accounts',
      authorization_servers: ['https://as.example.com'],
    })
  })

  it('forRootAsync takes the options from a factory of injected providers', async () => {
    @Module({ providers: [{ provide: 'REALM', useValue: 'from-config' }], exports: ['REALM'] })
    class ConfigModule {}
    class AppModule {}
    const base = await start(platform, {
      module: AppModule,
      imports: [
        StepUpModule.forRootAsync({
          imports: [ConfigModule],
          inject: ['REALM'],
          useFactory: async (realm: string) => ({ verify, realm }),
        }),
      ],
      controllers: [AccountsController],
    })
    const res = await fetch(`${base}/accounts`)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="from-config"')
  })
})

describe("the request body on Express without Nest's body parser", () => {
  it('is read by the guard within bodyLimit and left on req.body for the handler', async () => {
    const adapter = new ExpressAdapter()
    const app = await NestFactory.create(appModule({ verify, bodyLimit: 1024 }), adapter, {
      logger: false,
      bodyParser: false,
    })
    apps.push(app)
    await app.listen(0, '127.0.0.1')
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1')
    const post = (body: string) =>
      fetch(`${base}/transfers`, {
        method: 'POST',
        headers: { ...bearer('pays-5000'), ...json },
        body,
      })
    const ok = await post(JSON.stringify({ authorization_details: [detail('5000')] }))
    expect(await ok.json()).toEqual({
      fired: ['amount:payment_initiation'],
      body: { authorization_details: [detail('5000')] },
    })
    const large = await post(
      JSON.stringify({ authorization_details: [detail('5000')], memo: 'x'.repeat(2048) }),
    )
    expect(large.status).toBe(400)
    expect(await large.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body is too large',
    })
  })
})

function thrownBy(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  return undefined
}

describe('options are checked before any request', () => {
  it('forRoot throws ERR_UNKNOWN_OPTION for an unknown key, naming the nearest', () => {
    const error = thrownBy(() => StepUpModule.forRoot({ verify, relam: 'bank' } as never))
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toMatchObject({
      code: 'ERR_UNKNOWN_OPTION',
      message: 'StepUpModule.forRoot: unknown option "relam" (did you mean "realm"?)',
    })
  })

  it('forRoot checks dpop keys, the metadata document and a missing verify', () => {
    expect(
      thrownBy(() => StepUpModule.forRoot({ verify, dpop: { alg: ['ES256'] } } as never)),
    ).toMatchObject({ code: 'ERR_UNKNOWN_OPTION' })
    expect(
      thrownBy(() =>
        StepUpModule.forRoot({ verify, metadata: { resource: 'http://api.example.com' } }),
      ),
    ).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    expect(thrownBy(() => StepUpModule.forRoot({} as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
  })

  it('forRootAsync refuses an unknown key of its own at once', () => {
    expect(
      thrownBy(() =>
        StepUpModule.forRootAsync({ useFactory: () => ({ verify }), injects: [] } as never),
      ),
    ).toMatchObject({ code: 'ERR_UNKNOWN_OPTION', message: expect.stringContaining('"injects"') })
  })

  it.each(['express', 'fastify'] as const)(
    'forRootAsync: an unknown key from the factory fails the start (%s)',
    async (platform) => {
      class AppModule {}
      const root = {
        module: AppModule,
        imports: [
          StepUpModule.forRootAsync({ useFactory: () => ({ verify, relam: 'x' }) as never }),
        ],
      }
      await expect(start(platform, root)).rejects.toMatchObject({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'StepUpModule.forRootAsync: unknown option "relam" (did you mean "realm"?)',
      })
    },
  )

  it('an unknown requirement key in @RequireAssurance fails the start', async () => {
    @Controller('typo')
    class TypoController {
      @Get()
      @RequireAssurance({ acr_value: ['phr'] } as never)
      get() {
        return 'never'
      }
    }
    await expect(
      start('express', appModule({ verify }, { controllers: [TypoController] })),
    ).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_OPTION',
      message: expect.stringContaining('"acr_value"'),
    })
  })

  it('@RequireAssurance refuses what is not a requirement, a function or a policy', () => {
    expect(thrownBy(() => RequireAssurance('phr' as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
  })
})
