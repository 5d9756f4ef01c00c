import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './harness.ts'

let harness: Harness
beforeAll(async () => {
  harness = await startHarness()
})
afterAll(async () => {
  await harness?.close()
})

/** Send `target` as the request-target of a GET over a raw socket; resolve with the status line. */
function rawGet(target: string): Promise<string> {
  const { port, hostname } = new URL(harness.server.issuer)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname)
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      answer += chunk
    })
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''))
    socket.on('error', reject)
    socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`)
  })
}

describe('request targets WHATWG URL refuses', () => {
  it.each(['//', '//a:b@/x', '//x:99999/'])(
    'GET %s gets a 400 page and the server keeps answering',
    async (target) => {
      expect(await rawGet(target)).toBe('HTTP/1.1 400 Bad Request')
      expect(await rawGet('/')).toBe('HTTP/1.1 200 OK')
      const discovery = await fetch(`${harness.server.issuer}/.well-known/openid-configuration`)
      expect(discovery.status).toBe(200)
    },
  )
})
