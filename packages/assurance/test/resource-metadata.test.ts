import { describe, expect, it } from 'vitest'
import { createProtectedResourceMetadata } from '../src/resource-metadata.ts'

describe('createProtectedResourceMetadata (RFC 9728)', () => {
  it('inserts the well-known suffix between host and path (§3.1)', () => {
    const { path, document } = createProtectedResourceMetadata({
      resource: 'https://rs.example.com/resource1',
    })
    expect(path).toBe('/.well-known/oauth-protected-resource/resource1')
    expect(document).toEqual({ resource: 'https://rs.example.com/resource1' })
  })

  it('omits empty lists (§3.2) but keeps bearer_methods_supported: [], which means no Bearer (§2)', () => {
    const { document, body } = createProtectedResourceMetadata({
      resource: 'https://rs.example.com',
      authorization_servers: [],
      scopes_supported: [],
      bearer_methods_supported: [],
    })
    expect(document).toEqual({ resource: 'https://rs.example.com', bearer_methods_supported: [] })
    expect(JSON.parse(body)).toEqual(document)
  })

  it('refuses unknown options, naming the nearest member', () => {
    expect(() =>
      createProtectedResourceMetadata({
        resource: 'https://rs.example.com',
        authorization_server: ['https://as.example.com'],
      } as never),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message:
          'createProtectedResourceMetadata: unknown option "authorization_server" (did you mean "authorization_servers"?)',
      }),
    )
  })

  it.each([
    'http://rs.example.com',
    'https://rs.example.com/?q=1',
    'https://rs.example.com/#f',
    'not a url',
  ])('refuses a resource that is not an https URL without query or fragment: %s', (resource) => {
    expect(() => createProtectedResourceMetadata({ resource })).toThrow(TypeError)
  })
})
