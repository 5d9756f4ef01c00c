import type { AssuranceRequirement, RiskPolicy } from '@stepup/assurance'
import { protectedResourceMetadata, stepUp } from '@stepup/express'
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express'
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

function send(res: Response, response: ApiResponse): void {
  res.status(response.status).set(NO_STORE)
  if (response.headers) res.set(response.headers)
  if (response.body === undefined) res.end()
  else res.json(response.body)
}

const claimsOf = (req: Request) => req.auth!.claims
const idOf = (req: Request) => String(req.params['id'])

/**
 * The 4xx status of an error the client caused, or `undefined` for a server fault: Express's
 * router throws a `URIError` (status 400) for a path parameter that is not valid
 * percent-encoding, body-parser an http-errors 4xx (`request.aborted`, `request.size.invalid`,
 * `encoding.unsupported`…).
 */
function clientErrorStatus(error: unknown): number | undefined {
  if (error instanceof URIError) return 400
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown }
  return expose === true && typeof status === 'number' && status >= 400 && status < 500
    ? status
    : undefined
}

/** The error's type or name and message on one line, control characters escaped. */
function describeClientError(error: unknown): string {
  const { type, name, message } = error as { type?: unknown; name?: unknown; message?: unknown }
  return JSON.stringify(`${String(type ?? name)}: ${String(message)}`)
}

/** The bank API on Express 5, guarded by `@stepup/express`. */
export function createExpressApp(context: BankContext): express.Express {
  const { ledger, policy, dpopNonces } = context
  const guard = (requirement: AssuranceRequirement | RiskPolicy): RequestHandler => {
    const check = stepUp({ ...context.guard, requirement })
    return (req, res, next) => {
      // Until the issuer's key set is known, guarded routes answer 503 with Retry-After.
      const unavailable = context.unavailable()
      if (unavailable) return send(res, unavailable)
      return check(req, res, (error?: unknown) => {
        // RFC 9449 §8.2, §9: a DPoP-bound token's answer carries the next nonce to use.
        const jkt = req.auth?.claims.cnf?.jkt
        if (error !== undefined || !dpopNonces || typeof jkt !== 'string') return next(error)
        dpopNonces.issue(jkt).then((nonce) => {
          res.set('dpop-nonce', nonce)
          next()
        }, next)
      })
    }
  }

  const app = express()
  app.disable('x-powered-by')
  // Security headers and no-store first, so every answer has them: the guard's challenges and
  // refusals, the metadata, preflights, 404s and the error handler's 4xx/5xx.
  app.use(helmet(HELMET_OPTIONS))
  const preflight = dpopNonces ? DPOP_PREFLIGHT_HEADERS : PREFLIGHT_HEADERS
  app.use((req, res, next) => {
    res.set(NO_STORE)
    const cors = corsHeaders(context.corsOrigins, req.get('origin'), dpopNonces !== undefined)
    res.set(cors)
    if (req.method === 'OPTIONS') {
      res.status(204).set(cors['access-control-allow-origin'] ? preflight : {})
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
  app.get('/accounts/:id/payees', guard(policy.read), (req, res) => {
    send(res, listPayees(ledger, claimsOf(req), idOf(req)))
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
    (req, res, next) => {
      // Dynamic linking: a bound transfer runs only if the user confirmed exactly it.
      refuseUnlinkedTransfer(req.auth!, context.challenge, context.guard.onDecision).then(
        (refused) => {
          if (refused) return send(res, refused)
          const transfer = res.locals['transfer'] as CheckedTransfer
          send(res, executeTransfer(ledger, claimsOf(req), transfer, req.auth!.decision.fired))
        },
        next,
      )
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
  const errors: ErrorRequestHandler = (error, req, res, _next) => {
    const type = (error as { type?: unknown }).type
    if (type === 'entity.parse.failed') return send(res, MALFORMED_BODY)
    if (type === 'entity.too.large') {
      return send(res, {
        status: 413,
        body: { error: 'invalid_request', error_description: 'The request body is too large' },
      })
    }
    const status = clientErrorStatus(error)
    if (status !== undefined) {
      // The client's fault (a path that is not valid percent-encoding, a body cut short): one
      // line in the log, no stack, and a 4xx if anyone is still there to read it.
      console.warn(`bank-api: ${status} ${describeClientError(error)} (${req.method})`)
      if (req.socket.destroyed || res.headersSent) return
      return send(res, {
        status,
        body: {
          error: 'invalid_request',
          error_description:
            error instanceof URIError
              ? 'The request path is not valid percent-encoding'
              : 'The request could not be read',
        },
      })
    }
    console.error(error)
    send(res, { status: 500, body: { error: 'server_error', error_description: 'Internal error' } })
  }
  app.use(errors)
  return app
}
