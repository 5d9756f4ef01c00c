/**
 * The web app's own server headers: a Content Security Policy without inline script, anti-framing
 * (`frame-ancestors 'none'` and `X-Frame-Options: DENY`), on every answer of the dev server
 * (`pnpm start`) and of the built app's server (the browser tests check those in Chromium).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { securityHeaders } from '../server/headers.ts'
import { startWebStack, type WebStack } from '../server/stack.ts'

const ORIGINS = {
  web: 'http://localhost:5173',
  issuer: 'http://localhost:3000',
  api: 'http://localhost:4000',
}

/** A CSP header as a map of directive → its sources. */
const directives = (policy: string) =>
  new Map(
    policy.split(';').map((part) => {
      const [name = '', ...sources] = part.trim().split(/\s+/)
      return [name, sources] as const
    }),
  )

describe('securityHeaders', () => {
  it('allows scripts from the app only and connections to the app, the API and the sign-in server', () => {
    const csp = directives(
      securityHeaders({ mode: 'build', ...ORIGINS })['Content-Security-Policy'],
    )
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('style-src')).toEqual(["'self'"])
    expect(csp.get('connect-src')).toEqual([
      "'self'",
      'http://localhost:4000',
      'http://localhost:3000',
    ])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    expect(csp.get('base-uri')).toEqual(["'none'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.get('form-action')).toEqual(["'self'"])
  })

  it('names origins only, whatever path the API and issuer URLs carry', () => {
    const csp = directives(
      securityHeaders({
        mode: 'build',
        web: 'http://localhost:5173/',
        issuer: 'http://localhost:3000/tenant',
        api: 'http://localhost:4000/bank/',
      })['Content-Security-Policy'],
    )
    expect(csp.get('connect-src')).toEqual([
      "'self'",
      'http://localhost:4000',
      'http://localhost:3000',
    ])
  })

  it('in dev, adds the hot-reload WebSocket and inline styles only, never inline scripts', () => {
    const csp = directives(securityHeaders({ mode: 'dev', ...ORIGINS })['Content-Security-Policy'])
    expect(csp.get('connect-src')).toContain('ws://localhost:5173')
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
  })

  it('forbids framing for browsers without CSP frame-ancestors, and MIME sniffing', () => {
    const headers = securityHeaders({ mode: 'build', ...ORIGINS })
    expect(headers['X-Frame-Options']).toBe('DENY')
    expect(headers['X-Content-Type-Options']).toBe('nosniff')
    expect(headers['Referrer-Policy']).toBe('no-referrer')
    expect(Object.keys(headers)).not.toContain('Cross-Origin-Opener-Policy')
  })
})

describe('the dev server of pnpm start', () => {
  let stack: WebStack
  beforeAll(async () => {
    stack = await startWebStack({ web: 'dev' })
  })
  afterAll(async () => {
    await stack?.close()
  })

  it.each(['/', '/callback', '/src/main.ts', '/node_modules/bank-theme/bank.css'])(
    'sends the CSP and anti-framing headers with %s',
    async (path) => {
      const response = await fetch(`${stack.web}${path}`)
      await response.arrayBuffer()
      const csp = directives(response.headers.get('content-security-policy') ?? '')
      expect(csp.get('script-src')).toEqual(["'self'"])
      expect(csp.get('frame-ancestors')).toEqual(["'none'"])
      expect(csp.get('connect-src')).toEqual([
        "'self'",
        new URL(stack.api.url).origin,
        stack.as.issuer,
        stack.web.replace(/^http/, 'ws'),
      ])
      expect(response.headers.get('x-frame-options')).toBe('DENY')
    },
  )

  it('serves a page with no inline script', async () => {
    const html = await (await fetch(stack.web)).text()
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.length).toBeGreaterThan(0)
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="/)
      expect(body?.trim()).toBe('')
    }
  })
})
