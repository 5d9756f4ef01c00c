import type { IncomingMessage } from 'node:http'

const MAX_FORM_BYTES = 64 * 1024

/** Thrown for a request body that is not a small `application/x-www-form-urlencoded` form. */
export class BadFormError extends Error {
  override readonly name = 'BadFormError'
  readonly status: number
  constructor(message: string, status = 400) {
    super(message)
    this.status = status
  }
}

/** Read an `application/x-www-form-urlencoded` body of at most 64 KiB. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    throw new BadFormError('expected an application/x-www-form-urlencoded form', 415)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_FORM_BYTES) throw new BadFormError('form too large', 413)
    chunks.push(chunk as Buffer)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}
