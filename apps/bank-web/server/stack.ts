import { fileURLToPath } from 'node:url'
import { type AuthorizationServer, createAuthorizationServer } from 'authorization-server'
import { type BankApi, createBankApi, freePort } from 'bank-api'
import { build, createServer, preview } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))
const configFile = fileURLToPath(new URL('../vite.config.ts', import.meta.url))

/** Options of {@link startWebStack}. */
export interface WebStackOptions {
  readonly framework?: 'express' | 'fastify'
  /** Ports; 0 or absent picks free ones. */
  readonly asPort?: number
  readonly apiPort?: number
  readonly webPort?: number
  /** `dev`: Vite's dev server; `preview`: `vite build` into `outDir`, then Vite's preview server. */
  readonly web: 'dev' | 'preview'
  readonly outDir?: string
}

/** The authorization server, the bank API and the web client, all on localhost. */
export interface WebStack {
  readonly as: AuthorizationServer
  readonly api: BankApi
  /** The web client's URL, e.g. `http://localhost:5173`. */
  readonly web: string
  close(): Promise<void>
}

/**
 * Start the interactive stack: the authorization server (with the web client registered as the
 * public client `bank-web`), the bank API (CORS open to the web client) and the web client.
 */
export async function startWebStack(options: WebStackOptions): Promise<WebStack> {
  const apiPort = options.apiPort || (await freePort())
  const webPort = options.webPort || (await freePort())
  const web = `http://localhost:${webPort}`
  const resource = `http://localhost:${apiPort}/`
  const as = await createAuthorizationServer({
    port: options.asPort ?? 0,
    resource,
    clients: [
      {
        client_id: 'bank-web',
        client_name: 'Step-up Bank (web)',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${web}/callback`],
      },
    ],
  })
  const closers: (() => Promise<void>)[] = [() => as.close()]
  const close = async () => {
    for (const closer of closers.reverse()) await closer()
  }
  try {
    const api = await createBankApi({
      framework: options.framework ?? 'express',
      issuer: as.issuer,
      resource,
      port: apiPort,
      corsOrigins: [web],
    })
    closers.push(() => api.close())
    const inline = {
      root,
      configFile,
      logLevel: 'warn' as const,
      define: {
        __BANK_CONFIG__: JSON.stringify({ issuer: as.issuer, api: api.url, clientId: 'bank-web' }),
      },
    }
    if (options.web === 'dev') {
      const server = await createServer({
        ...inline,
        server: { host: 'localhost', port: webPort, strictPort: true },
      })
      await server.listen()
      closers.push(() => server.close())
    } else {
      const outDir = options.outDir ?? fileURLToPath(new URL('../dist', import.meta.url))
      await build({ ...inline, build: { outDir, emptyOutDir: true } })
      const server = await preview({
        ...inline,
        build: { outDir },
        preview: { host: 'localhost', port: webPort, strictPort: true },
      })
      closers.push(
        () =>
          new Promise<void>((resolve, reject) =>
            server.httpServer.close((error) => (error ? reject(error) : resolve())),
          ),
      )
    }
    return { as, api, web, close }
  } catch (error) {
    await close()
    throw error
  }
}
