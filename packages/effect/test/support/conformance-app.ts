import type { AccessTokenClaims, AssuranceRequirement } from '@stepup/assurance'
import type { ProtectedResourceMetadataOptions } from '@stepup/assurance/http'
import type { RiskPolicy } from '@stepup/assurance/policy'
import * as HttpRouter from 'effect/http/HttpRouter'
import * as HttpServerResponse from 'effect/http/HttpServerResponse'
import * as Layer from 'effect/Layer'
import {
  AccessTokenVerifier,
  protectedResourceMetadata,
  stepUpMiddleware,
  VerifiedClaims,
} from '../../src/index.ts'
import { listen, type Running } from './node-server.ts'

/** The app configuration of the adapter conformance suite, structurally. */
export interface ConformanceApp {
  options: {
    verify: (token: string) => Promise<AccessTokenClaims>
    realm?: string
    resourceMetadata?: string
    exposeChallenge?: boolean
    dpop?: { algs: string[]; verifyProof?: (proof: string | null) => Promise<string> }
  }
  routes: {
    method: 'GET' | 'POST'
    path: string
    auth:
      | { requirement: AssuranceRequirement | ((req: unknown) => AssuranceRequirement) }
      | { policy: RiskPolicy }
  }[]
  metadata?: ProtectedResourceMetadataOptions
}

/** Starts a conformance app on Effect's HTTP server, each route behind `stepUpMiddleware`. */
export function startEffect(config: ConformanceApp): Promise<Running> {
  const { verify, ...options } = config.options
  const routes = config.routes.map((route) =>
    HttpRouter.add(
      route.method,
      route.path as `/${string}`,
      VerifiedClaims.useSync(({ claims }) =>
        HttpServerResponse.jsonUnsafe({ route: route.path, sub: claims.sub ?? null }),
      ),
    ).pipe(Layer.provide(stepUpMiddleware({ ...options, ...route.auth }).layer)),
  )
  const all = config.metadata ? [...routes, protectedResourceMetadata(config.metadata)] : routes
  const app = Layer.mergeAll(...(all as [Layer.Layer<never>])).pipe(
    Layer.provide(AccessTokenVerifier.fromFunction(verify)),
  )
  return listen(app)
}
