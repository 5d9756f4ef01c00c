import type { StepUpAuth, StepUpGuardOptions } from '@stepup/assurance'
import { createStepUpGuard, readRequestBody } from '@stepup/assurance'
import { invalidArgument } from '@stepup/internal'
import type { Request, RequestHandler } from 'express'
import { StepUpHttpError } from './error.js'

declare global {
  namespace Express {
    interface Request {
      /** The verified token, its claims and the decision, set by `stepUp()` on success. */
      auth?: StepUpAuth
    }
  }
}

/**
 * The options of {@link stepUp}: the shared guard options (`verify`, `requirement`, `realm`,
 * `resourceMetadata`, `acrRegistry`, `authorizationDetailsRegistry`, `dpop`, `exposeChallenge`,
 * `onDecision`, …) and `passErrors`, to hand failures to `next(err)` instead of answering them.
 *
 * @example
 * ```ts
 * app.post('/transfers', stepUp({ verify, requirement: { acr_values: ['phr'] }, passErrors: true }), handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpOptions extends StepUpGuardOptions<Request> {
  /** Call `next(err)` with a {@link StepUpHttpError} instead of sending the failure response. */
  passErrors?: boolean
}

const EXPRESS_OPTIONS = ['passErrors']

/**
 * Creates Express 4/5 middleware that verifies the access token, applies the requirement and
 * either sets `req.auth` or answers with the status, `WWW-Authenticate` challenge and JSON body.
 *
 * @example
 * ```ts
 * app.post('/transfers', stepUp({ verify, requirement: { acr_values: ['phr'], max_age: 300 } }), handler)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function stepUp(options: StepUpOptions): RequestHandler {
  if (typeof options !== 'object' || options === null)
    throw invalidArgument('stepUp: options must be an object', { code: 'ERR_INVALID_ARG_TYPE' })
  const { passErrors = false, ...shared } = options
  const guard = createStepUpGuard<Request>(shared, 'stepUp', EXPRESS_OPTIONS)
  return (req, res, next) => {
    const view = {
      method: req.method,
      url: req.originalUrl,
      headers: req.headersDistinct ?? req.headers,
      body: (limit: number) => bodyOf(req, limit),
    }
    guard(view, req).then((outcome) => {
      if (outcome.ok) {
        req.auth = outcome.auth
        next()
      } else if (passErrors) {
        next(new StepUpHttpError(outcome))
      } else {
        res.status(outcome.status).set(outcome.headers)
        res.end(outcome.body ? JSON.stringify(outcome.body) : undefined)
      }
    })
  }
}

/**
 * The body as the guard needs it: nothing when the request has none (RFC 9112 §6.3: no
 * `Transfer-Encoding` and no non-zero `Content-Length`); what a body parser such as
 * `express.json()` made of it; otherwise read here, within the limit, and left on `req.body` for
 * the route (later parsers see `req._body` and skip).
 */
async function bodyOf(req: Request & { _body?: boolean }, limit: number): Promise<unknown> {
  const length = req.headers['content-length']
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0'))
    return undefined
  // Read already: body-parser 1 marks `req._body`, body-parser 2 leaves the stream finished.
  if (req._body || req.readableEnded) return req.body
  const body = await readRequestBody(req.headers['content-type'], req, limit)
  req.body = body
  req._body = true
  return body
}
