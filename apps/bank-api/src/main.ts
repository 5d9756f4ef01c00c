import { createBankApi } from './bank-api.ts'

const framework = process.env['FRAMEWORK'] === 'fastify' ? 'fastify' : 'express'
const port = Number(process.env['PORT'] ?? 4000)
const issuer = process.env['ISSUER'] ?? 'http://localhost:3000'
const resource = process.env['RESOURCE'] ?? `http://localhost:${port}/`
const corsOrigins = (process.env['CORS_ORIGINS'] ?? 'http://localhost:5173').split(' ')

const api = await createBankApi({ framework, issuer, resource, port, corsOrigins })
console.log(`Bank API (${framework}): ${api.url}`)
console.log(`  metadata: ${api.url}/.well-known/oauth-protected-resource`)
console.log(`  issuer:   ${issuer}`)

const stop = (): void => {
  api.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
