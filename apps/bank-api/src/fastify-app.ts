import fastifyHelmet from '@fastify/helmet'
import { stepUp } from '@stepup/fastify'
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerFactory,
  type preHandlerAsyncHookHandler,
} from 'fastify'
import helmet from 'helmet'
import {
  type BankContext,
  corsHeaders,
  DPOP_PREFLIGHT_HEADERS,
  HELMET_OPTIONS,
  NO_STORE,
  PREFLIGHT_HEADERS,
} from './context.ts'
import { refuseUnlinkedTransfer } from './dynamic-linking.ts'
import {
  type ApiResponse,
  type CheckedTransfer,
  changePassword,
  checkTransfer,
  executeTransfer,
  getBalance,
  listAccounts,
  listPayees,
  listTransfers,
  MALFORMED_BODY,
} from './service.ts'

function send(reply: FastifyReply, response: ApiResponse): FastifyReply {
  reply.code(response.status).headers(NO_STORE)
  if (response.headers) reply.headers(response.headers)
  return response.body === undefined ? reply.send() : reply.send(response.body)
}

const claimsOf = (request: FastifyRequest) => request.auth!.claims
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id

/** One line for the log: the error's code and message, control characters escaped. */
const describe = (error: { code?: string; message?: string }): string =>
  JSON.stringify(`${error.code ?? 'error'}: ${error.message ?? ''}`)

const INTERNAL_ERROR: ApiResponse = {
  status: 500,
  body: { error: 'server_error', error_description: 'Internal error' },
}

const BAD_PATH: ApiResponse = {
  status: 400,
  body: {
    error: 'invalid_request',
    error_description: 'The request path is not valid percent-encoding',
  },
}

/**
 * The bank API on Fastify 5, guarded by `@stepup/fastify`. `serverFactory` makes the Node HTTP
 * server (its timeouts and graceful close are set by whoever makes it); default Fastify's own.
 */
export async function createFastifyApp(
  context: BankContext,
  serverFactory?: FastifyServerFactory,
): Promise<FastifyInstance> {
  const { ledger, policy, dpopNonces } = context
  const dpop = dpopNonces !== undefined
  const securityHeaders = helmet(HELMET_OPTIONS)
  const app = Fastify({
    bodyLimit: 16 * 1024,
    ...(serverFactory && { serverFactory }),
    // Errors raised before routing (a path that is not valid percent-encoding) are the client's:
    // the same JSON 400 as every other bad request, one log line, no stack.
    frameworkErrors: (error, request, reply) => {
      // No hook has run for these: the security headers are set here.
      securityHeaders(request.raw, reply.raw, () => {})
      reply.headers(corsHeaders(context.corsOrigins, request.headers.origin, dpop))
      if (error.code !== 'FST_ERR_BAD_URL') {
        console.error(error)
        send(reply, INTERNAL_ERROR)
        return
      }
      console.warn(`bank-api: 400 ${describe(error)} (${request.method})`)
      send(reply, BAD_PATH)
    },
  })
  // Security headers and no-store on every answer: the guard's challenges and refusals, the
  // metadata, preflights, 404s and the error handler's 4xx/5xx.
  await app.register(fastifyHelmet, { ...HELMET_OPTIONS, global: true })
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(NO_STORE)
    const cors = corsHeaders(context.corsOrigins, request.headers.origin, dpop)
    reply.headers(cors)
    if (request.method === 'OPTIONS') {
      const preflight = dpop ? DPOP_PREFLIGHT_HEADERS : PREFLIGHT_HEADERS
      reply.code(204).headers(cors['access-control-allow-origin'] ? preflight : {})
      return reply.send()
    }
  })
  await app.register(stepUp, { ...context.guard, metadata: context.metadata })
  app.setNotFoundHandler((_request, reply) =>
    send(reply, { status: 404, body: { error: 'not_found', error_description: 'No such route' } }),
  )
  app.setErrorHandler(
    (error: { statusCode?: number; code?: string; message?: string }, request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return send(reply, {
          status: 413,
          body: { error: 'invalid_request', error_description: 'The request body is too large' },
        })
      }
      if (error.statusCode === 415) {
        return send(reply, {
          status: 415,
          body: { error: 'invalid_request', error_description: 'Send application/json' },
        })
      }
      if (error.statusCode === 400) return send(reply, MALFORMED_BODY)
      const status = error.statusCode
      if (typeof status === 'number' && status >= 400 && status < 500) {
        console.warn(`bank-api: ${status} ${describe(error)} (${request.method})`)
        return send(reply, {
          status,
          body: { error: 'invalid_request', error_description: 'The request could not be read' },
        })
      }
      console.error(error)
      return send(reply, INTERNAL_ERROR)
    },
  )

  // Until the issuer's key set is known, guarded routes answer 503 with Retry-After.
  const ready: preHandlerAsyncHookHandler = async (_request, reply) => {
    const unavailable = context.unavailable()
    if (unavailable) return send(reply, unavailable)
  }
  // RFC 9449 §8.2, §9: a DPoP-bound token's answer carries the next nonce to use.
  const nextNonce: preHandlerAsyncHookHandler = async (request, reply) => {
    const jkt = request.auth?.claims.cnf?.jkt
    if (dpopNonces && typeof jkt === 'string')
      reply.header('dpop-nonce', await dpopNonces.issue(jkt))
  }
  const read = [ready, app.requireAssurance(policy.read), nextNonce]
  app.get('/accounts', { preHandler: read }, async (request, reply) =>
    send(reply, listAccounts(ledger, claimsOf(request))),
  )
  app.get('/accounts/:id/balance', { preHandler: read }, async (request, reply) =>
    send(reply, getBalance(ledger, claimsOf(request), idOf(request))),
  )
  app.get('/accounts/:id/transfers', { preHandler: read }, async (request, reply) =>
    send(reply, listTransfers(ledger, claimsOf(request), idOf(request))),
  )
  app.get('/accounts/:id/payees', { preHandler: read }, async (request, reply) =>
    send(reply, listPayees(ledger, claimsOf(request), idOf(request))),
  )
  const transfers = new WeakMap<FastifyRequest, CheckedTransfer>()
  app.post(
    '/accounts/:id/transfers',
    {
      preHandler: [
        ready,
        app.requireAssurance(policy.transferScope),
        async (request, reply) => {
          const checked = checkTransfer(
            ledger,
            policy.authorizationDetails,
            claimsOf(request),
            idOf(request),
            request.body,
          )
          if (!checked.ok) return send(reply, checked.response)
          transfers.set(request, checked.transfer)
        },
        app.requireAssurance(policy.transfers),
        nextNonce,
        // Dynamic linking: a bound transfer runs only if the user confirmed exactly it.
        async (request, reply) => {
          const refused = await refuseUnlinkedTransfer(
            request.auth!,
            context.challenge,
            context.guard.onDecision,
          )
          if (refused) return send(reply, refused)
        },
      ],
    },
    async (request, reply) =>
      send(
        reply,
        executeTransfer(
          ledger,
          claimsOf(request),
          transfers.get(request)!,
          request.auth!.decision.fired,
        ),
      ),
  )
  app.post(
    '/me/password',
    { preHandler: [ready, app.requireAssurance(policy.passwordChange), nextNonce] },
    async (request, reply) =>
      send(reply, await changePassword(context.changePassword, claimsOf(request), request.body)),
  )
  return app
}
