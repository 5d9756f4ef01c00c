import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BankChild, startBankApi } from '../src/bank.ts'
import { fetchResult, statusOf, trickle, waitForStatus } from '../src/http.ts'
import { type Issuer, startIssuer } from '../src/issuer.ts'
import { sleep, stackFrames } from '../src/processes.ts'

const HEAD = (path: string, length: number) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

describe.each(['express', 'fastify'] as const)('slow and broken clients on %s', (framework) => {
  let issuer: Issuer
  let api: BankChild
  beforeAll(async () => {
    issuer = await startIssuer()
    api = await startBankApi(framework, issuer.url, {
      HEADERS_TIMEOUT_MS: '1000',
      REQUEST_TIMEOUT_MS: '2000',
    })
    await waitForStatus(`${api.url}/accounts`, 401)
  })
  afterAll(async () => {
    await api?.child.stop()
    await issuer?.close()
  })

  it('cuts a body trickled without a token at the request timeout with 408', async () => {
    // 150 bytes at one per 100 ms would take 15 s; the request timeout is 2 s.
    const body = `{"authorization_details":${' '.repeat(124)}[]}`
    const seen = await trickle(api.port, HEAD('/accounts/ACC-1/transfers', body.length), body)
    expect(seen.cut).toBe(true)
    expect(seen.sent).toBeLessThan(body.length)
    expect(seen.received).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('cuts headers trickled past the headers timeout with 408', async () => {
    const headers = 'X-Slow: a\r\n'.repeat(15)
    const seen = await trickle(api.port, 'GET /accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n', headers)
    expect(seen.cut).toBe(true)
    expect(seen.received).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('answers a path that is not valid percent-encoding with a JSON 400', async () => {
    const result = await fetchResult(`${api.url}/accounts/%E0%A4%A/balance`, { agent: false })
    expect(result).toMatchObject({
      status: 400,
      headers: { 'cache-control': 'no-store' },
    })
    expect(JSON.parse((result as { body: string }).body)).toEqual({
      error: 'invalid_request',
      error_description: 'The request path is not valid percent-encoding',
    })
  })

  it('survives a body cut short by the client, and nothing in the log has a stack trace', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(api.port, '127.0.0.1', () => {
        socket.write(`${HEAD('/accounts/ACC-1/transfers', 100)}{"authorization_details":`)
        setTimeout(() => socket.destroy(), 100)
      })
      socket.once('close', () => resolve())
    })
    // The server has seen the abort (Express logs one short line) and still answers.
    await sleep(200)
    expect(statusOf(await fetchResult(`${api.url}/accounts`, { agent: false }))).toBe(401)
    expect(stackFrames(`${api.child.stdout()}\n${api.child.stderr()}`)).toEqual([])
  })
})
