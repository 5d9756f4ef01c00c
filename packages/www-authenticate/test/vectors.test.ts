import { describe, expect, test } from 'vitest'
import {
  createOAuthChallenge,
  createStepUpChallenge,
  type OAuthChallengeOptions,
  parseOAuthChallenge,
  parseWwwAuthenticate,
  safeParseWwwAuthenticate,
  serializeWwwAuthenticate,
  WwwAuthenticateParseError,
} from '../src/index.js'
import { PARSE_VECTORS } from './vectors.js'

describe('WWW-Authenticate parsing vectors (specs digest, section A)', () => {
  test('the table holds all 32 vectors', () => {
    expect(PARSE_VECTORS).toHaveLength(32)
  })

  for (const vector of PARSE_VECTORS) {
    test(vector.title, () => {
      if (vector.rejects !== undefined) {
        expect(() => parseWwwAuthenticate(vector.lines)).toThrow(WwwAuthenticateParseError)
        const result = safeParseWwwAuthenticate(vector.lines)
        expect(result.success).toBe(false)
        return
      }
      const challenges = parseWwwAuthenticate(vector.lines)
      expect(challenges).toEqual(vector.challenges)
      expect(challenges.map(parseOAuthChallenge)).toEqual(
        vector.oauth?.map((view, i) => ({ ...view, params: challenges[i]?.params })),
      )
      // Several field lines parse exactly like the value Headers.get() combines them into.
      expect(parseWwwAuthenticate(vector.lines.join(', '))).toEqual(challenges)
    })
  }
})

/** RFC examples a resource server emits, rebuilt with the creation helpers. */
const EMITTED: readonly {
  title: string
  options: OAuthChallengeOptions
  stepUp?: boolean
  header: string
}[] = [
  {
    title: 'RFC 6750 §3 — request without authentication (EX-6750-03)',
    options: { realm: 'example' },
    header: 'Bearer realm="example"',
  },
  {
    title: 'RFC 6750 §3 — expired access token (EX-6750-04)',
    options: {
      realm: 'example',
      error: 'invalid_token',
      error_description: 'The access token expired',
    },
    header:
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
  },
  {
    title: 'RFC 9470 §3 — challenge indicating acr_values (EX-9470-01)',
    stepUp: true,
    options: {
      error_description: 'A different authentication level is required',
      acr_values: ['myACR'],
    },
    header:
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
  },
  {
    title: 'RFC 9470 §3 — challenge indicating max_age (EX-9470-02)',
    stepUp: true,
    options: { error_description: 'More recent authentication is required', max_age: 5 },
    header:
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
  },
  {
    title: 'RFC 9449 §7.1 — Figure 15, no authentication (EX-9449-01)',
    options: { scheme: 'DPoP', algs: ['ES256', 'PS256'] },
    header: 'DPoP algs="ES256 PS256"',
  },
  {
    title: 'RFC 9449 §7.1 — Figure 16, invalid token (EX-9449-02)',
    options: {
      scheme: 'DPoP',
      error: 'invalid_token',
      error_description: 'Invalid DPoP key binding',
      algs: ['ES256'],
    },
    header:
      'DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"',
  },
  {
    title: 'RFC 9449 §9 — Figure 24, resource server requires a nonce (EX-9449-08)',
    options: {
      scheme: 'DPoP',
      error: 'use_dpop_nonce',
      error_description: 'Resource server requires nonce in DPoP proof',
    },
    header:
      'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
  },
  {
    title: 'RFC 9728 §5.1 — resource_metadata (EX-9728-04)',
    options: {
      resource_metadata: 'https://resource.example.com/.well-known/oauth-protected-resource',
    },
    header:
      'Bearer resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource"',
  },
  {
    title: 'RFC 9470 §3 + RFC 9449 §7.1 — step-up over DPoP (DP-08)',
    stepUp: true,
    options: { scheme: 'DPoP', acr_values: ['gold'], algs: ['ES256'] },
    header: 'DPoP error="insufficient_user_authentication", acr_values="gold", algs="ES256"',
  },
]

describe('RFC challenge examples, emitted', () => {
  for (const { title, options, stepUp, header } of EMITTED) {
    test(title, () => {
      const emitted = stepUp ? createStepUpChallenge(options) : createOAuthChallenge(options)
      expect(emitted).toBe(header)
      const [challenge] = parseWwwAuthenticate(emitted)
      const { scheme: _scheme, ...fields } = options
      expect(parseOAuthChallenge(challenge!)).toMatchObject({ ...fields, invalid: [] })
    })
  }

  test('RFC 9110 §11.6.1 — two challenges, quoted-pair in title (EX-9110-01)', () => {
    const header = serializeWwwAuthenticate([
      { scheme: 'Basic', params: { realm: 'simple' } },
      { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
    ])
    expect(header).toBe(
      'Basic realm="simple", Newauth realm="apps", type=1, title="Login to \\"apps\\""',
    )
  })
})
