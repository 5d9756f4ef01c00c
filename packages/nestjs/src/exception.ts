import { HttpException } from '@nestjs/common'
import type { ErrorResponse, ErrorResponseBody } from '@stepup/assurance'

/**
 * What `StepUpGuard` throws once it has written a refusal (status, `WWW-Authenticate` challenge,
 * JSON body): Nest's exception filters see the real `status` (401, 400, 403, 503), find the
 * response sent and add nothing. Your own filters should do the same: check
 * `httpAdapter.isHeadersSent(response)` (as Nest's `BaseExceptionFilter` does) or pass this one by.
 *
 * @example
 * ```ts
 * const isRefusal = (exception: unknown) => exception instanceof StepUpException && exception.getStatus() === 401
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export class StepUpException extends HttpException {
  /** The same code as `@stepup/express`'s `StepUpHttpError`. */
  readonly code = 'ERR_STEP_UP_REQUIRED'
  /** The headers sent, with `www-authenticate` (none on a 503). */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON body sent, or `null` for an empty body (no credentials). */
  readonly body: ErrorResponseBody | null

  constructor(response: ErrorResponse) {
    super(response.body ?? 'Unauthorized', response.status)
    this.headers = response.headers
    this.body = response.body
  }
}
