import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { renderPage, sendPage } from './html.ts'

/** Enough of a ServerResponse to see what sendPage writes. */
function response(preset: Record<string, string> = {}) {
  const set = new Map(Object.entries(preset))
  const sent: { status?: number; headers?: Record<string, string>; body?: string } = {}
  const res = {
    getHeader: (name: string) => set.get(name),
    writeHead(status: number, headers: Record<string, string>) {
      sent.status = status
      sent.headers = headers
      return res
    },
    end(body: string) {
      sent.body = body
      return res
    },
  }
  return { res: res as unknown as ServerResponse, sent }
}

describe('sendPage', () => {
  it('adds a strict CSP, same-origin referrers, nosniff and DENY when nothing set them', () => {
    const { res, sent } = response()
    sendPage(res, { title: 'T', body: '<p>b</p>', status: 401 })
    expect(sent.status).toBe(401)
    expect(sent.headers).toEqual({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
      'referrer-policy': 'same-origin',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    })
  })

  it('leaves the headers the security middleware set alone', () => {
    const { res, sent } = response({
      'content-security-policy': "default-src 'self'",
      'referrer-policy': 'same-origin',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    })
    sendPage(res, { title: 'T', body: '' })
    expect(sent.headers).toEqual({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    })
  })
})

describe('renderPage', () => {
  it('escapes the title and loads the script only where a key is used', () => {
    const plain = renderPage({ title: '<Sign in>', body: '' })
    expect(plain).toContain('<h1>&lt;Sign in&gt;</h1>')
    expect(plain).not.toContain('webauthn.js')
    expect(renderPage({ title: 'Key', body: '', webauthn: true })).toMatch(
      /<script src="\/assets\/webauthn\.js\?v=[0-9a-f]{16}" defer><\/script>/,
    )
  })
})
