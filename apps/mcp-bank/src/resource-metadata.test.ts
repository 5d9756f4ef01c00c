import { describe, expect, it } from 'vitest'
import { resourceMetadataUrl, withResourceMetadata } from './resource-metadata.ts'

const URL = 'http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp'

describe('resourceMetadataUrl (RFC 9728 §3.1)', () => {
  it('inserts the well-known segment between the host and the path', () => {
    expect(resourceMetadataUrl('http://127.0.0.1:4100/mcp')).toBe(URL)
    expect(resourceMetadataUrl('https://bank.example/')).toBe(
      'https://bank.example/.well-known/oauth-protected-resource',
    )
  })
})

describe('withResourceMetadata (RFC 9728 §5.1)', () => {
  it('adds resource_metadata to a bare Bearer challenge', () => {
    expect(withResourceMetadata('Bearer', URL)).toBe(`Bearer resource_metadata="${URL}"`)
  })

  it('adds it after the parameters, keeping them as written', () => {
    const header = 'Bearer error="insufficient_scope", scope="accounts:read transfers:write"'
    expect(withResourceMetadata(header, URL)).toBe(`${header}, resource_metadata="${URL}"`)
  })

  it.each([
    ['a challenge that already names one', `Bearer resource_metadata="${URL}"`],
    ['two challenges', 'Bearer error="invalid_token", DPoP algs="ES256"'],
    ['another scheme', 'DPoP error="invalid_token"'],
    ['a token68 challenge', 'Bearer abc='],
  ])('leaves %s unchanged', (_, header) => {
    expect(withResourceMetadata(header, URL)).toBe(header)
  })
})
