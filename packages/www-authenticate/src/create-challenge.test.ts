import { describe, expect, test } from 'vitest'
import {
  createOAuthChallenge,
  createStepUpChallenge,
  type OAuthChallengeOptions,
} from './create-challenge.js'
import { parseOAuthChallenge } from './oauth-challenge.js'
import { parseWwwAuthenticate } from './parse.js'

const refused = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' })

describe('createOAuthChallenge', () => {
  test('builds the resource server error challenges', () => {
    expect(createOAuthChallenge({ error: 'invalid_token' })).toBe('Bearer error="invalid_token"')
    expect(createOAuthChallenge({ error: 'insufficient_scope', scope: ['a', 'b:c'] })).toBe(
      'Bearer error="insufficient_scope", scope="a b:c"',
    )
    expect(createOAuthChallenge({ error: 'insufficient_authorization_details' })).toBe(
      'Bearer error="insufficient_authorization_details"',
    )
    expect(createOAuthChallenge({ scheme: 'DPoP', error: 'use_dpop_nonce' })).toBe(
      'DPoP error="use_dpop_nonce"',
    )
    expect(createOAuthChallenge()).toBe('Bearer')
  })

  test('writes parameters in the RFC examples order, every value quoted', () => {
    expect(
      createOAuthChallenge({
        claims: 'eyJ9',
        resource_metadata: 'https://rs.example/.well-known/oauth-protected-resource',
        algs: ['ES256'],
        max_age: 0,
        acr_values: ['gold'],
        scope: ['s'],
        error_uri: 'https://rs.example/e',
        error_description: 'd',
        error: 'e',
        realm: 'r "q"',
      }),
    ).toBe(
      'Bearer realm="r \\"q\\"", error="e", error_description="d", error_uri="https://rs.example/e", ' +
        'scope="s", acr_values="gold", max_age="0", algs="ES256", ' +
        'resource_metadata="https://rs.example/.well-known/oauth-protected-resource", claims="eyJ9"',
    )
  })

  test('what it emits parses back to the same options', () => {
    const options: OAuthChallengeOptions = {
      scheme: 'DPoP',
      realm: 'bank',
      error: 'insufficient_user_authentication',
      error_description: 'A $10,000 transfer needs a phishing-resistant sign-in',
      acr_values: ['phr', 'urn:example:gold'],
      max_age: 300,
      algs: ['ES256', 'PS256'],
      resource_metadata: 'https://bank.example/.well-known/oauth-protected-resource',
    }
    const [challenge] = parseWwwAuthenticate(createOAuthChallenge(options))
    const { scheme: _scheme, ...fields } = options
    expect(parseOAuthChallenge(challenge!)).toEqual({
      scheme: 'dpop',
      ...fields,
      invalid: [],
      params: challenge!.params,
    })
  })

  test('refuses every value a recipient would flag as invalid', () => {
    const bad: OAuthChallengeOptions[] = [
      { error: '' },
      { error: 'a"b' },
      { error: 'a\\b' },
      { error: 'caf\u00e9' },
      { error_description: 'line\r\nX-Injected: 1' },
      { error_description: 'tab\there' },
      { error_uri: 'https://x.example/a b' },
      { scope: [] },
      { scope: ['a b'] },
      { scope: [''] },
      { acr_values: ['gold', ''] },
      { acr_values: ['\u00e9'] },
      { algs: ['ES256 '] },
      { max_age: -1 },
      { max_age: 1.5 },
      { max_age: Number.NaN },
      { max_age: Number.POSITIVE_INFINITY },
      { max_age: 2 ** 53 },
      { resource_metadata: 'http://rs.example/meta' },
      { resource_metadata: 'http://localhost.rs.example/meta' },
      { resource_metadata: '/meta' },
      { claims: '' },
      { realm: 'a\nb' },
      { realm: '\u20ac' },
    ]
    for (const options of bad)
      expect(() => createOAuthChallenge(options), JSON.stringify(options)).toThrow(refused)
  })

  test('refuses values of the wrong type', () => {
    const wrong = [
      { acr_values: 'gold' },
      { scope: 'a b' },
      { algs: [1] },
      { max_age: '5' },
      { error: ['invalid_token'] },
      { realm: 5 },
      { claims: {} },
    ]
    for (const options of wrong) {
      expect(() => createOAuthChallenge(options as never), JSON.stringify(options)).toThrow(refused)
    }
  })

  test.each([
    [{ acr_value: ['gold'] }, 'unknown option "acr_value" (did you mean "acr_values"?)'],
    [{ maxAge: 300 }, 'unknown option "maxAge" (did you mean "max_age"?)'],
    [
      { errorDescription: 'x' },
      'unknown option "errorDescription" (did you mean "error_description"?)',
    ],
    [{ Scheme: 'DPoP' }, 'unknown option "Scheme" (did you mean "scheme"?)'],
    [{ error: 'invalid_token', nonce: 'n' }, 'unknown option "nonce"'],
    [
      { resource_metadata_uri: undefined },
      'unknown option "resource_metadata_uri" (did you mean "resource_metadata"?)',
    ],
  ])('refuses the unknown key in %o, naming the nearest known one', (options, message) => {
    expect(() => createOAuthChallenge(options as never)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_UNKNOWN_OPTION',
        message: `createOAuthChallenge: ${message}`,
      }),
    )
  })

  test('keeps compile-time errors for unknown keys', () => {
    // @ts-expect-error: acr_value is not an option
    const options: OAuthChallengeOptions = { acr_value: ['gold'] }
    expect(() => createOAuthChallenge(options)).toThrow(TypeError)
  })

  test('only the OAuth schemes', () => {
    expect(() => createOAuthChallenge({ scheme: 'Basic' as never })).toThrow(refused)
    expect(() => createOAuthChallenge({ scheme: 'bearer' as never })).toThrow(refused)
    for (const options of [null, [], 'Bearer']) {
      expect(() => createOAuthChallenge(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
      )
    }
  })
})

