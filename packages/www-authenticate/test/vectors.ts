import type { OAuthChallenge, WwwAuthenticateChallenge } from '../src/index.js'

/**
 * One `WWW-Authenticate` parsing vector: the field lines as received, and either the challenges
 * and OAuth views they parse to, or the reason they are rejected.
 */
export interface ParseVector {
  readonly id: string
  /** RFC section, vector id and the example it comes from. */
  readonly title: string
  readonly lines: readonly string[]
  readonly challenges?: readonly WwwAuthenticateChallenge[]
  /** `parseOAuthChallenge` of each challenge, without `params` (always the challenge's own). */
  readonly oauth?: readonly Omit<OAuthChallenge, 'params'>[]
  /** Why the value is rejected (it must throw `WwwAuthenticateParseError`). */
  readonly rejects?: string
  readonly note?: string
}

/**
 * Section A of the specs digest's test vectors (12-test-vectors.md), copied here so the package
 * tests stand alone. Translated to this package's API: schemes lower-cased; `scope`, `acr_values`
 * and `algs` split into arrays; a value the digest marks invalid or as a sender violation
 * (`max_age: {invalid}`, `error_description outside NQSCHAR`) is listed in `invalid`.
 */
export const PARSE_VECTORS: readonly ParseVector[] = [
  {
    id: 'WA-01',
    title: 'RFC 9470 §3 — WA-01: EX-9470-01 (RFC 9470 §3), unfolded',
    lines: [
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          error_description: 'A different authentication level is required',
          acr_values: 'myACR',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        error_description: 'A different authentication level is required',
        acr_values: ['myACR'],
        invalid: [],
      },
    ],
    note: 'step-up required; build authz request with acr_values=myACR',
  },
  {
    id: 'WA-02',
    title: 'RFC 9470 §3 — WA-02: EX-9470-02 (RFC 9470 §3), unfolded',
    lines: [
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          error_description: 'More recent authentication is required',
          max_age: '5',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        error_description: 'More recent authentication is required',
        max_age: 5,
        invalid: [],
      },
    ],
    note: 'step-up required; max_age=5 (quoted form)',
  },
  {
    id: 'WA-03',
    title: 'RFC 6750 §3 — WA-03: EX-6750-03',
    lines: ['Bearer realm="example"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          realm: 'example',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        realm: 'example',
        invalid: [],
      },
    ],
    note: 'no error param: request lacked credentials (R-6750-24)',
  },
  {
    id: 'WA-04',
    title: 'RFC 6750 §3 — WA-04: EX-6750-04, unfolded',
    lines: [
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          realm: 'example',
          error: 'invalid_token',
          error_description: 'The access token expired',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        realm: 'example',
        error: 'invalid_token',
        error_description: 'The access token expired',
        invalid: [],
      },
    ],
    note: 'invalid_token → get new token, not step-up',
  },
  {
    id: 'WA-05',
    title: 'RFC 9110 §11.6.1 — WA-05: EX-9110-01, unfolded',
    lines: ['Basic realm="simple", Newauth realm="apps", type=1, title="Login to \\"apps\\""'],
    challenges: [
      {
        scheme: 'basic',
        params: {
          realm: 'simple',
        },
      },
      {
        scheme: 'newauth',
        params: {
          realm: 'apps',
          type: '1',
          title: 'Login to "apps"',
        },
      },
    ],
    oauth: [
      {
        scheme: 'basic',
        realm: 'simple',
        invalid: [],
      },
      {
        scheme: 'newauth',
        realm: 'apps',
        invalid: [],
      },
    ],
    note: '2 challenges; escaped quotes in title',
  },
  {
    id: 'WA-06',
    title: 'RFC 9449 §7.1 — WA-06: EX-9449-01 (Fig. 15)',
    lines: ['DPoP algs="ES256 PS256"'],
    challenges: [
      {
        scheme: 'dpop',
        params: {
          algs: 'ES256 PS256',
        },
      },
    ],
    oauth: [
      {
        scheme: 'dpop',
        algs: ['ES256', 'PS256'],
        invalid: [],
      },
    ],
    note: 'DPoP, no error',
  },
  {
    id: 'WA-07',
    title: 'RFC 9449 §7.1 — WA-07: EX-9449-02 (Fig. 16), RFC 8792 unwrapped',
    lines: [
      'DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"',
    ],
    challenges: [
      {
        scheme: 'dpop',
        params: {
          error: 'invalid_token',
          error_description: 'Invalid DPoP key binding',
          algs: 'ES256',
        },
      },
    ],
    oauth: [
      {
        scheme: 'dpop',
        error: 'invalid_token',
        error_description: 'Invalid DPoP key binding',
        algs: ['ES256'],
        invalid: [],
      },
    ],
  },
  {
    id: 'WA-08',
    title: 'RFC 9449 §7.1 — WA-08: EX-9449-03 (Fig. 17)',
    lines: ['Bearer, DPoP algs="ES256 PS256"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {},
      },
      {
        scheme: 'dpop',
        params: {
          algs: 'ES256 PS256',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        invalid: [],
      },
      {
        scheme: 'dpop',
        algs: ['ES256', 'PS256'],
        invalid: [],
      },
    ],
    note: 'bare Bearer (violates R-6750-07 but must parse)',
  },
  {
    id: 'WA-09',
    title: 'RFC 9449 §7.1 — WA-09: EX-9449-04 (Fig. 18), unwrapped',
    lines: [
      'Bearer error="invalid_token", error_description="Invalid token", DPoP algs="ES256 PS256"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'invalid_token',
          error_description: 'Invalid token',
        },
      },
      {
        scheme: 'dpop',
        params: {
          algs: 'ES256 PS256',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'invalid_token',
        error_description: 'Invalid token',
        invalid: [],
      },
      {
        scheme: 'dpop',
        algs: ['ES256', 'PS256'],
        invalid: [],
      },
    ],
    note: 'error only in the Bearer challenge',
  },
  {
    id: 'WA-10',
    title: 'RFC 9449 §7.1 — WA-10: EX-9449-05 (Fig. 19), unwrapped',
    lines: [
      'Bearer error="invalid_request", error_description="Multiple methods used to include access token", DPoP algs="ES256 PS256", error="invalid_request", error_description="Multiple methods used to include access token"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'invalid_request',
          error_description: 'Multiple methods used to include access token',
        },
      },
      {
        scheme: 'dpop',
        params: {
          algs: 'ES256 PS256',
          error: 'invalid_request',
          error_description: 'Multiple methods used to include access token',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'invalid_request',
        error_description: 'Multiple methods used to include access token',
        invalid: [],
      },
      {
        scheme: 'dpop',
        algs: ['ES256', 'PS256'],
        error: 'invalid_request',
        error_description: 'Multiple methods used to include access token',
        invalid: [],
      },
    ],
    note: 'same param names in two challenges — legal',
  },
  {
    id: 'WA-11',
    title:
      'RFC 9449 §9 — WA-11: EX-9449-08 (Fig. 24), unwrapped; response also carries DPoP-Nonce: eyJ7S_zG.eyJH0-Z.HX4w-7v',
    lines: [
      'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
    ],
    challenges: [
      {
        scheme: 'dpop',
        params: {
          error: 'use_dpop_nonce',
          error_description: 'Resource server requires nonce in DPoP proof',
        },
      },
    ],
    oauth: [
      {
        scheme: 'dpop',
        error: 'use_dpop_nonce',
        error_description: 'Resource server requires nonce in DPoP proof',
        invalid: [],
      },
    ],
    note: 'retry with nonce claim',
  },
  {
    id: 'WA-12',
    title: 'RFC 9728 §5.1 — WA-12: EX-9728-04 (published RFC 9728 §5.1), unfolded',
    lines: [
      'Bearer resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          resource_metadata: 'https://resource.example.com/.well-known/oauth-protected-resource',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        resource_metadata: 'https://resource.example.com/.well-known/oauth-protected-resource',
        invalid: [],
      },
    ],
    note: 'fetch metadata; validate resource == request URL (R-9728-25)',
  },
  {
    id: 'WA-13',
    title: 'RFC 9728 §5.1 — WA-13: EX-9728-05 (superseded draft example), unfolded',
    lines: [
      'Bearer error="invalid_request", error_description="No access token was provided in this request", resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'invalid_request',
          error_description: 'No access token was provided in this request',
          resource_metadata: 'https://resource.example.com/.well-known/oauth-protected-resource',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'invalid_request',
        error_description: 'No access token was provided in this request',
        resource_metadata: 'https://resource.example.com/.well-known/oauth-protected-resource',
        invalid: [],
      },
    ],
    note: 'sender violates R-6750-24 (error info without credentials); still parse',
  },
  {
    id: 'WA-14',
    title: 'OpenID Connect Core §5.3.3 — WA-14: EX-OIDC-06 (OIDC Core §5.3.3), unfolded',
    lines: ['Bearer error="invalid_token", error_description="The Access Token expired"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'invalid_token',
          error_description: 'The Access Token expired',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'invalid_token',
        error_description: 'The Access Token expired',
        invalid: [],
      },
    ],
  },
  {
    id: 'WA-15',
    title: 'RFC 9110 §11.2 — WA-15: synthetic — R-9110-14/17 case-insensitive scheme & param names',
    lines: ['bearer ERROR="insufficient_user_authentication", Acr_Values="myACR"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          acr_values: 'myACR',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        acr_values: ['myACR'],
        invalid: [],
      },
    ],
    note: 'match as Bearer + error + acr_values',
  },
  {
    id: 'WA-16',
    title: 'RFC 9110 §11.2 — WA-16: synthetic — R-9110-17 (param name at most once per challenge)',
    lines: ['Bearer error="invalid_token", error="insufficient_user_authentication"'],
    rejects: "duplicate auth-param 'error' in one challenge",
    note: 'MUST reject / treat as malformed',
  },
  {
    id: 'WA-17',
    title:
      'RFC 9470 §3 — WA-17: synthetic — R-9470-06 token form of max_age; R-9110-18 token values',
    lines: ['Bearer error=insufficient_user_authentication, max_age=300'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          max_age: '300',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        max_age: 300,
        invalid: [],
      },
    ],
    note: 'max_age=300',
  },
  {
    id: 'WA-18',
    title: 'RFC 9470 §3 — WA-18: synthetic — R-9470-06 non-negative integer',
    lines: ['Bearer error="insufficient_user_authentication", max_age="-1"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          max_age: '-1',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        invalid: ['max_age'],
      },
    ],
    note: 'max_age invalid → ignore param or treat challenge as malformed; do not send max_age=-1',
  },
  {
    id: 'WA-19',
    title: 'RFC 9470 §3 — WA-19: synthetic — R-9470-06',
    lines: ['Bearer error="insufficient_user_authentication", max_age="5.0"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          max_age: '5.0',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        invalid: ['max_age'],
      },
    ],
    note: 'max_age invalid (not an integer)',
  },
  {
    id: 'WA-20',
    title: 'RFC 9470 §3 — WA-20: synthetic — R-9470-04/07',
    lines: [
      'Bearer error="insufficient_user_authentication", acr_values="urn:example:gold urn:example:silver", max_age="60"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          acr_values: 'urn:example:gold urn:example:silver',
          max_age: '60',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        acr_values: ['urn:example:gold', 'urn:example:silver'],
        max_age: 60,
        invalid: [],
      },
    ],
    note: 'acr_values in preference order + max_age together',
  },
  {
    id: 'WA-21',
    title: 'RFC 9110 §5.6.4 — WA-21: synthetic — R-9110-11 quoted-pair; R-6750-18 charset',
    lines: [
      'Bearer error="insufficient_user_authentication", error_description="say \\"hi\\" \\\\ bye"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          error_description: 'say "hi" \\ bye',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        invalid: ['error_description'],
      },
    ],
    note: 'value unescapes to `say "hi" \\ bye`; a conforming Bearer sender could not emit it',
  },
  {
    id: 'WA-22',
    title: 'RFC 9110 §5.2 — WA-22: synthetic — R-9110-02/25 two field lines',
    lines: [
      'Basic realm="simple"',
      'Bearer error="insufficient_user_authentication", acr_values="myACR"',
    ],
    challenges: [
      {
        scheme: 'basic',
        params: {
          realm: 'simple',
        },
      },
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          acr_values: 'myACR',
        },
      },
    ],
    oauth: [
      {
        scheme: 'basic',
        realm: 'simple',
        invalid: [],
      },
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        acr_values: ['myACR'],
        invalid: [],
      },
    ],
    note: 'combined as \'Basic realm="simple", Bearer …\'',
  },
  {
    id: 'WA-23',
    title: 'RFC 9110 §5.6.1.2 — WA-23: synthetic — R-9110-09 empty list elements',
    lines: ['Bearer realm="x",, , error="insufficient_user_authentication"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          realm: 'x',
          error: 'insufficient_user_authentication',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        realm: 'x',
        error: 'insufficient_user_authentication',
        invalid: [],
      },
    ],
    note: 'empty elements ignored',
  },
  {
    id: 'WA-24',
    title: "RFC 9110 §11.2 — WA-24: synthetic — BWS around '=' in auth-param (§11.2 ABNF)",
    lines: ['Bearer realm = "x" , error = "insufficient_user_authentication"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          realm: 'x',
          error: 'insufficient_user_authentication',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        realm: 'x',
        error: 'insufficient_user_authentication',
        invalid: [],
      },
    ],
    note: 'accepted (contrast R-9110-13)',
  },
  {
    id: 'WA-25',
    title: 'RFC 9110 §11.2 — WA-25: synthetic — token68 form (§11.2)',
    lines: ['Newauth abc=='],
    challenges: [
      {
        scheme: 'newauth',
        token68: 'abc==',
        params: {},
      },
    ],
    oauth: [
      {
        scheme: 'newauth',
        invalid: [],
      },
    ],
    note: "token68 'abc=='",
  },
  {
    id: 'WA-26',
    title: 'RFC 9110 §11.6.1 — WA-26: synthetic — token68 followed by another challenge',
    lines: ['Newauth abc==, Bearer realm="x"'],
    challenges: [
      {
        scheme: 'newauth',
        token68: 'abc==',
        params: {},
      },
      {
        scheme: 'bearer',
        params: {
          realm: 'x',
        },
      },
    ],
    oauth: [
      {
        scheme: 'newauth',
        invalid: [],
      },
      {
        scheme: 'bearer',
        realm: 'x',
        invalid: [],
      },
    ],
  },
  {
    id: 'WA-27',
    title:
      'RFC 9470 §3 — WA-27: synthetic — R-9470-02 + R-9728-31 + R-9449-22: Bearer+DPoP step-up with resource_metadata',
    lines: [
      'Bearer error="insufficient_user_authentication", acr_values="myACR", resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource", DPoP algs="ES256", error="insufficient_user_authentication", acr_values="myACR"',
    ],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_user_authentication',
          acr_values: 'myACR',
          resource_metadata: 'https://rs.example.com/.well-known/oauth-protected-resource',
        },
      },
      {
        scheme: 'dpop',
        params: {
          algs: 'ES256',
          error: 'insufficient_user_authentication',
          acr_values: 'myACR',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_user_authentication',
        acr_values: ['myACR'],
        resource_metadata: 'https://rs.example.com/.well-known/oauth-protected-resource',
        invalid: [],
      },
      {
        scheme: 'dpop',
        algs: ['ES256'],
        error: 'insufficient_user_authentication',
        acr_values: ['myACR'],
        invalid: [],
      },
    ],
    note: 'client picks the scheme of the token it holds',
  },
  {
    id: 'WA-28',
    title: 'RFC 6750 §3 — WA-28: synthetic — R-6750-23 insufficient_scope (403 expected status)',
    lines: ['Bearer error="insufficient_scope", scope="openid profile email"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error: 'insufficient_scope',
          scope: 'openid profile email',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        error: 'insufficient_scope',
        scope: ['openid', 'profile', 'email'],
        invalid: [],
      },
    ],
    note: 'not step-up; re-request with scope',
  },
  {
    id: 'WA-29',
    title: 'RFC 6750 §3 — WA-29: EX-6750-02 scope value in a challenge',
    lines: ['Bearer scope="urn:example:channel=HBO&urn:example:rating=G,PG-13"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          scope: 'urn:example:channel=HBO&urn:example:rating=G,PG-13',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        scope: ['urn:example:channel=HBO&urn:example:rating=G,PG-13'],
        invalid: [],
      },
    ],
    note: 'comma inside quoted-string must not split',
  },
  {
    id: 'WA-30',
    title: 'RFC 6750 §3 — WA-30: synthetic — R-6750-18 charset (non-ASCII)',
    lines: ['Bearer error_description="café"'],
    challenges: [
      {
        scheme: 'bearer',
        params: {
          error_description: 'café',
        },
      },
    ],
    oauth: [
      {
        scheme: 'bearer',
        invalid: ['error_description'],
      },
    ],
    note: 'parse; flag sender violation',
  },
  {
    id: 'WA-31',
    title: 'RFC 9110 §11.6.1 — WA-31: synthetic — unterminated quoted-string',
    lines: ['Bearer error="insufficient_user_authentication", error_description="unterminated'],
    rejects: 'unterminated quoted-string',
    note: 'reject field (malformed)',
  },
  {
    id: 'WA-32',
    title: 'RFC 9110 §11.6.1 — WA-32: synthetic — garbage after token68',
    lines: ['Bearer abc def'],
    rejects: 'garbage after token68',
    note: 'reject field (malformed)',
  },
]
