import type { AssuranceRequirement } from '@stepup/assurance'
import type { RiskPolicy } from '@stepup/assurance/policy'
import { protectedResourceMetadata, stepUp } from '@stepup/express'
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express'
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

function send(res: Response, response: ApiResponse): void {
  res.status(response.status).set(NO_STORE)
  if (response.headers) res.set(response.headers)
  if (response.body === undefined) res.end()
  else res.json(response.body)
}

const claimsOf = (req: Request) => req.auth!.claims
const idOf = (req: Request) => String(req.params['id'])

/** The bank API on Express 5, guarded by `@stepup/express`. */
export function createExpressApp(context: BankContext): express.Express {
  const { ledger, policy } = context
  const guard = (requirement: AssuranceRequirement | RiskPolicy): RequestHandler =>
    'decide' in requirement
      ? stepUp({ ...context.guard, policy: requirement })
      : stepUp({ ...context.guard, requirement })

  const app = express()
  app.disable('x-powered-by')
  app.use((req, res, next) => {
    const cors = corsHeaders(context.corsOrigins, req.get('origin'))
    res.set(cors)
    if (req.method === 'OPTIONS') {
      res.status(204).set(cors['access-control-allow-origin'] ? PREFLIGHT_HEADERS : {})
      res.end()
      return
    }
    next()
  })
  app.use(express.json({ limit: '16kb' }))
  app.use(protectedResourceMetadata(context.metadata))

  app.get('/accounts', guard(policy.read), (req, res) => {
    send(res, listAccounts(ledger, claimsOf(req)))
  })
  app.get('/accounts/:id/balance', guard(policy.read), (req, res) => {
    send(res, getBalance(ledger, claimsOf(req), idOf(req)))
  })
  app.get('/accounts/:id/transfers', guard(policy.read), (req, res) => {
    send(res, listTransfers(ledger, claimsOf(req), idOf(req)))
  })
  app.post(
    '/accounts/:id/transfers',
    guard(policy.transferScope),
    (req, res, next) => {
      const checked = checkTransfer(
        ledger,
        policy.authorizationDetails,
        claimsOf(req),
        idOf(req),
        req.body,
      )
      if (!checked.ok) return send(res, checked.response)
      res.locals['transfer'] = checked.transfer
      next()
    },
    guard(policy.transfers),
    (req, res) => {
      const transfer = res.locals['transfer'] as CheckedTransfer
      send(res, executeTransfer(ledger, claimsOf(req), transfer, req.auth!.decision.fired))
    },
  )
  app.post('/me/password', guard(policy.passwordChange), (req, res, next) => {
    changePassword(context.changePassword, claimsOf(req), req.body).then(
      (response) => send(res, response),
      next,
    )
  })
  app.use((_req, res) => {
    send(res, { status: 404, body: { error: 'not_found', error_description: 'No such route' } })
  })
  const errors: ErrorRequestHandler = (error, _req, res, _next) => {
    const type = (error as { type?: unknown }).type
    if (type === 'entity.parse.failed') return send(res, MALFORMED_BODY)
    if (type === 'entity.too.large') {
      return send(res, {
        status: 413,
        body: { error: 'invalid_request', error_description: 'The request body is too large' },
      })
    }
    console.error(error)
    send(res, { status: 500, body: { error: 'server_error', error_description: 'Internal error' } })
  }
  app.use(errors)
  return app
}
