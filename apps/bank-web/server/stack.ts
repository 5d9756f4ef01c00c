import { fileURLToPath } from 'node:url'
import {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  createAuthorizationServer,
} from 'authorization-server'
import { type BankApi, type BankApiOptions, createBankApi, freePort } from 'bank-api'
import { build, createServer, preview } from 'vite'
import { securityHeaders } from './headers.ts'

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
  /** More options of the sign-in server (e.g. `accessTokenTtl`), for tests and demos. */
  readonly authorizationServer?: ExtraAuthorizationServerOptions
  /** More options of the bank API (e.g. its limits), for tests and demos. */
  readonly bankApi?: ExtraBankApiOptions
}

/** Options of the sign-in server that the stack does not set itself. */
export type ExtraAuthorizationServerOptions = Omit<
  AuthorizationServerOptions,
  'port' | 'resource' | 'clients'
>
/** Options of the bank API that the stack does not set itself. */
export type ExtraBankApiOptions = Omit<
  BankApiOptions,
  'framework' | 'issuer' | 'resource' | 'port' | 'corsOrigins' | 'dpop'
>

/** The authorization server, the bank API and the web client, all on localhost. */
export interface WebStack {
  readonly as: AuthorizationServer
  readonly api: BankApi
  /** The web client's URL, e.g. `http://localhost:5173`. */
  readonly web: string
  close(): Promise<void>
}

/** Options of {@link startServers}. */
export interface ServersOptions {
  readonly framework?: 'express' | 'fastify'
  /** Ports; 0 or absent picks free ones. */
  readonly asPort?: number
  readonly apiPort?: number
  /** The web client's origin, e.g. `http://localhost:5173`: its redirect URI and CORS origin. */
  readonly web: string
  /** More options of the sign-in server. */
  readonly authorizationServer?: ExtraAuthorizationServerOptions
  /** More options of the bank API. */
  readonly bankApi?: ExtraBankApiOptions
}

/** The authorization server and the bank API, set up for the web client. */
export interface Servers {
  readonly as: AuthorizationServer
  readonly api: BankApi
  close(): Promise<void>
}

/**
 * Start the servers the web client talks to: the authorization server, with the web client
 * registered as the public client `bank-web` whose tokens are DPoP-bound (RFC 9449), which gets
 * refresh tokens and comes back to its start page after signing out (OpenID RP-Initiated
 * Logout 1.0 `post_logout_redirect_uris`), and the
 * bank API, which requires DPoP-bound tokens (with its own nonces) and lets the web client's
 * origin call it (CORS).
 */
export async function startServers(options: ServersOptions): Promise<Servers> {
  const apiPort = options.apiPort || (await freePort())
  const resource = `http://localhost:${apiPort}/`
  const as = await createAuthorizationServer({
    ...options.authorizationServer,
    port: options.asPort ?? 0,
    resource,
    clients: [
      {
        client_id: 'bank-web',
        client_name: 'Step-up Bank (web)',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${options.web}/callback`],
        post_logout_redirect_uris: [`${options.web}/`],
        grant_types: ['authorization_code', 'refresh_token'],
        dpop_bound_access_tokens: true,
      },
    ],
  })
  try {
    const api = await createBankApi({
      ...options.bankApi,
      framework: options.framework ?? 'express',
      issuer: as.issuer,
      resource,
      port: apiPort,
      corsOrigins: [options.web],
      dpop: { required: 'all' },
    })
    return {
      as,
      api,
      async close() {
        await api.close()
        await as.close()
      },
    }
  } catch (error) {
    await as.close()
    throw error
  }
}

/**
 * Start the interactive stack: the authorization server and the bank API
 * ({@link startServers}) and the web client.
 */
export async function startWebStack(options: WebStackOptions): Promise<WebStack> {
  const webPort = options.webPort || (await freePort())
  const web = `http://localhost:${webPort}`
  const {
    as,
    api,
    close: closeServers,
  } = await startServers({
    web,
    ...(options.framework && { framework: options.framework }),
    ...(options.asPort !== undefined && { asPort: options.asPort }),
    ...(options.apiPort !== undefined && { apiPort: options.apiPort }),
    ...(options.authorizationServer && { authorizationServer: options.authorizationServer }),
    ...(options.bankApi && { bankApi: options.bankApi }),
  })
  const closers: (() => Promise<void>)[] = [closeServers]
  const close = async () => {
    for (const closer of closers.reverse()) await closer()
  }
  try {
    const inline = {
      root,
      configFile,
      logLevel: 'warn' as const,
      define: {
        __BANK_CONFIG__: JSON.stringify({ issuer: as.issuer, api: api.url, clientId: 'bank-web' }),
      },
    }
    const headers = (mode: 'dev' | 'build') =>
      securityHeaders({ mode, web, issuer: as.issuer, api: api.url })
    if (options.web === 'dev') {
      const server = await createServer({
        ...inline,
        server: { host: 'localhost', port: webPort, strictPort: true, headers: headers('dev') },
      })
      await server.listen()
      closers.push(() => server.close())
    } else {
      const outDir = options.outDir ?? fileURLToPath(new URL('../dist', import.meta.url))
      await build({ ...inline, build: { outDir, emptyOutDir: true } })
      const server = await preview({
        ...inline,
        build: { outDir },
        preview: { host: 'localhost', port: webPort, strictPort: true, headers: headers('build') },
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
