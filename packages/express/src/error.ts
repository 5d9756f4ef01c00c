import type { ErrorResponse, ErrorResponseBody } from '@stepup/assurance'

/**
 * The error `stepUp({ passErrors: true })` hands to `next(err)`: it carries the `status`, the
 * `headers` (with `WWW-Authenticate`) and the JSON `body` an error handler should send.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (!(err instanceof StepUpHttpError)) return next(err)
 *   res.status(err.status).set(err.headers).json(err.body ?? {})
 * })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export class StepUpHttpError extends Error {
  override readonly name = 'StepUpHttpError'
  readonly code = 'ERR_STEP_UP_REQUIRED'
  readonly status: number
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: ErrorResponseBody | null

  constructor(response: ErrorResponse) {
    super(response.body?.error ?? 'unauthorized')
    this.status = response.status
    this.statusCode = response.status
    this.headers = response.headers
    this.body = response.body
  }
}
