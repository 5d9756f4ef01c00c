import { describe, expect, it } from 'vitest'
import { resourceMetadataUrl } from './resource-metadata.ts'

const URL = 'http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp'

describe('resourceMetadataUrl (RFC 9728 §3.1)', () => {
  it('inserts the well-known segment between the host and the path', () => {
    expect(resourceMetadataUrl('http://127.0.0.1:4100/mcp')).toBe(URL)
    expect(resourceMetadataUrl('https://bank.example/')).toBe(
      'https://bank.example/.well-known/oauth-protected-resource',
    )
  })
})
