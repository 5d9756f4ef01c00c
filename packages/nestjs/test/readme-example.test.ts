import {
  Controller,
  Delete,
  Get,
  type INestApplication,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { amountThreshold, createJwtAccessTokenVerifier, createRiskPolicy } from '@stepup/assurance'
import { runTransferRecipe, transferRequest } from '@stepup/internal/transfer-recipe'
import { createAuthorizationDetailsRegistry } from '@stepup/rar'
import { bankTransactionDetailType } from '@stepup/rar/types/bank-transaction'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { Auth, RequireAssurance, type StepUpAuth, StepUpGuard, StepUpModule } from '../src/index.ts'

const { publicKey, privateKey } = await generateKeyPair('ES256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] }

/** An RFC 9068 access token from the README's issuer, for the README's audience. */
const token = (claims: Record<string, unknown>) =>
  new SignJWT({
    sub: 'alice',
    client_id: 'bank-web',
    auth_time: Math.floor(Date.now() / 1000),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setJti(crypto.randomUUID())
    .setIssuer('https://as.example.com')
    .setAudience('https://api.example.com')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)

const apps: INestApplication[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

const ACR = 'A different authentication level is required'

describe.each(['express', 'fastify'] as const)('README on %s', (platform) => {
  async function listen(root: new () => object): Promise<string> {
    const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter()
    const app = await NestFactory.create(root, adapter, { logger: false })
    apps.push(app)
    await app.listen(0, '127.0.0.1')
    return (await app.getUrl()).replace('[::1]', '127.0.0.1')
  }

  it('README example: a transfer needs phr within 300 s', async () => {
    // --- README example (with a local key set instead of the issuer's JWKS URL) ---
    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
    })

    @Controller('transfers')
    class TransfersController {
      @Post()
      @RequireAssurance({ acr_values: ['phr'], max_age: 300 })
      create(@Auth() auth: StepUpAuth) {
        return { from: auth.claims.sub }
      }
    }

    @Module({
      imports: [StepUpModule.forRoot({ verify: verifier, realm: 'bank' })],
      controllers: [TransfersController],
    })
    class AppModule {}
    // --- end of README example ---

    const url = `${await listen(AppModule)}/transfers`
    const weak = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token({ acr: 'pwd' })}` },
    })
    expect(weak.status).toBe(401)
    expect(weak.headers.get('www-authenticate')).toBe(
      `Bearer realm="bank", error="insufficient_user_authentication", error_description="${ACR}", acr_values="phr", max_age="300"`,
    )
    expect(await weak.json()).toEqual({
      error: 'insufficient_user_authentication',
      error_description: ACR,
    })
    const strong = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token({ acr: 'phr' })}` },
    })
    expect(strong.status).toBe(201)
    expect(await strong.json()).toEqual({ from: 'alice' })
  })

  it('any valid token: @RequireAssurance() without a requirement, or @UseGuards(StepUpGuard)', async () => {
    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
    })
    // --- README recipe: any valid token ---
    @Controller('me')
    class MeController {
      @Get()
      @RequireAssurance()
      me(@Auth() auth: StepUpAuth) {
        return { sub: auth.claims.sub, scopes: auth.claims.scopes }
      }

      @Get('plain')
      @UseGuards(StepUpGuard) // the module's requirement: here none, so any valid token
      plain(@Auth() auth: StepUpAuth) {
        return { sub: auth.claims.sub }
      }
    }
    // --- end of README recipe ---
    @Module({
      imports: [StepUpModule.forRoot({ verify: verifier, realm: 'bank' })],
      controllers: [MeController],
    })
    class AppModule {}

    const base = await listen(AppModule)
    for (const path of ['/me', '/me/plain']) {
      const anonymous = await fetch(`${base}${path}`)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="bank"')
      expect(await anonymous.text()).toBe('')
      const forged = await fetch(`${base}${path}`, {
        headers: { authorization: 'Bearer not.a.token' },
      })
      expect(forged.status).toBe(401)
      expect(await forged.json()).toEqual({
        error: 'invalid_token',
        error_description: 'The access token is invalid',
      })
    }
    const ok = await fetch(`${base}/me`, {
      headers: { authorization: `Bearer ${await token({ scope: 'accounts:read' })}` },
    })
    expect(await ok.json()).toEqual({ sub: 'alice', scopes: ['accounts:read'] })
  })

  it('per-handler requirements: the handler replaces its controller', async () => {
    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
    })
    // --- README recipe: per-handler requirement ---
    @Controller('accounts')
    @RequireAssurance({ scope: ['accounts:read'] })
    class AccountsController {
      @Get()
      list(@Auth() auth: StepUpAuth) {
        return { owner: auth.claims.sub }
      }

      // Replaces the controller's requirement: write all of it here.
      @Delete(':id')
      @RequireAssurance({ scope: ['accounts:write'], acr_values: ['phrh'], max_age: 60 })
      close(@Auth() auth: StepUpAuth) {
        return { closedBy: auth.claims.sub }
      }
    }
    // --- end of README recipe ---
    @Module({
      imports: [StepUpModule.forRoot({ verify: verifier })],
      controllers: [AccountsController],
    })
    class AppModule {}

    const base = await listen(AppModule)
    const reader = await token({ acr: 'pwd', scope: 'accounts:read' })
    const list = await fetch(`${base}/accounts`, { headers: { authorization: `Bearer ${reader}` } })
    expect(await list.json()).toEqual({ owner: 'alice' })
    const close = await fetch(`${base}/accounts/1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${reader}` },
    })
    expect(close.status).toBe(401)
    expect(close.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_user_authentication", error_description="${ACR}", scope="accounts:write", acr_values="phrh", max_age="60"`,
    )
    const writer = await token({ acr: 'phrh', scope: 'accounts:write' })
    const closed = await fetch(`${base}/accounts/1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${writer}` },
    })
    expect(await closed.json()).toEqual({ closedBy: 'alice' })
  })

  it('a risk policy with RAR coverage: the registry on the verifier, the policy and the module', async () => {
    // --- README recipe: risk policy with RAR coverage (with a local key set) ---
    // The detail types this API understands, in one registry for every part that reads details.
    const authorizationDetailsRegistry = createAuthorizationDetailsRegistry([
      bankTransactionDetailType,
    ])

    const verifier = createJwtAccessTokenVerifier({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      jwks,
      authorizationDetailsRegistry, // parses the token's authorization_details claim
    })
    const transfers = createRiskPolicy(
      [
        amountThreshold({
          type: 'urn:bank:params:oauth:request:transaction',
          thresholds: [
            { atLeast: '1000', acr_values: ['phr'], max_age: 300 },
            { atLeast: '10000', acr_values: ['phrh'], max_age: 60, singleUse: true },
          ],
        }),
      ],
      { authorizationDetailsRegistry }, // compares granted and requested details when you call decide()
    )

    @Controller('transfers')
    class TransfersController {
      @Post()
      @RequireAssurance(transfers)
      create(
        @Auth() auth: StepUpAuth,
        @Req() req: { body: { authorization_details: [{ transaction: { amount: string } }] } },
      ) {
        // the guard read the body Nest's platform parsed (req.body on Express and Fastify)
        const amount = req.body.authorization_details[0].transaction.amount
        return { amount, fired: auth.decision.fired }
      }
    }

    @Module({
      // parses the body's authorization_details (400 if invalid) and decides coverage
      imports: [
        StepUpModule.forRoot({ verify: verifier, realm: 'bank', authorizationDetailsRegistry }),
      ],
      controllers: [TransfersController],
    })
    class AppModule {}
    // --- end of README recipe ---

    const url = `${await listen(AppModule)}/transfers`
    const post = (bearer: string, body: unknown, type = 'application/json') =>
      fetch(url, transferRequest(bearer, body, type))

    const recipe = { post, token }
    // Nest's body parser reads the body before the guard: malformed or oversized bodies are its own.
    await runTransferRecipe(recipe)
  })

  it('forRootAsync with a ConfigService-style factory, and an APP_GUARD for every route', async () => {
    /** Stands in for `@nestjs/config`'s ConfigService (same `getOrThrow`). */
    @Injectable()
    class ConfigService {
      readonly #values: Record<string, string> = {
        ISSUER: 'https://as.example.com',
        AUDIENCE: 'https://api.example.com',
      }
      getOrThrow<T = string>(key: string): T {
        const value = this.#values[key]
        if (value === undefined) throw new Error(`no ${key}`)
        return value as T
      }
    }
    @Module({ providers: [ConfigService], exports: [ConfigService] })
    class ConfigModule {}

    @Controller('accounts')
    class AccountsController {
      @Get()
      list(@Auth() auth: StepUpAuth) {
        return { owner: auth.claims.sub }
      }
    }

    // --- README recipe: forRootAsync (ConfigModule and ConfigService from @nestjs/config) ---
    @Module({
      imports: [
        StepUpModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            verify: createJwtAccessTokenVerifier({
              issuer: config.getOrThrow('ISSUER'),
              audience: config.getOrThrow('AUDIENCE'),
              jwks, // in the README: new URL(config.getOrThrow('JWKS_URI'))
            }),
            realm: 'bank',
            // what routes without @RequireAssurance() need under the APP_GUARD below
            requirement: { scope: ['accounts:read'] },
          }),
        }),
      ],
      controllers: [AccountsController],
      providers: [{ provide: APP_GUARD, useClass: StepUpGuard }],
    })
    class AppModule {}
    // --- end of README recipe ---

    const url = `${await listen(AppModule)}/accounts`
    const noScope = await fetch(url, {
      headers: { authorization: `Bearer ${await token({ acr: 'pwd' })}` },
    })
    expect(noScope.status).toBe(403)
    expect(noScope.headers.get('www-authenticate')).toBe(
      'Bearer realm="bank", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token", scope="accounts:read"',
    )
    const ok = await fetch(url, {
      headers: { authorization: `Bearer ${await token({ scope: 'accounts:read' })}` },
    })
    expect(await ok.json()).toEqual({ owner: 'alice' })
  })
})
