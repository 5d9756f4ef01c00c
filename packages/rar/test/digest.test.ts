import { describe, expect, it } from 'vitest'
import { authorizationDetailsDigest } from '../src/index.ts'

const sha256 = async (text: string) => {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  return btoa(String.fromCharCode(...hash))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

describe('authorizationDetailsDigest (RFC 8785 JCS, SHA-256, base64url)', () => {
  it('RFC 8785 §3.2.2: hashes the canonical form of the RFC’s own example', async () => {
    // The RFC's input object, as a detail of type "x" (the member `type` sorts after `string`).
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false], "type": "x"}',
    )
    const canonical =
      '[{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","type":"x"}]'
    expect(await authorizationDetailsDigest([input])).toBe(await sha256(canonical))
  })

  it('RFC 8785 §3.2.3: sorts members by their UTF-16 code units', async () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis", "type": "x"}',
    )
    const canonical =
      '[{"\\r":"Carriage Return","1":"One","type":"x","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}]'
    expect(await authorizationDetailsDigest([input])).toBe(await sha256(canonical))
  })

  const transfer = (amount: string, payee = 'DE02100100109307118603') => ({
    type: 'urn:bank:params:oauth:request:transaction',
    transaction: { amount, currency: 'EUR', destination_account: payee },
  })

  it('is the same whatever the member order, and differs for any other amount or payee', async () => {
    const digest = await authorizationDetailsDigest([transfer('10000.00')])
    expect(digest).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const reordered = {
      transaction: {
        destination_account: 'DE02100100109307118603',
        currency: 'EUR',
        amount: '10000.00',
      },
      type: 'urn:bank:params:oauth:request:transaction',
    }
    expect(await authorizationDetailsDigest([reordered])).toBe(digest)
    expect(await authorizationDetailsDigest([transfer('10000.01')])).not.toBe(digest)
    expect(
      await authorizationDetailsDigest([transfer('10000.00', 'DE89370400440532013000')]),
    ).not.toBe(digest)
    expect(await authorizationDetailsDigest([transfer('10000.00'), transfer('1.00')])).not.toBe(
      digest,
    )
  })

  it('refuses what JSON cannot hold exactly, with a coded TypeError', async () => {
    for (const bad of [
      [{ type: 'x', s: '\ud800' }],
      [{ type: 'x', n: Number.NaN }],
      'not an array',
    ]) {
      await expect(authorizationDetailsDigest(bad as never)).rejects.toMatchObject({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_VALUE',
      })
    }
  })
})
