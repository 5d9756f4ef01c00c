import type { ErrorResponse, ResourceServerErrorCode } from '@stepup/assurance'
import { refusalCode } from '@stepup/internal'

/**
 * The error `stepUp({ passErrors: true })` hands to `next(err)`, with the `status`, `headers` and
 * JSON `body` an error handler should send.
 *
 * The headers include `WWW-Authenticate`; `code` names the refusal: `ERR_ACCESS_INSUFFICIENT_USER_AUTHENTICATION` asks for a step-up,
 * `ERR_ACCESS_INVALID_TOKEN` for a new token, `ERR_ACCESS_UNAUTHENTICATED` for any token at all,
 * `ERR_ACCESS_DENIED` for an OAuth `error` outside `ResourceServerErrorCode` of `@stepup/assurance`.
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
  /** `ERR_ACCESS_` and the OAuth `error` in capitals, or `ERR_ACCESS_UNAUTHENTICATED`. */
  readonly code:
    | 'ERR_ACCESS_UNAUTHENTICATED'
    | 'ERR_ACCESS_DENIED'
    | `ERR_ACCESS_${Uppercase<ResourceServerErrorCode>}`
  readonly status: number
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: ErrorResponse['body']

  constructor(response: ErrorResponse, options?: { cause?: unknown }) {
    super(response.body?.error ?? 'unauthorized', options)
    this.code = refusalCode(response)
    this.status = response.status
    this.statusCode = response.status
    this.headers = response.headers
    this.body = response.body
  }
}
