/**
 * One benchmark server in its own process, so the load generator does not share its thread:
 * `server.ts <framework> <variant>` with the keys on stdin; prints the port when listening.
 */
import type { AddressInfo } from 'node:net'
import fastifyJwt from '@fastify/jwt'
import { createJwtAccessTokenVerifier } from '@stepup/assurance'
import { stepUp as expressStepUp } from '@stepup/express'
import fastifyStepUp from '@stepup/fastify'
import express from 'express'
import { auth } from 'express-oauth2-jwt-bearer'
import Fastify, { type FastifyRequest } from 'fastify'
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose'

export interface BenchSetup {
  framework: 'express' | 'fastify'
  variant: 'bare' | 'floor' | 'stepup' | 'stepup+cache' | 'peer'
  alg: 'ES256' | 'RS256'
  jwks: JSONWebKeySet
  pem: string
  issuer: string
  audience: string
}

const setup = JSON.parse(process.argv[2]!) as BenchSetup
const { framework, variant, alg, jwks, pem, issuer, audience } = setup
const requirement = { acr_values: ['phr'] }
const localJwks = createLocalJWKSet(jwks)

/** The floor: what a careful hand-written hook does with jose alone. */
async function floor(header: string | undefined): Promise<string | undefined> {
  const m = /^Bearer ([\w.~+/-]+=*)$/.exec(header ?? '')
  if (!m) return undefined
  try {
    const { payload } = await jwtVerify(m[1]!, localJwks, {
      issuer,
      audience,
      algorithms: [alg],
      typ: 'at+jwt',
    })
    return payload['acr'] === 'phr' ? (payload.sub ?? '') : undefined
  } catch {
    return undefined
  }
}

const verifier = (cache: boolean) =>
  createJwtAccessTokenVerifier({
    issuer,
    audience,
    jwks,
    algorithms: [alg],
    ...(cache && { cache: { max: 1000 } }),
  })

async function startExpress(): Promise<number> {
  const app = express()
  const ok = (_req: express.Request, res: express.Response) => {
    res.json({ ok: true })
  }
  if (variant === 'bare') app.get('/', ok)
  else if (variant === 'floor') {
    app.get(
      '/',
      (req, res, next) => {
        floor(req.headers.authorization).then(
          (sub) => (sub === undefined ? res.status(401).end() : next()),
          next,
        )
      },
      ok,
    )
  } else if (variant === 'peer') {
    app.get('/', auth({ issuer, audience, publicKey: jwks, tokenSigningAlg: alg }), ok)
  } else {
    app.get('/', expressStepUp({ verify: verifier(variant === 'stepup+cache'), requirement }), ok)
  }
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

async function startFastify(): Promise<number> {
  const app = Fastify()
  const ok = async () => ({ ok: true })
  if (variant === 'bare') app.get('/', ok)
  else if (variant === 'floor') {
    app.get('/', {
      preHandler: async (request: FastifyRequest, reply) => {
        if ((await floor(request.headers.authorization)) === undefined)
          return reply.code(401).send()
      },
      handler: ok,
    })
  } else if (variant === 'peer') {
    await app.register(fastifyJwt, {
      secret: { public: pem, private: 'unused' },
      verify: { algorithms: [alg], allowedIss: issuer, allowedAud: audience },
    })
    app.get('/', {
      preHandler: async (request, reply) => {
        try {
          const payload = await request.jwtVerify<{ acr?: string }>()
          if (payload.acr !== 'phr') return reply.code(401).send()
        } catch {
          return reply.code(401).send()
        }
      },
      handler: ok,
    })
  } else {
    await app.register(fastifyStepUp, { verify: verifier(variant === 'stepup+cache') })
    app.get('/', { preHandler: app.requireAssurance(requirement), handler: ok })
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as AddressInfo).port
}

const port = framework === 'express' ? await startExpress() : await startFastify()
// The CPU time this process has used, all its threads (WebCrypto's included), on request: the
// bench divides it by the requests served, which other work on the machine does not change.
process.on('message', (m) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() })
})
process.send?.({ port })
