import { type Child, freePort, startApp } from './processes.ts'

/** The bank API running in a child process (`apps/bank-api/src/main.ts`). */
export interface BankChild {
  readonly child: Child
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** The resource identifier, the `aud` of its tokens. */
  readonly resource: string
}

/**
 * Start the bank API on a free port (or `port`, when its resource must be known in advance) with
 * `ISSUER` and more environment variables (`SHUTDOWN_TIMEOUT_MS`, `REQUEST_TIMEOUT_MS`…), and wait
 * until it listens.
 */
export async function startBankApi(
  framework: 'express' | 'fastify',
  issuer: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<BankChild> {
  port ??= await freePort()
  const resource = `http://127.0.0.1:${port}/`
  const child = startApp('bank-api', {
    FRAMEWORK: framework,
    PORT: String(port),
    RESOURCE: resource,
    ISSUER: issuer,
    ...env,
  })
  try {
    await child.waitFor(/^Bank API \((express|fastify)\): /m)
  } catch (error) {
    await child.stop()
    throw error
  }
  return { child, url: `http://127.0.0.1:${port}`, port, resource }
}
