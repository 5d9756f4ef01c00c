// An edge handler (Workers, Deno, Bun, a Next route): one route that needs a fresh
// phishing-resistant sign-in, tokens verified against the issuer's JWK Set.
import { createJwtAccessTokenVerifier } from '@stepup/assurance'
import { withStepUp } from '@stepup/fetch'

const verify = createJwtAccessTokenVerifier({
  issuer: 'https://as.example.com',
  audience: 'https://api.example.com',
  jwks: new URL('https://as.example.com/jwks'),
})

export default {
  fetch: withStepUp((_request, auth) => Response.json({ sub: auth.claims.sub }), {
    verify,
    requirement: { acr_values: ['phr'], max_age: 300 },
  }),
}
