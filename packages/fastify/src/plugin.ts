import type {
  ProtectedResourceMetadataOptions,
  RequirementSource,
  StepUpAuth,
  StepUpGuardOptions,
} from '@stepup/assurance'
import { createProtectedResourceMetadata, createStepUpGuard } from '@stepup/assurance'
import { invalidArgument } from '@stepup/internal'
import type { FastifyPluginAsync, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A `preHandler` hook that enforces a requirement object, a function of the request or a
     * policy made by `createRiskPolicy` (nothing: any valid token).
     */
    requireAssurance(requirement?: RequirementSource<FastifyRequest>): preHandlerAsyncHookHandler
  }
  interface FastifyRequest {
    /** The verified token, its claims and the decision, set by `requireAssurance()` hooks. */
    auth?: StepUpAuth
  }
}

/**
 * The options of the {@link stepUp} plugin: the shared guard options without the per-route
 * requirement, plus the RFC 9728 `metadata` document to serve.
 *
 * @example
 * ```ts
 * await app.register(stepUp, { verify, realm: 'bank', metadata: { resource: 'https://api.example.com' } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpOptions extends Omit<StepUpGuardOptions<FastifyRequest>, 'requirement'> {
  /** Serve this protected resource metadata at its `/.well-known/oauth-protected-resource` path. */
  metadata?: ProtectedResourceMetadataOptions
}

const plugin: FastifyPluginAsync<StepUpOptions> = async (fastify, options) => {
  // Fastify hands the plugin its own register options too; they are not ours to refuse.
  const {
    metadata,
    prefix: _p,
    logLevel: _l,
    logSerializers: _s,
    ...shared
  } = options as StepUpOptions & {
    prefix?: unknown
    logLevel?: unknown
    logSerializers?: unknown
  }
  if ('requirement' in shared)
    throw invalidArgument(
      '@stepup/fastify: "requirement" goes to fastify.requireAssurance(), not to register',
      { code: 'ERR_UNKNOWN_OPTION' },
    )
  // Checks the options now; it also serves every route that asks for any valid token.
  const anyToken = createStepUpGuard<FastifyRequest>(shared, '@stepup/fastify', ['metadata'])
  fastify.decorateRequest('auth', undefined)
  fastify.decorate('requireAssurance', (requirement?: RequirementSource<FastifyRequest>) => {
    const guard =
      requirement === undefined
        ? anyToken
        : createStepUpGuard<FastifyRequest>({ ...shared, requirement }, 'requireAssurance')
    const hook: preHandlerAsyncHookHandler = async (request, reply) => {
      const view = {
        method: request.method,
        url: request.url,
        headers: request.raw.headersDistinct ?? request.headers,
        // Fastify parsed the body before preHandler (its own bodyLimit and parsers apply); a
        // request without one has `undefined`.
        body: () => request.body,
      }
      const outcome = await guard(view, request)
      if (outcome.ok) {
        request.auth = outcome.auth
        return
      }
      reply.code(outcome.status).headers(outcome.headers)
      return reply.send(outcome.body ? JSON.stringify(outcome.body) : undefined)
    }
    return hook
  })
  if (metadata) {
    const document = createProtectedResourceMetadata(metadata)
    fastify.get(document.path, (_request, reply) => {
      reply.headers(document.headers).send(document.body)
    })
  }
}

/**
 * The Fastify 4 and 5 plugin: register it with the guard options, then add
 * `preHandler: app.requireAssurance(requirement | fn | policy)` to the routes that need step-up.
 *
 * @example
 * ```ts
 * await app.register(stepUp, { verify, realm: 'bank' })
 * app.post('/transfers', { preHandler: app.requireAssurance(transferPolicy) }, handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export const stepUp: FastifyPluginAsync<StepUpOptions> = fp(plugin, {
  fastify: '4.x || 5.x',
  name: '@stepup/fastify',
})
