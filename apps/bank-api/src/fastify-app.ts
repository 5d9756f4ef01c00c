import { stepUp } from '@stepup/fastify'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { type BankContext, corsHeaders, NO_STORE, PREFLIGHT_HEADERS } from './context.ts'
import {
  type ApiResponse,
  type CheckedTransfer,
  changePassword,
  checkTransfer,
  executeTransfer,
  getBalance,
  listAccounts,
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

/** The bank API on Fastify 5, guarded by `@stepup/fastify`. */
export async function createFastifyApp(context: BankContext): Promise<FastifyInstance> {
  const { ledger, policy } = context
  const app = Fastify({ bodyLimit: 16 * 1024 })
  app.addHook('onRequest', async (request, reply) => {
    const cors = corsHeaders(context.corsOrigins, request.headers.origin)
    reply.headers(cors)
    if (request.method === 'OPTIONS') {
      reply.code(204).headers(cors['access-control-allow-origin'] ? PREFLIGHT_HEADERS : {})
      return reply.send()
    }
  })
  await app.register(stepUp, { ...context.guard, metadata: context.metadata })
  app.setNotFoundHandler((_request, reply) =>
    send(reply, { status: 404, body: { error: 'not_found', error_description: 'No such route' } }),
  )
  app.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
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
    console.error(error)
    return send(reply, {
      status: 500,
      body: { error: 'server_error', error_description: 'Internal error' },
    })
  })

  const read = app.requireAssurance(policy.read)
  app.get('/accounts', { preHandler: read }, async (request, reply) =>
    send(reply, listAccounts(ledger, claimsOf(request))),
  )
  app.get('/accounts/:id/balance', { preHandler: read }, async (request, reply) =>
    send(reply, getBalance(ledger, claimsOf(request), idOf(request))),
  )
  app.get('/accounts/:id/transfers', { preHandler: read }, async (request, reply) =>
    send(reply, listTransfers(ledger, claimsOf(request), idOf(request))),
  )
  const transfers = new WeakMap<FastifyRequest, CheckedTransfer>()
  app.post(
    '/accounts/:id/transfers',
    {
      preHandler: [
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
    { preHandler: app.requireAssurance(policy.passwordChange) },
    async (request, reply) =>
      send(reply, await changePassword(context.changePassword, claimsOf(request), request.body)),
  )
  return app
}
