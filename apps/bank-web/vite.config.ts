import { defineConfig } from 'vite'

/** Build-time configuration, from the environment (defaults: `pnpm start`'s ports). */
const config = {
  issuer: process.env['BANK_ISSUER'] ?? 'http://localhost:3000',
  api: process.env['BANK_API'] ?? 'http://localhost:4000',
  clientId: process.env['BANK_CLIENT_ID'] ?? 'bank-web',
}

export default defineConfig({
  resolve: { conditions: ['@stepup/source', 'module', 'browser', 'development|production'] },
  define: { __BANK_CONFIG__: JSON.stringify(config) },
  server: { host: 'localhost', port: Number(process.env['WEB_PORT'] ?? 5173), strictPort: true },
  preview: { host: 'localhost', port: Number(process.env['WEB_PORT'] ?? 4173), strictPort: true },
})