describe('createStepUpChallenge', () => {
  test('always sets error="insufficient_user_authentication"', () => {
    expect(createStepUpChallenge({ max_age: 60 })).toBe(
      'Bearer error="insufficient_user_authentication", max_age="60"',
    )
  })

  test('refuses an error key (it sets error itself) and unknown keys, with ERR_UNKNOWN_OPTION', () => {
    for (const error of ['invalid_token', undefined]) {
      expect(() => createStepUpChallenge({ acr_values: ['gold'], error } as never)).toThrow(
        expect.objectContaining({
          name: 'TypeError',
          code: 'ERR_UNKNOWN_OPTION',
          message:
            'createStepUpChallenge: unknown option "error" (a step-up challenge always sends error="insufficient_user_authentication")',
        }),
      )
    }
    expect(() => createStepUpChallenge({ acr_value: ['gold'], max_age: 0 } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'createStepUpChallenge: unknown option "acr_value" (did you mean "acr_values"?)',
      }),
    )
    // @ts-expect-error: error is not a step-up option
    expect(() => createStepUpChallenge({ max_age: 0, error: 'x' })).toThrow(TypeError)
  })

  test('needs acr_values or max_age', () => {
    expect(() => createStepUpChallenge({})).toThrow(refused)
    expect(() => createStepUpChallenge({ error_description: 'x', scope: ['a'] })).toThrow(refused)
    expect(() => createStepUpChallenge(undefined as never)).toThrow(refused)
  })

  test('validates like createOAuthChallenge', () => {
    expect(() => createStepUpChallenge({ acr_values: [] })).toThrow(refused)
    expect(() => createStepUpChallenge({ max_age: -5 })).toThrow(refused)
    expect(() => createStepUpChallenge({ max_age: 5, scheme: 'Basic' as never })).toThrow(refused)
  })

  test('combines with resource_metadata and DPoP (RFC 9728 §5.1, RFC 9470 §3)', () => {
    expect(
      createStepUpChallenge({
        scheme: 'DPoP',
        acr_values: ['myACR'],
        max_age: 5,
        algs: ['ES256'],
        resource_metadata: 'https://rs.example.com/.well-known/oauth-protected-resource',
      }),
    ).toBe(
      'DPoP error="insufficient_user_authentication", acr_values="myACR", max_age="5", algs="ES256", ' +
        'resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource"',
    )
  })
})
