import { describe, expect, it } from 'vitest'
import { readStepUpChallenge, StepUpError } from '../src/index.js'

/**
 * Challenge examples copied from the specs (unfolded; RFC 8792 `\` wrapping removed), each with
 * the status line of its figure. `expected` undefined: not a step-up signal; `invalid`: a step-up
 * signal that cannot be acted on as sent (`ERR_CHALLENGE_INVALID`, the message names the reason).
 */
interface Vector {
  readonly title: string
  readonly status: number
  readonly headers: readonly [string, string][]
  readonly options?: Parameters<typeof readStepUpChallenge>[1]
  readonly expected: Record<string, unknown> | undefined | { readonly invalid: RegExp }
}

const RM = 'https://resource.example.com/.well-known/oauth-protected-resource'
const ENTRA_CLAIMS = 'eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19'

const vectors: Vector[] = [
  {
    title: 'RFC 9470 §3 Figure 2: acr_values challenge (EX-9470-01, WA-01)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
      ],
    ],
    expected: {
      kind: 'step_up',
      scheme: 'bearer',
      error_description: 'A different authentication level is required',
      acr_values: ['myACR'],
    },
  },
  {
    title: 'RFC 9470 §3 Figure 3: max_age challenge (EX-9470-02, WA-02)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
      ],
    ],
    expected: {
      kind: 'step_up',
      scheme: 'bearer',
      error_description: 'More recent authentication is required',
      max_age: 5,
    },
  },
  {
    title: 'RFC 9470 §3: max_age in token form (WA-17)',
    status: 401,
    headers: [['WWW-Authenticate', 'Bearer error=insufficient_user_authentication, max_age=300']],
    expected: { kind: 'step_up', scheme: 'bearer', max_age: 300 },
  },
  {
    title: 'RFC 9470 §3: max_age="-1" is not a non-negative integer: refused (WA-18, AR-04)',
    status: 401,
    headers: [
      ['WWW-Authenticate', 'Bearer error="insufficient_user_authentication", max_age="-1"'],
    ],
    expected: {
      invalid: /^the server's max_age "-1" is not a non-negative integer \(RFC 9470 §3\)$/,
    },
  },
  {
    title: 'RFC 9470 §3: max_age="5.0" is refused (WA-19)',
    status: 401,
    headers: [
      ['WWW-Authenticate', 'Bearer error="insufficient_user_authentication", max_age="5.0"'],
    ],
    expected: { invalid: /max_age "5.0"/ },
  },
  {
    title: 'RFC 9470 §3: max_age="abc" is refused',
    status: 401,
    headers: [
      ['WWW-Authenticate', 'Bearer error="insufficient_user_authentication", max_age="abc"'],
    ],
    expected: { invalid: /max_age "abc"/ },
  },
  {
    title: 'RFC 9470 §3: acr_values with two spaces in a row is refused',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", acr_values="gold  silver"',
      ],
    ],
    expected: { invalid: /acr_values "gold {2}silver" is not a list of ACR values/ },
  },
  {
    title: 'RFC 9470 §3: an empty acr_values is refused',
    status: 401,
    headers: [
      ['WWW-Authenticate', 'Bearer error="insufficient_user_authentication", acr_values=""'],
    ],
    expected: { invalid: /acr_values ""/ },
  },
  {
    title: 'RFC 6750 §3: a scope with a backslash in a step-up challenge is refused',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", max_age=0, scope="a\\\\b"',
      ],
    ],
    expected: { invalid: /scope .* is not a list of scope tokens .*RFC 6750 §3/ },
  },
  {
    title: 'RFC 6750 §3.1: an insufficient_scope whose scope is malformed is refused',
    status: 403,
    headers: [['WWW-Authenticate', 'Bearer error="insufficient_scope", scope=" payments"']],
    expected: { invalid: /scope " payments"/ },
  },
  {
    title: 'RFC 9470 §3: acr_values in preference order with max_age (WA-20)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", acr_values="urn:example:gold urn:example:silver", max_age="60"',
      ],
    ],
    expected: {
      kind: 'step_up',
      scheme: 'bearer',
      acr_values: ['urn:example:gold', 'urn:example:silver'],
      max_age: 60,
    },
  },
  {
    title: 'RFC 9110 §11.1: case-insensitive scheme and parameter names (WA-15)',
    status: 401,
    headers: [
      ['WWW-Authenticate', 'bearer ERROR="insufficient_user_authentication", Acr_Values="myACR"'],
    ],
    expected: { kind: 'step_up', scheme: 'bearer', acr_values: ['myACR'] },
  },
  {
    title: 'RFC 9110 §11.6.1: two field lines (WA-22)',
    status: 401,
    headers: [
      ['WWW-Authenticate', 'Basic realm="simple"'],
      ['WWW-Authenticate', 'Bearer error="insufficient_user_authentication", acr_values="myACR"'],
    ],
    expected: { kind: 'step_up', scheme: 'bearer', acr_values: ['myACR'] },
  },
  {
    title: 'RFC 9110 §11.6.1: a duplicate parameter rejects the field (WA-16)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="invalid_token", error="insufficient_user_authentication"',
      ],
    ],
    expected: undefined,
  },
  {
    title: 'RFC 9110 §11.6.1: an unterminated quoted-string rejects the field (WA-31)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", error_description="unterminated',
      ],
    ],
    expected: undefined,
  },
  {
    title: 'RFC 9470 §3 + RFC 9449 §7.2 + RFC 9728 §5.1: Bearer and DPoP step-up (WA-27)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", acr_values="myACR", resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource", DPoP algs="ES256", error="insufficient_user_authentication", acr_values="myACR"',
      ],
    ],
    expected: {
      kind: 'step_up',
      scheme: 'bearer',
      acr_values: ['myACR'],
      resource_metadata: 'https://rs.example.com/.well-known/oauth-protected-resource',
    },
  },
  {
    title: 'RFC 9449 §7.2: the same header read for a DPoP token (WA-27)',
    status: 401,
    options: { scheme: 'DPoP' },
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", acr_values="myACR", resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource", DPoP algs="ES256", error="insufficient_user_authentication", acr_values="myACR"',
      ],
    ],
    expected: { kind: 'step_up', scheme: 'dpop', acr_values: ['myACR'] },
  },
  {
    title: 'RFC 9470 §3: DPoP step-up on 403 (DP-08)',
    status: 403,
    headers: [
      [
        'WWW-Authenticate',
        'DPoP error="insufficient_user_authentication", acr_values="gold", algs="ES256"',
      ],
    ],
    expected: { kind: 'step_up', scheme: 'dpop', acr_values: ['gold'] },
  },
  {
    title: 'RFC 9728 §5.1: resource_metadata beside max_age (R-9728-31)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        `Bearer error="insufficient_user_authentication", max_age="300", resource_metadata="${RM}"`,
      ],
    ],
    expected: { kind: 'step_up', scheme: 'bearer', max_age: 300, resource_metadata: RM },
  },
  {
    title: 'RFC 9728 §5.1: resource_metadata alone is not a step-up (EX-9728-04, WA-12)',
    status: 401,
    headers: [['WWW-Authenticate', `Bearer resource_metadata="${RM}"`]],
    expected: undefined,
  },
  {
    title: 'RFC 9728 §5.1 (draft): invalid_request with resource_metadata (EX-9728-05, WA-13)',
    status: 400,
    headers: [
      [
        'WWW-Authenticate',
        `Bearer error="invalid_request", error_description="No access token was provided in this request", resource_metadata="${RM}"`,
      ],
    ],
    expected: undefined,
  },
  {
    title: 'RFC 6750 §3.1: insufficient_scope on 403 (WA-28)',
    status: 403,
    headers: [
      ['WWW-Authenticate', 'Bearer error="insufficient_scope", scope="openid profile email"'],
    ],
    expected: {
      kind: 'insufficient_scope',
      scheme: 'bearer',
      scope: ['openid', 'profile', 'email'],
    },
  },
  {
    title: 'RFC 6750 §3: request without authentication (EX-6750-03, WA-03)',
    status: 401,
    headers: [['WWW-Authenticate', 'Bearer realm="example"']],
    expected: undefined,
  },
  {
    title: 'RFC 6750 §3: expired token is invalid_token, not a step-up (EX-6750-04, WA-04)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
      ],
    ],
    expected: undefined,
  },
  {
    title: 'OpenID Connect Core §5.3.3: UserInfo invalid_token (EX-OIDC-06, WA-14)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="invalid_token", error_description="The Access Token expired"',
      ],
    ],
    expected: undefined,
  },
  {
    title: 'RFC 9449 §7.1 Figure 15: DPoP without authentication (EX-9449-01, WA-06)',
    status: 401,
    headers: [['WWW-Authenticate', 'DPoP algs="ES256 PS256"']],
    expected: undefined,
  },
  {
    title: 'RFC 9449 §7.1 Figure 16: invalid DPoP key binding (EX-9449-02, WA-07)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"',
      ],
    ],
    expected: undefined,
  },
  {
    title: 'RFC 9449 §7.2 Figure 17: bare Bearer and DPoP (EX-9449-03, WA-08)',
    status: 401,
    headers: [['WWW-Authenticate', 'Bearer, DPoP algs="ES256 PS256"']],
    expected: undefined,
  },
  {
    title: 'RFC 9449 §7.2 Figure 18: invalid Bearer token (EX-9449-04, WA-09)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="invalid_token", error_description="Invalid token", DPoP algs="ES256 PS256"',
      ],
    ],
    expected: undefined,
  },
  {
    title: 'RFC 9449 §7.2 Figure 19: ambiguous authentication, 400 (EX-9449-05, WA-10)',
    status: 400,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="invalid_request", error_description="Multiple methods used to include access token", DPoP algs="ES256 PS256", error="invalid_request", error_description="Multiple methods used to include access token"',
      ],
    ],
    expected: undefined,
  },
  {
    title: 'RFC 9449 §9 Figure 24: resource server nonce (EX-9449-08, WA-11, DP-05)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
      ],
      ['DPoP-Nonce', 'eyJ7S_zG.eyJH0-Z.HX4w-7v'],
    ],
    expected: {
      kind: 'use_dpop_nonce',
      scheme: 'dpop',
      nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v',
      error_description: 'Resource server requires nonce in DPoP proof',
    },
  },
  {
    title: 'RFC 9449 §9: use_dpop_nonce without a DPoP-Nonce header is not actionable',
    status: 401,
    headers: [['WWW-Authenticate', 'DPoP error="use_dpop_nonce"']],
    expected: undefined,
  },
  {
    title: 'RFC 9449 §8.1: a DPoP-Nonce outside the nonce syntax is not used',
    status: 401,
    headers: [
      ['WWW-Authenticate', 'DPoP error="use_dpop_nonce"'],
      ['DPoP-Nonce', 'two words'],
    ],
    expected: undefined,
  },
  {
    title:
      'RFC 9449 §8 Figure 20: authorization server nonce error is JSON, not a challenge (EX-9449-06)',
    status: 400,
    headers: [['DPoP-Nonce', 'eyJ7S_zG.eyJH0-Z.HX4w-7v']],
    expected: undefined,
  },
  {
    title: 'RFC 9449 §8.2 Figure 23: next nonce on a 200 (EX-9449-07)',
    status: 200,
    headers: [['DPoP-Nonce', 'eyJ7S_zG.eyJbYu3.xQmBj-1']],
    expected: undefined,
  },
  {
    title: 'Microsoft Entra claims challenge: insufficient_claims with base64 claims',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="${ENTRA_CLAIMS}"`,
      ],
    ],
    expected: {
      kind: 'insufficient_claims',
      scheme: 'bearer',
      realm: '',
      claims: '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}',
    },
  },
  {
    title: 'Microsoft Entra claims challenge: undecodable claims is refused',
    status: 401,
    headers: [['WWW-Authenticate', 'Bearer error="insufficient_claims", claims="not base64!"']],
    expected: { invalid: /claims/ },
  },
  {
    title: 'draft-zehavi-oauth-rar-metadata: insufficient_authorization_details on 403',
    status: 403,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_authorization_details", error_description="The authorization details of the access token do not cover this request"',
      ],
    ],
    expected: {
      kind: 'insufficient_authorization_details',
      scheme: 'bearer',
      error_description: 'The authorization details of the access token do not cover this request',
    },
  },
  {
    title:
      'RFC 6750 §3 + RFC 9470 §3: one 401 names acr_values, max_age and the missing scope (SD-09)',
    status: 401,
    headers: [
      [
        'WWW-Authenticate',
        'Bearer error="insufficient_user_authentication", acr_values="phrh", max_age=300, scope="accounts payments"',
      ],
    ],
    expected: {
      kind: 'step_up',
      scheme: 'bearer',
      acr_values: ['phrh'],
      max_age: 300,
      scope: ['accounts', 'payments'],
    },
  },
]

const responseOf = (vector: Vector) => {
  const headers = new Headers()
  for (const [name, value] of vector.headers) headers.append(name, value)
  return new Response(null, { status: vector.status, headers })
}
const titled = (list: Vector[]) => list.map((v) => [v.title, v] as const)
const isRefused = (v: Vector) => v.expected !== undefined && 'invalid' in v.expected

describe('readStepUpChallenge: spec vectors', () => {
  it.each(titled(vectors.filter((v) => v.expected === undefined)))('%s', (_, vector) => {
    expect(readStepUpChallenge(responseOf(vector), vector.options)).toBeUndefined()
  })

  it.each(titled(vectors.filter((v) => v.expected !== undefined && !isRefused(v))))(
    '%s',
    (_, vector) => {
      const challenge = readStepUpChallenge(responseOf(vector), vector.options)
      const { raw, ...typed } = challenge ?? ({} as NonNullable<typeof challenge>)
      expect(typed).toStrictEqual(vector.expected)
      expect(raw.scheme.toLowerCase()).toBe(typed.scheme)
    },
  )

  it.each(titled(vectors.filter(isRefused)))('%s', (_, vector) => {
    const response = responseOf(vector)
    const error = (() => {
      try {
        readStepUpChallenge(response, vector.options)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(StepUpError)
    expect(error).toMatchObject({ code: 'ERR_CHALLENGE_INVALID', response })
    expect((error as Error).message).toMatch((vector.expected as { invalid: RegExp }).invalid)
  })
})

describe('readStepUpChallenge: challenges are read only where the status calls for them', () => {
  const stepUp = 'Bearer error="insufficient_user_authentication", acr_values="myACR"'
  it.each([200, 204, 302, 400, 404, 407, 500])('a step-up challenge on %i is ignored', (status) => {
    const response = new Response(null, { status, headers: { 'www-authenticate': stepUp } })
    expect(readStepUpChallenge(response)).toBeUndefined()
  })

  it.each([401, 403])('a step-up challenge on %i is read', (status) => {
    const response = new Response(null, { status, headers: { 'www-authenticate': stepUp } })
    expect(readStepUpChallenge(response)?.kind).toBe('step_up')
  })

  it('use_dpop_nonce is read on 401 only (RFC 9449 §9)', () => {
    const headers = { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' }
    expect(readStepUpChallenge(new Response(null, { status: 401, headers }))?.kind).toBe(
      'use_dpop_nonce',
    )
    expect(readStepUpChallenge(new Response(null, { status: 403, headers }))).toBeUndefined()
  })

  it('use_dpop_nonce under Bearer is ignored (RFC 9449 §7.1)', () => {
    const headers = { 'www-authenticate': 'Bearer error="use_dpop_nonce"', 'dpop-nonce': 'n-1' }
    expect(readStepUpChallenge(new Response(null, { status: 401, headers }))).toBeUndefined()
  })

  it('a 401 without WWW-Authenticate is not a step-up', () => {
    expect(readStepUpChallenge(new Response(null, { status: 401 }))).toBeUndefined()
  })

  it('other schemes are skipped and the step-up challenge wins over an earlier insufficient_scope', () => {
    const value =
      'Basic realm="x", Bearer error="insufficient_scope", scope="a", DPoP error="insufficient_user_authentication", acr_values="b"'
    const challenge = readStepUpChallenge(
      new Response(null, { status: 403, headers: { 'www-authenticate': value } }),
    )
    expect(challenge).toMatchObject({ kind: 'step_up', scheme: 'dpop', acr_values: ['b'] })
  })

  it.each([
    [
      'insufficient_user_authentication over insufficient_authorization_details',
      'Bearer error="insufficient_authorization_details", Bearer error="insufficient_user_authentication", max_age=0',
      { kind: 'step_up', max_age: 0 },
    ],
    [
      'insufficient_authorization_details over insufficient_scope',
      'Bearer error="insufficient_scope", scope="a", Bearer error="insufficient_authorization_details"',
      { kind: 'insufficient_authorization_details' },
    ],
    [
      'insufficient_user_authentication over insufficient_scope, on separate field lines',
      [
        'Bearer error="insufficient_scope", scope="a"',
        'Bearer error="insufficient_user_authentication", acr_values="b"',
      ],
      { kind: 'step_up', acr_values: ['b'] },
    ],
    [
      'the first of two challenges of the same kind',
      'Bearer error="insufficient_scope", scope="a", Bearer error="insufficient_scope", scope="b"',
      { kind: 'insufficient_scope', scope: ['a'] },
    ],
  ])('prefers %s', (_, value, expected) => {
    const headers = new Headers()
    for (const line of [value].flat()) headers.append('www-authenticate', line)
    expect(readStepUpChallenge(new Response(null, { status: 401, headers }))).toMatchObject(
      expected,
    )
  })

  it('an invalid challenge that is not preferred does not hide the preferred one', () => {
    const value =
      'Bearer error="insufficient_scope", scope=" bad", Bearer error="insufficient_user_authentication", max_age=5'
    const challenge = readStepUpChallenge(
      new Response(null, { status: 401, headers: { 'www-authenticate': value } }),
    )
    expect(challenge).toMatchObject({ kind: 'step_up', max_age: 5 })
  })

  it('refuses an unknown option key and a scheme it does not know', () => {
    const response = new Response(null, { status: 401 })
    expect(() => readStepUpChallenge(response, { schema: 'DPoP' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: 'readStepUpChallenge: unknown option "schema" (did you mean "scheme"?)',
      }),
    )
    expect(() => readStepUpChallenge(response, { scheme: 'Basic' } as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }),
    )
  })

  it('a scheme option limits the challenges read', () => {
    const value = 'DPoP error="insufficient_user_authentication", acr_values="b"'
    const response = new Response(null, { status: 401, headers: { 'www-authenticate': value } })
    expect(readStepUpChallenge(response, { scheme: 'Bearer' })).toBeUndefined()
    expect(readStepUpChallenge(response, { scheme: 'DPoP' })?.scheme).toBe('dpop')
  })

  it('the raw challenge is kept as parsed', () => {
    const value = 'Bearer error="insufficient_user_authentication", acr_values="myACR", x_ext="1"'
    const challenge = readStepUpChallenge(
      new Response(null, { status: 401, headers: { 'www-authenticate': value } }),
    )
    expect(challenge?.raw.params.x_ext).toBe('1')
  })
})
