import { describe, expect, it } from 'vitest'
import { EnvironmentError, readServerEnvironment } from './env.ts'

const read = (env: Record<string, string>) => readServerEnvironment(env, '/data/users.json')

describe('readServerEnvironment', () => {
  it('has the documented defaults', () => {
    expect(read({})).toEqual({
      port: 3000,
      resource: 'http://localhost:4000/',
      dataFile: '/data/users.json',
      issuer: undefined,
      shutdownTimeout: 10_000,
      redirectUris: ['http://localhost:5173/callback'],
      postLogoutRedirectUris: ['http://localhost:5173/'],
      redisUrl: undefined,
      accessTokenTtl: 300,
      refreshTokenTtl: 86_400,
      sessionTtl: 86_400,
      interactionTtl: 600,
      enrolmentCodeTtl: 900,
    })
  })

  it('reads the lifetimes and the Redis URL', () => {
    const config = read({
      ACCESS_TOKEN_TTL: '60',
      REFRESH_TOKEN_TTL: '3600',
      SESSION_TTL: '1800',
      INTERACTION_TTL: '120',
      ENROLMENT_CODE_TTL: '300',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIRECT_URIS: 'http://localhost:5173/callback http://127.0.0.1:8080/cb',
    })
    expect(config).toMatchObject({
      accessTokenTtl: 60,
      refreshTokenTtl: 3600,
      sessionTtl: 1800,
      interactionTtl: 120,
      enrolmentCodeTtl: 300,
      redisUrl: 'redis://127.0.0.1:6379',
      postLogoutRedirectUris: ['http://localhost:5173/', 'http://127.0.0.1:8080/'],
    })
  })

  it.each([
    ['ACCESS_TOKEN_TTL', 'abc'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['REFRESH_TOKEN_TTL', '-5'],
    ['SESSION_TTL', '1.5'],
    ['INTERACTION_TTL', '10s'],
    ['ENROLMENT_CODE_TTL', '99999999999'],
    ['PORT', '70000'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    expect(() => read({ [variable]: value })).toThrow(
      expect.objectContaining({
        name: 'EnvironmentError',
        variable,
        message: expect.stringMatching(new RegExp(`^${variable} must be a whole number`)),
      }),
    )
  })

  it.each([
    ['RESOURCE', 'not a url'],
    ['ISSUER', 'ftp://example.com'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['REDIRECT_URIS', 'javascript:alert(1)'],
    ['POST_LOGOUT_REDIRECT_URIS', ' '],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    let error: unknown
    try {
      read({ [variable]: value })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(EnvironmentError)
    expect((error as EnvironmentError).variable).toBe(variable)
  })
})
