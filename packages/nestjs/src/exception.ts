import { HttpException } from '@nestjs/common'
import type { ErrorResponse, ResourceServerErrorCode } from '@stepup/assurance'
import { refusalCode } from '@stepup/internal'

/**
 * The exception `StepUpGuard` throws once it has written a refusal (status, `WWW-Authenticate`
 * challenge, JSON body).
 *
 * Nest's exception filters see the real `status` (401, 400, 403, 503), find the response sent
 * and add nothing. Your own filters should do the same: check
 * `httpAdapter.isHeadersSent(response)` (as Nest's `BaseExceptionFilter` does) or pass this one by.
 *
 * @example
 * ```ts
 * const isRefusal = (exception: unknown) => exception instanceof StepUpException && exception.getStatus() === 401
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export class StepUpException extends HttpException {
  /**
   * What was refused, as `@stepup/express`'s `StepUpHttpError` names it:
   * `ERR_ACCESS_INSUFFICIENT_USER_AUTHENTICATION` (a step-up), `ERR_ACCESS_INVALID_TOKEN`,
   * `ERR_ACCESS_UNAUTHENTICATED`, …: `ERR_ACCESS_` and the OAuth `error` in capitals, or
   * `ERR_ACCESS_DENIED` for an `error` outside `ResourceServerErrorCode` of `@stepup/assurance`.
   */
  readonly code:
    | 'ERR_ACCESS_UNAUTHENTICATED'
    | 'ERR_ACCESS_DENIED'
    | `ERR_ACCESS_${Uppercase<ResourceServerErrorCode>}`
  /** The headers sent, with `www-authenticate` (none on a 503). */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON body sent, or `null` for an empty body (no credentials). */
  readonly body: ErrorResponse['body']

  constructor(response: ErrorResponse, options?: { cause?: unknown }) {
    super(response.body ?? 'Unauthorized', response.status, options)
    this.code = refusalCode(response)
    this.headers = response.headers
    this.body = response.body
  }
}
